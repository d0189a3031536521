"""A new tokenizer trained on the domain corpus, for a model trained from scratch.

Uses the ``tokenizers`` library's trainers; only the setup is ours:

- ``wordpiece``: BERT's pipeline (lower-casing normaliser that also splits CJK characters,
  whitespace-and-punctuation pre-tokenizer, ``##`` continuation pieces, ``[CLS] ... [SEP]``);
- ``bpe``: byte-level BPE as in RoBERTa/GPT-2 (no ``[UNK]`` at all: every byte is in the alphabet),
  with ``<s> ... </s>`` and a ``<mask>`` token.

The result is wrapped in a Hugging Face fast tokenizer and saved with ``save_pretrained``, so
``AutoTokenizer.from_pretrained`` loads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers


def _wordpiece(vocab_size: int) -> tuple[Tokenizer, trainers.Trainer, dict[str, str]]:
    special = {
        "unk_token": "[UNK]",
        "pad_token": "[PAD]",
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "mask_token": "[MASK]",
    }
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, handle_chinese_chars=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=list(special.values()))
    return tokenizer, trainer, special


def _bpe(vocab_size: int) -> tuple[Tokenizer, trainers.Trainer, dict[str, str]]:
    special = {
        "bos_token": "<s>",
        "pad_token": "<pad>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "mask_token": "<mask>",
    }
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special.values()),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    return tokenizer, trainer, special


def train_tokenizer(
    texts: Iterable[str], kind: Literal["wordpiece", "bpe"], vocab_size: int, output_dir: Path
) -> int:
    """Train a `kind` tokenizer of at most `vocab_size` entries on `texts`, save it; returns its size."""
    from transformers import PreTrainedTokenizerFast

    tokenizer, trainer, special = (_wordpiece if kind == "wordpiece" else _bpe)(vocab_size)
    tokenizer.train_from_iterator(_batches(texts), trainer=trainer)
    first, last = (special["cls_token"], special["sep_token"]) if kind == "wordpiece" else ("<s>", "</s>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{first} $A {last}",
        pair=f"{first} $A {last} $B:1 {last}:1",
        special_tokens=[(first, tokenizer.token_to_id(first)), (last, tokenizer.token_to_id(last))],
    )
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tokenizer, **special)
    wrapped.save_pretrained(output_dir)
    return tokenizer.get_vocab_size()


def _batches(texts: Iterable[str], size: int = 1000) -> Iterator[list[str]]:
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

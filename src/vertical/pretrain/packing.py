"""Sequence packing for causal-LM training: documents joined end to end and cut into equal blocks.

Each document is tokenized without special tokens and closed with the end-of-text token; the
token stream of a batch of documents is cut into blocks of `block_size` tokens, so no step pays
for padding (the "group texts" recipe of GPT-2 style pretraining). The last, shorter block of
each batch of documents is kept (the collator pads it), so no text is lost on a small corpus.
A block may start in the middle of a document; attention crosses the end-of-text token, as in
GPT-2's own training.
"""

from __future__ import annotations

from datasets import Dataset


def pack_texts(
    raw: Dataset, tokenizer, block_size: int, eos_token_id: int, batch_size: int = 1000
) -> Dataset:
    """Tokenize the ``text`` column of `raw` and pack it into blocks.

    Args:
        raw: a dataset with a ``text`` column.
        tokenizer: a Hugging Face tokenizer.
        block_size: tokens per block (the training context).
        eos_token_id: the token closing each document.
        batch_size: documents packed together; blocks do not cross the batches.

    Returns:
        A dataset with ``input_ids`` (each at most `block_size` tokens, all but the last of a batch
        exactly that) and ``length``.
    """

    def pack(batch: dict[str, list]) -> dict[str, list]:
        encoded = tokenizer(batch["text"], add_special_tokens=False)["input_ids"]
        stream = [token for ids in encoded for token in (*ids, eos_token_id)]  # (total,)
        blocks = [stream[start : start + block_size] for start in range(0, len(stream), block_size)]
        return {"input_ids": blocks, "length": [len(block) for block in blocks]}

    return raw.map(
        pack, batched=True, batch_size=batch_size, remove_columns=raw.column_names, desc="pack corpus"
    )

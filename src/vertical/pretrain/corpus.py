"""The curated corpus as a tokenized `datasets.Dataset` for masked-LM training.

Each document becomes ``input_ids`` (truncated to `max_length`), ``word_ids`` (the word each token
belongs to, -1 for special tokens) for whole-word masking, ``length`` for length-grouped
batches, and, given a `MentionFinder`, ``entity_ids`` (the entity mention of each token, -1 outside
mentions) for entity masking. Tokenized data is cached by `datasets` under the stage's work folder.
"""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset, load_dataset
from datasets.utils import logging as datasets_logging

from vertical.pretrain.entities import LinkedMentions, MentionFinder, token_entity_ids


def tokenized_corpus(
    shards: list[Path],
    tokenizer,
    max_length: int,
    cache_dir: Path,
    mentions: MentionFinder | LinkedMentions | None = None,
) -> Dataset:
    """Load parquet shards and tokenize their ``text`` column (see the module docstring)."""
    datasets_logging.disable_progress_bar()  # "Generating train split" says nothing a user needs
    try:
        raw = load_dataset(
            "parquet", data_files=[str(p) for p in shards], split="train", cache_dir=str(cache_dir)
        )
    finally:
        datasets_logging.enable_progress_bar()

    def tokenize(batch: dict[str, list]) -> dict[str, list]:
        texts = batch["text"]
        encoded = tokenizer(
            texts, truncation=True, max_length=max_length, return_offsets_mapping=mentions is not None
        )
        word_ids = [[-1 if w is None else w for w in encoded.word_ids(i)] for i in range(len(texts))]
        columns = {
            "input_ids": encoded["input_ids"],
            "word_ids": word_ids,
            "length": [len(ids) for ids in encoded["input_ids"]],
        }
        if mentions is not None:
            ids = batch["id"] if "id" in batch else [None] * len(texts)
            columns["entity_ids"] = [
                token_entity_ids(offsets, mentions.spans(text, document_id))
                for offsets, text, document_id in zip(encoded["offset_mapping"], texts, ids, strict=True)
            ]
        return columns

    return raw.map(tokenize, batched=True, remove_columns=raw.column_names, desc="tokenize corpus")

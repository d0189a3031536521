"""The curated corpus as a tokenized `datasets.Dataset` for masked-LM training.

Each document becomes ``input_ids`` (truncated to `max_length`), ``word_ids`` (the word each token
belongs to, -1 for special tokens) for whole-word masking, ``length`` for length-grouped
batches, and, given mentions, ``entity_ids`` (the entity mention of each token, -1 outside
mentions) for entity masking. Tokenized data is cached by `datasets` under the stage's work folder.

General (non-domain) text, for replay against forgetting and for the forgetting check, is read by
`general_texts` and tokenized the same way.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from datasets import Dataset, load_dataset
from datasets.utils import logging as datasets_logging

from vertical.errors import DataError
from vertical.pretrain.chinese_words import chinese_word_ids
from vertical.pretrain.entities import LinkedMentions, NameMentions, token_entity_ids


def tokenized_corpus(
    shards: list[Path],
    tokenizer,
    max_length: int,
    cache_dir: Path,
    mentions: NameMentions | LinkedMentions | None = None,
) -> Dataset:
    """Load parquet shards and tokenize their ``text`` column (see the module docstring)."""
    raw = quietly(
        lambda: load_dataset(
            "parquet", data_files=[str(p) for p in shards], split="train", cache_dir=str(cache_dir)
        )
    )
    return tokenize_texts(raw, tokenizer, max_length, mentions)


_GENERAL_FORMATS = {
    ".txt": "text",
    ".jsonl": "json",
    ".json": "json",
    ".gz": "json",
    ".csv": "csv",
    ".parquet": "parquet",
}


def general_texts(path: Path, cache_dir: Path) -> Dataset:
    """General (non-domain) text for replay and the forgetting check: a ``text`` column.

    `path` is a .txt file (a document per line), or .jsonl(.gz) / .csv / .parquet with a ``text``
    field. Empty documents are dropped.
    """
    path = Path(path)
    builder = _GENERAL_FORMATS.get(path.suffix.lower())
    if builder is None:
        raise DataError(f"{path}: general text must be .txt, .jsonl(.gz), .csv or .parquet")
    try:
        raw = quietly(
            lambda: load_dataset(builder, data_files=[str(path)], split="train", cache_dir=str(cache_dir))
        )
    except Exception as error:  # datasets raises many kinds for a malformed file
        raise DataError(f"{path}: cannot read general text: {str(error).splitlines()[0]}") from None
    if "text" not in raw.column_names:
        raise DataError(
            f"{path}: general text needs a 'text' field; fields found: {', '.join(raw.column_names)}"
        )
    raw = raw.select_columns(["text"]).filter(lambda row: bool(row["text"] and row["text"].strip()))
    if len(raw) == 0:
        raise DataError(f"{path}: no general text in the file")
    return raw


def tokenize_texts(
    raw: Dataset,
    tokenizer,
    max_length: int,
    mentions: NameMentions | LinkedMentions | None = None,
    entity_column: bool = False,
) -> Dataset:
    """Tokenize a dataset's ``text`` column (see the module docstring); `entity_column` adds
    ``entity_ids`` of -1 when there are no `mentions` (to match a domain corpus that has them)."""

    def tokenize(batch: dict[str, list]) -> dict[str, list]:
        texts = batch["text"]
        encoded = tokenizer(texts, truncation=True, max_length=max_length, return_offsets_mapping=True)
        word_ids = [
            chinese_word_ids(text, offsets, [-1 if w is None else w for w in encoded.word_ids(i)])
            for i, (text, offsets) in enumerate(zip(texts, encoded["offset_mapping"], strict=True))
        ]
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
        elif entity_column:
            columns["entity_ids"] = [[-1] * len(ids) for ids in encoded["input_ids"]]
        return columns

    # The linker inside `tokenize` cannot be pickled, so datasets cannot hash it for its cache: name the
    # result ourselves (a fresh fingerprint, as datasets would fall back to) instead of its warning.
    return raw.map(
        tokenize,
        batched=True,
        remove_columns=raw.column_names,
        desc="tokenize corpus",
        new_fingerprint=uuid.uuid4().hex,
    )


def split_general_texts(
    path: Path, holdout: int, replay: bool, cache_dir: Path
) -> tuple[Dataset, Dataset | None]:
    """General text at `path` as (the first `holdout` documents, held out for the forgetting check; the
    rest, to replay, or None when `replay` is off).

    Raises:
        DataError: replay is asked for but every document is held out.
    """
    general = general_texts(Path(path), cache_dir)
    held_out = min(holdout, len(general))
    check = general.select(range(held_out))
    if not replay:
        return check, None
    if held_out == len(general):
        raise DataError(
            f"{path}: all {len(general)} documents are held out for the forgetting check "
            f"(general_holdout: {holdout}); none is left to replay"
        )
    return check, general.select(range(held_out, len(general)))


def quietly(load):
    """Call `load` with the datasets progress bars off."""
    bars = datasets_logging.is_progress_bar_enabled()
    datasets_logging.disable_progress_bar()  # "Generating train split" says nothing a user needs
    try:
        return load()
    finally:
        if bars:  # a caller that turned them off (a build's live line) keeps them off
            datasets_logging.enable_progress_bar()

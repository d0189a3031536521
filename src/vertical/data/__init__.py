"""Data stage: read corpus files, clean, filter, deduplicate, redact personal data and split them
into parquet shards, as datatrove pipelines (docs/data.md)."""

from typing import Any

from vertical.data.shards import corpus_shards

__all__ = ["corpus_shards", "prepare_corpus"]


def __getattr__(name: str) -> Any:
    # prepare_corpus pulls in datatrove; `vertical data redact` and later stages do not need it
    if name == "prepare_corpus":
        from vertical.data.prepare import prepare_corpus

        return prepare_corpus
    raise AttributeError(name)

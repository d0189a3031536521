"""Data stage: read corpus files, clean, deduplicate and split them into parquet shards."""

from vertical.data.prepare import corpus_shards, prepare_corpus

__all__ = ["corpus_shards", "prepare_corpus"]

"""Deterministic train/validation split by document id, and the writer of the split corpus.

The side a document falls on depends on a hash of its id only, never on the order of reading
or the number of tasks, so re-runs and distributed runs agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.parquet import ParquetWriter

from vertical.data.batch_writer import BatchParquetWriter


def is_validation(document_id: str, validation_fraction: float) -> bool:
    """Deterministic split: the same id always falls on the same side, whatever the order of reading."""
    bucket = int.from_bytes(hashlib.sha1(document_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return bucket < validation_fraction


class AssignSplit(PipelineStep):
    """Sets ``metadata["split"]`` to "train" or "validation" by `is_validation`."""

    type = "🔀 - SPLIT"
    name = "train/validation split"

    def __init__(self, validation_fraction: float) -> None:
        super().__init__()
        self.validation_fraction = validation_fraction

    def run(self, data: Iterator[DatatroveDocument], rank: int = 0, world_size: int = 1):
        for document in data:
            held_out = is_validation(document.id, self.validation_fraction)
            document.metadata["split"] = "validation" if held_out else "train"
            yield document


def corpus_row(writer: ParquetWriter, document: DatatroveDocument) -> dict:
    """The columns of the corpus shards: id, text, source."""
    return {"id": document.id, "text": document.text, "source": document.metadata.get("source") or ""}


def corpus_writer(folder: Path) -> ParquetWriter:
    """Writes ``folder/train-<rank>.parquet`` and ``folder/validation-<rank>.parquet``."""
    return BatchParquetWriter(
        str(folder),
        output_filename="${split}-${rank}.parquet",
        adapter=corpus_row,
        max_file_size=-1,
        use_dictionary=["source"],  # texts and ids are unique: a dictionary of them is wasted work
    )

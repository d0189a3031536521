"""Parquet shard writer for the knowledge corpus, in the data stage's shard schema (id, text, source).

Documents are buffered in small batches and rolled into numbered shards,
``<folder>/<prefix>-00000.parquet``, so `vertical.data.corpus_shards` finds them like any corpus.

Memory holds one batch, never the corpus. Files are written under a temporary name and renamed
when closed, so a shard that exists is whole.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vertical.records import Document

SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string()), ("source", pa.string())])


class ShardWriter:
    """Writes documents to ``<folder>/<prefix>-00000.parquet``, ``-00001`` ..., `shard_size` rows at most."""

    def __init__(self, folder: Path, prefix: str, shard_size: int = 100_000, batch_size: int = 5_000) -> None:
        self.folder = Path(folder)
        self.prefix = prefix
        self.shard_size = shard_size
        self.batch_size = batch_size
        self.count = 0
        self.paths: list[Path] = []
        self._rows: list[Document] = []
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_shard = 0
        self._temporary: Path | None = None

    def write(self, document: Document) -> None:
        self._rows.append(document)
        self.count += 1
        if len(self._rows) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        while self._rows:
            if self._writer is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                path = self.folder / f"{self.prefix}-{len(self.paths):05d}.parquet"
                self._temporary = path.with_name(f".{path.name}.tmp")
                self._writer = pq.ParquetWriter(self._temporary, SCHEMA)
                self.paths.append(path)
                self._rows_in_shard = 0
            room = self.shard_size - self._rows_in_shard
            batch, self._rows = self._rows[:room], self._rows[room:]
            self._writer.write_table(
                pa.table(
                    {
                        "id": [d.id for d in batch],
                        "text": [d.text for d in batch],
                        "source": [d.source for d in batch],
                    },
                    schema=SCHEMA,
                )
            )
            self._rows_in_shard += len(batch)
            if self._rows_in_shard >= self.shard_size:
                self._close_shard()

    def _close_shard(self) -> None:
        if self._writer is not None and self._temporary is not None:
            self._writer.close()
            os.replace(self._temporary, self.paths[-1])
            self._writer = None

    def close(self) -> list[Path]:
        """Write what is buffered and close the last shard; returns the shard paths."""
        self._flush()
        self._close_shard()
        return self.paths

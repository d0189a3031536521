"""The finish pipeline without the leakage check, as one step over Arrow record batches.

Without evaluation examples to look for, the finish pipeline reads each curated document, drops
the near duplicates listed for its task, gives it a split by its id, counts it and writes its
id, text and source into a shard: nothing there reads the text, yet the document steps made a
Python string of every text and encoded it back (the curated reader, the shard writer's record
batch: ~13% of the stage on the benchmark corpus). `CuratedToShards` does the same on the
curated file's record batches: the near duplicates are a mask (their drop log records are made
from their rows), the split a Python test per id (`vertical.data.split.is_validation`), the
counts Arrow sums (characters are code points, as ``len``; words the curated count) and the
shards the same files, rows, columns and row groups of 1000 as `corpus_writer`'s
(``<split>-<rank>.parquet``, snappy with datatrove's content-defined chunking and page index).
`vertical.data.prepare` uses it whenever there is no leakage check; a test compares the two.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.pipeline.writers.parquet import DEFAULT_CDC_OPTIONS

from vertical.data.minhash_filter import removed_positions
from vertical.data.split import is_validation
from vertical.io import atomic_write_json

_SPLITS = ("train", "validation")
_ROW_GROUP = 1000  # rows per record batch written, as datatrove's ParquetWriter (batch_size)


class CuratedToShards(PipelineStep):
    """Reads ``curated/<rank>.parquet``, drops the listed near duplicates, splits, counts and
    writes ``corpus/<split>-<rank>.parquet``; see the module docstring.

    Args:
        curated: the folder of the curated files.
        corpus: the folder of the shards.
        counts: where ``out-<rank>.json`` goes (as `CountDocuments(counts, "out", by="split")`).
        validation_fraction: as `AssignSplit`.
        removals: the folder of the MinHash ``.remove`` files, None without near dedup.
        exclusion_writer: the drop log of the near duplicates.
    """

    type = "💽 - WRITER"
    name = "curated to shards"

    def __init__(
        self,
        curated: Path,
        corpus: Path,
        counts: Path,
        validation_fraction: float,
        removals: Path | None = None,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 4096,
    ) -> None:
        super().__init__()
        self.curated, self.corpus, self.counts = Path(curated), Path(corpus), Path(counts)
        self.validation_fraction = validation_fraction
        self.removals = None if removals is None else Path(removals)
        self.exclusion_writer = exclusion_writer
        self.batch_size = batch_size

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        path = self.curated / f"{rank:05d}.parquet"
        counts: Counter[str] = Counter()
        if path.is_file():
            removed = np.array(removed_positions(self.removals, rank) if self.removals else [], np.int64)
            with _Shards(self.corpus, rank) as shards:
                position = 0
                curated = pq.ParquetFile(path, pre_buffer=False)  # not the whole file in memory at once
                for batch in curated.iter_batches(batch_size=self.batch_size):
                    positions = np.arange(position, position + batch.num_rows)
                    position += batch.num_rows
                    dropped = np.isin(positions, removed)
                    if dropped.any():
                        self._log_drops(batch.filter(pa.array(dropped)), rank)
                    ids = batch.column("id").to_pylist()
                    held_out = np.fromiter(
                        (is_validation(id_, self.validation_fraction) for id_ in ids), bool, len(ids)
                    )
                    characters = pc.utf8_length(batch.column("text")).to_numpy()
                    words = batch.column("words").to_numpy()
                    kept = batch.select(["id", "text", "source"])
                    for split, rows in zip(_SPLITS, (~held_out & ~dropped, held_out & ~dropped), strict=True):
                        if not rows.any():
                            continue
                        counts[f"{split}_documents"] += int(rows.sum())
                        counts[f"{split}_characters"] += int(characters[rows].sum())
                        counts[f"{split}_tokens"] += int(words[rows].sum())
                        shards.write(split, kept if rows.all() else kept.filter(pa.array(rows)))
                    self.stat_update("documents", value=int((~dropped).sum()), unit="batch")
        if self.exclusion_writer is not None:
            self.exclusion_writer.close()
        atomic_write_json(self.counts / f"out-{rank:05d}.json", dict(counts))
        return None

    def _log_drops(self, rows: pa.RecordBatch, rank: int) -> None:
        self.stat_update("dropped", value=rows.num_rows)
        if self.exclusion_writer is None:
            return
        columns = ("text", "id", "source", "line")
        for text, id_, source, line in zip(*(rows.column(c).to_pylist() for c in columns), strict=True):
            document = DatatroveDocument(text=text, id=id_, metadata={"source": source, "line": line or None})
            self.exclusion_writer.write(document, rank)


class _Shards:
    """The shard files of one task, opened at their first row, written 1000 rows a record batch."""

    def __init__(self, folder: Path, rank: int) -> None:
        self.folder, self.rank = folder, rank
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.pending: dict[str, list[pa.RecordBatch]] = {split: [] for split in _SPLITS}
        self.pending_rows: Counter[str] = Counter()

    def write(self, split: str, rows: pa.RecordBatch) -> None:
        if split not in self.writers:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.writers[split] = pq.ParquetWriter(
                self.folder / f"{split}-{self.rank:05d}.parquet",
                rows.schema,
                compression="snappy",
                use_content_defined_chunking=DEFAULT_CDC_OPTIONS,
                write_page_index=True,
                use_dictionary=["source"],
            )
        self.pending[split].append(rows)
        self.pending_rows[split] += rows.num_rows
        if self.pending_rows[split] >= _ROW_GROUP:
            self._flush(split, final=False)

    def _flush(self, split: str, final: bool) -> None:
        table = pa.Table.from_batches(self.pending[split]).combine_chunks()
        whole = table.num_rows if final else table.num_rows - table.num_rows % _ROW_GROUP
        for start in range(0, whole, _ROW_GROUP):
            self.writers[split].write_batch(table.slice(start, _ROW_GROUP).to_batches()[0])
        rest = table.slice(whole)
        self.pending[split] = rest.to_batches() if rest.num_rows else []
        self.pending_rows[split] = rest.num_rows

    def __enter__(self) -> _Shards:
        return self

    def __exit__(self, *exc) -> None:
        for split, writer in self.writers.items():
            if self.pending_rows[split]:
                self._flush(split, final=True)
            writer.close()

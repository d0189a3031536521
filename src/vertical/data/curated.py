"""The curated corpus between the two halves of the pipeline: one parquet file per task.

MinHash signatures number documents by their position in their task, so the second half must
read task r's documents in the same order as the first half wrote them; datatrove's readers
share files out by listing, which shifts when a task wrote nothing. These two steps name the
file by rank instead.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.batching import batched

from vertical.data.shared_words import remember_word_count, word_counts_of


class CuratedWriter(PipelineStep):
    """Writes this task's curated documents to ``folder/<rank>.parquet`` and passes them on.

    The file is scratch, read once by the next pipeline: uncompressed, without datatrove's
    content-defined chunking (for deduplicated uploads to the Hub) or page index, it costs a third
    of the CPU time to write and half to read (snappy with both: 7.7 ms a MB to write, 6 to read).
    The columns of a batch are made at once (no row dict per document, the word counts in one
    call), a record batch of `batch_size` rows at a time, as datatrove's parquet writer does.
    """

    type = "💽 - WRITER"
    name = "curated writer"

    def __init__(self, folder: Path, batch_size: int = 1000) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.batch_size = batch_size

    def run(self, data, rank: int = 0, world_size: int = 1):
        writer: pq.ParquetWriter | None = None
        try:
            for batch in batched(data, self.batch_size):
                with self.track_time("batch"):
                    columns = {
                        "id": [document.id for document in batch],
                        "text": [document.text for document in batch],
                        "source": [document.metadata.get("source") or "" for document in batch],
                        "line": [document.metadata.get("line") or 0 for document in batch],
                        # so that the count out need not split the text again
                        "words": word_counts_of(batch),
                    }
                    rows = pa.RecordBatch.from_pydict(columns)
                    if writer is None:
                        self.folder.mkdir(parents=True, exist_ok=True)
                        writer = pq.ParquetWriter(
                            self.folder / f"{rank:05d}.parquet",
                            rows.schema,
                            compression=None,
                            use_dictionary=["source"],  # texts and ids are unique: a dictionary is wasted
                            write_page_index=False,
                        )
                    writer.write_batch(rows)
                self.stat_update("documents", value=len(batch), unit="batch")
                yield from batch
        finally:
            if writer is not None:
                writer.close()


def curated_writer(folder: Path) -> CuratedWriter:
    """The curate pipeline's last step (`CuratedWriter`)."""
    return CuratedWriter(folder)


class CuratedReader(PipelineStep):
    """Reads ``folder/<rank>.parquet`` back, in order, a record batch at a time."""

    type = "📖 - READER"
    name = "curated reader"

    def __init__(self, folder: Path, batch_size: int = 2048) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.batch_size = batch_size

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        path = self.folder / f"{rank:05d}.parquet"
        if not path.is_file():
            return
        columns = ("text", "id", "source", "line", "words")
        # pre_buffer=False: pyarrow's default reads the whole file into memory before the first batch
        # (a task's curated file is ~half its share of the corpus: the 1 GB run peaked at 1 GB)
        curated = pq.ParquetFile(path, pre_buffer=False)
        for batch in curated.iter_batches(batch_size=self.batch_size, columns=list(columns)):
            # column by column: a dict per row (`to_pylist`) made the step a third slower (22 vs 17 µs a row)
            for text, id_, source, line, words in zip(
                *(batch.column(c).to_pylist() for c in columns), strict=True
            ):
                document = DatatroveDocument(
                    text=text, id=id_, metadata={"source": source, "line": line or None}
                )
                remember_word_count(document, words)
                yield document

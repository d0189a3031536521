"""datatrove reader step over the corpus files of the recipe, in every supported format.

datatrove's own readers take one folder and one format; a recipe lists several sources, each
with its format and text field, and bad records must reach the drop log with file and line, so
this step wraps `vertical.data.readers`. Files are shared out across tasks (file i goes to task
i mod tasks), so a task streams its files one document at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.base import PipelineStep

from vertical.data.config import DataSource
from vertical.data.droplog import REASON_KEY, drop_log_writer
from vertical.data.readers import BadRecord, corpus_files, read_file


@dataclass(frozen=True)
class CorpusFile:
    """One file to read and how: its format, text field and, for .txt, the unit of a document."""

    path: str
    format: str = "auto"
    text_field: str = "text"
    txt_unit: str = "line"


def list_corpus_files(sources: Sequence[DataSource]) -> list[CorpusFile]:
    """Every file of the recipe's sources (`DataSource` items), folders expanded, in order."""
    return [
        CorpusFile(str(file), source.format, source.text_field, source.txt_unit)
        for source in sources
        for file in corpus_files(Path(source.path))
    ]


class CorpusReader(PipelineStep):
    """Yields a datatrove `Document` per record of this task's files; bad records go to the drop log."""

    type = "📖 - READER"
    name = "corpus reader"

    def __init__(self, files: list[CorpusFile], drop_folder: Path) -> None:
        super().__init__()
        self.files = files
        self.drop_folder = Path(drop_folder)

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        with drop_log_writer(self.drop_folder, "read") as drops:

            def on_bad(record: BadRecord) -> None:
                self.stat_update("bad_records")
                metadata = {"source": record.path, "line": record.line, REASON_KEY: "bad_record"}
                metadata["drop_detail"] = record.problem
                drops.write(DatatroveDocument(text="", id="", metadata=metadata), rank)

            for file in self.files[rank::world_size]:
                for document in read_file(
                    Path(file.path), file.format, file.text_field, file.txt_unit, on_bad
                ):
                    self.stat_update("documents")
                    metadata = {"source": document.source, "line": document.metadata.get("line")}
                    yield DatatroveDocument(text=document.text, id=document.id, metadata=metadata)

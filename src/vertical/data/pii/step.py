"""datatrove step for personal data: redact it, drop documents that hold it, or only report it.

Modes: ``redact`` replaces each span by its placeholder; ``drop`` removes the document (reason
``personal_data`` in the drop log); ``report`` leaves the text as it is. In every mode the count
of each type found is saved per task in ``<folder>/pii-<rank>.json`` (never the values).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.writers.disk_base import DiskWriter

from vertical.data.batch_filter import BatchFilter
from vertical.data.pii.detect import PiiLanguage, find_personal_data, redact
from vertical.io import atomic_write_json

PiiMode = Literal["redact", "drop", "report"]


class PersonalDataStep(BatchFilter):
    """Finds personal data in each document and acts on it by `mode`; see the module docstring."""

    name = "personal data"

    def __init__(
        self,
        mode: PiiMode,
        counts_folder: Path,
        language: PiiLanguage = "auto",
        exclusion_writer: DiskWriter | None = None,
    ) -> None:
        super().__init__(exclusion_writer)
        self.mode = mode
        self.language = language
        self.counts_folder = Path(counts_folder)
        self.found: Counter[str] = Counter()

    def filter(self, document: DatatroveDocument) -> bool | tuple[bool, str]:
        found = find_personal_data(document.text, self.language)
        if not found:
            return True
        kinds = Counter(item.kind for item in found)
        self.found.update(kinds)
        self.found["documents_with_personal_data"] += 1
        if self.mode == "drop":
            document.metadata["drop_detail"] = ", ".join(f"{k}={v}" for k, v in sorted(kinds.items()))
            return False, "personal_data"
        if self.mode == "redact":
            document.text = redact(document.text, found)
        return True

    def run(self, data: Iterator[DatatroveDocument], rank: int = 0, world_size: int = 1):
        yield from super().run(data, rank, world_size)
        atomic_write_json(self.counts_folder / f"pii-{rank:05d}.json", dict(self.found))

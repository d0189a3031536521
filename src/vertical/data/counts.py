"""A pass-through step that counts documents, characters and words, saved per task as JSON.

Placed after the reader it measures what came in, before the writer what goes out (words are the
document's shared ones, `vertical.data.shared_words`: counting them in is the one tokenisation
the later steps reuse while the text is unchanged); `sum_counts`
adds up the files of all tasks. A task that datatrove skips as completed keeps its file, so the
totals of a resumed run are whole.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.base import PipelineStep

from vertical.data.shared_words import word_count_of
from vertical.io import atomic_write_json


class CountDocuments(PipelineStep):
    """Counts what flows through into ``folder/<label>-<rank>.json``; `by`: a metadata key to split on."""

    type = "📊 - STATS"
    name = "count documents"

    def __init__(self, folder: Path, label: str, by: str | None = None) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.label = label
        self.by = by

    def run(self, data: Iterator[DatatroveDocument], rank: int = 0, world_size: int = 1):
        counts: Counter[str] = Counter()
        for document in data:
            prefix = f"{document.metadata.get(self.by)}_" if self.by else ""
            counts[f"{prefix}documents"] += 1
            counts[f"{prefix}characters"] += len(document.text)
            counts[f"{prefix}tokens"] += word_count_of(document)
            yield document
        atomic_write_json(self.folder / f"{self.label}-{rank:05d}.json", dict(counts))


def sum_counts(folder: Path, label: str) -> Counter[str]:
    """The counts of every task of `label`, added up."""
    total: Counter[str] = Counter()
    for part in sorted(Path(folder).glob(f"{label}-*.json")):
        total.update(json.loads(part.read_text(encoding="utf-8")))
    return total

"""Precision and recall of the personal-data detectors on a labelled set, per type.

A labelled line is ``{"lang": "en"|"zh", "text": ..., "pii": [[TYPE, value], ...]}``. A detection
counts as a true positive when a labelled item has the same type and the same text; anything
else found is a false positive, anything labelled and not found a false negative.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from vertical.data.pii.detect import PiiLanguage, find_personal_data


@dataclass(frozen=True)
class TypeScore:
    """Counts and rates of one type."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0


def read_labelled(path: Path) -> list[dict]:
    """The lines of a labelled JSON Lines file."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def score_detections(rows: list[dict], language: PiiLanguage | None = None) -> dict[str, TypeScore]:
    """Per-type scores of `find_personal_data` on `rows`; `language` None uses each row's own "lang"."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for row in rows:
        gold = Counter((kind, value) for kind, value in row["pii"])
        found = Counter(
            (item.kind, item.value) for item in find_personal_data(row["text"], language or row["lang"])
        )
        for (kind, _), count in (gold & found).items():
            tp[kind] += count
        for (kind, _), count in (found - gold).items():
            fp[kind] += count
        for (kind, _), count in (gold - found).items():
            fn[kind] += count
    kinds = sorted(set(tp) | set(fp) | set(fn))
    return {kind: TypeScore(tp[kind], fp[kind], fn[kind]) for kind in kinds}

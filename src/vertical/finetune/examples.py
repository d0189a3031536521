"""Reading labelled examples of a task from .csv or .jsonl, and the train/test split.

A missing column, an empty text or label, or a test label never seen in training is a
`DataError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from vertical.data.readers import jsonl_records
from vertical.errors import DataError, located
from vertical.records import Example


def _rows(path: Path):
    """(line number, record) pairs of a .csv (with header) or .jsonl file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            yield 1, {"__columns__": fields}
            for row in reader:
                yield reader.line_num, row
    elif suffix in (".jsonl", ".json"):
        yield from jsonl_records(path)
    else:
        raise DataError(f"{path}: task data must be .csv or .jsonl")


def read_examples(path: Path, text_column: str, label_column: str) -> list[Example]:
    """All examples of a task file, in file order."""
    path = Path(path)
    examples: list[Example] = []
    try:
        for number, record in _rows(path):
            if "__columns__" in record:
                missing = [c for c in (text_column, label_column) if c not in record["__columns__"]]
                if missing:
                    found = ", ".join(record["__columns__"]) or "none"
                    raise DataError(
                        located(path, number, f"no column '{missing[0]}'; columns found: {found}")
                    )
                continue
            for column in (text_column, label_column):
                value = record.get(column)
                if value is None or (isinstance(value, str) and not value.strip()):
                    raise DataError(located(path, number, f"field '{column}' is missing or empty"))
            examples.append(Example(text=str(record[text_column]), label=str(record[label_column]).strip()))
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start}); convert it to UTF-8") from None
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples


def split_examples(examples: list[Example], test_fraction: float) -> tuple[list[Example], list[Example]]:
    """Deterministic split by a hash of the text: the same example always lands on the same side."""
    train, test = [], []
    for example in examples:
        bucket = int.from_bytes(hashlib.sha1(example.text.encode("utf-8")).digest()[:8], "big") / 2**64
        (test if bucket < test_fraction else train).append(example)
    return train, test


def check_labels(train: list[Example], test: list[Example], test_path: Path | str) -> list[str]:
    """The sorted label set of `train`; a test label never seen in training is an error."""
    labels = sorted({example.label for example in train})
    if len(labels) < 2:
        raise DataError(
            f"{test_path}: a classification task needs at least two labels in training; found {labels}"
        )
    unseen = sorted({example.label for example in test} - set(labels))
    if unseen:
        raise DataError(
            f"{test_path}: label(s) {', '.join(map(repr, unseen))} in the test set never appear "
            "in the training data"
        )
    return labels

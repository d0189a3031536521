"""Reading labelled examples of a task from .csv, .jsonl or .parquet, and the train/test split.

A missing column, an empty text or label, or a test label never seen in training is a
`DataError` naming the file, the line and the field.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from vertical.data.readers import jsonl_records
from vertical.decoding import iter_utf8_lines
from vertical.errors import DataError, located
from vertical.records import Example


@dataclass(frozen=True)
class MultiLabelExample:
    """A text with any number of labels (sorted, without repeats)."""

    text: str
    labels: tuple[str, ...]


def _rows(path: Path):
    """(line number, record) pairs of a .csv (with header) or .jsonl file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with contextlib.closing(iter_utf8_lines(path, DataError)) as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            yield 1, {"__columns__": fields}
            for row in reader:
                yield reader.line_num, row
    elif suffix in (".jsonl", ".json"):
        yield from jsonl_records(path)
    elif suffix == ".parquet":
        yield from _parquet_rows(path)
    else:
        raise DataError(f"{path}: task data must be .csv, .jsonl or .parquet")


def _parquet_rows(path: Path):
    """(row number, record) pairs of a parquet file; the first pair lists its columns."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as error:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise DataError(f"{path}: not a readable parquet file: {error}") from None
    yield 1, {"__columns__": table.column_names}
    yield from enumerate(table.to_pylist(), start=1)


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


def read_multilabel_examples(
    path: Path, text_column: str, label_column: str, separator: str
) -> list[MultiLabelExample]:
    """Examples with any number of labels: a JSON list, or one string split at `separator`.

    An empty label list is allowed (a text with none of the labels).
    """
    path = Path(path)
    examples: list[MultiLabelExample] = []
    for number, record in _rows(path):
        if "__columns__" in record:
            missing = [c for c in (text_column, label_column) if c not in record["__columns__"]]
            if missing:
                found = ", ".join(record["__columns__"]) or "none"
                raise DataError(located(path, number, f"no column '{missing[0]}'; columns found: {found}"))
            continue
        text, value = record.get(text_column), record.get(label_column)
        if not isinstance(text, str) or not text.strip():
            raise DataError(located(path, number, f"field '{text_column}' is missing or empty"))
        if value is None:
            raise DataError(located(path, number, f"field '{label_column}' is missing"))
        parts = value if isinstance(value, list) else str(value).split(separator)
        labels = tuple(sorted({str(part).strip() for part in parts if str(part).strip()}))
        examples.append(MultiLabelExample(text=text, labels=labels))
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples


def split_examples(examples: list, test_fraction: float, salt: str = "") -> tuple[list, list]:
    """Deterministic split by a hash of the text: the same example always lands on the same side.

    A different `salt` gives an independent split (the validation split is carved out of the
    training side of the test split with ``salt="validation"``).
    """
    train, test = [], []
    for example in examples:
        digest = hashlib.sha1((salt + example.text).encode("utf-8")).digest()
        bucket = int.from_bytes(digest[:8], "big") / 2**64
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


def check_multilabels(train: list[MultiLabelExample], test: list[MultiLabelExample], test_path) -> list[str]:
    """The sorted label set of `train`; a test label never seen in training is an error."""
    labels = sorted({label for example in train for label in example.labels})
    if not labels:
        raise DataError(f"{test_path}: no labels in the training data")
    unseen = sorted({label for example in test for label in example.labels} - set(labels))
    if unseen:
        raise DataError(
            f"{test_path}: label(s) {', '.join(map(repr, unseen))} in the test set never appear "
            "in the training data"
        )
    return labels

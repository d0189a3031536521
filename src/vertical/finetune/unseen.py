"""A label of the test or validation data that training never shows is an error naming the file,
the line of its first occurrence and the field, e.g.
``tasks/intent-test.csv:14: field 'label': 'refund' in the test data never appears in the training
data``.

The readers keep no line numbers on the examples, so the line is found by reading the file again,
which costs one pass and only when there is an error to report.
"""

from __future__ import annotations

from pathlib import Path

from vertical.data.readers import jsonl_records
from vertical.errors import DataError, located
from vertical.finetune.config import TaskConfig
from vertical.finetune.tagged import CONLL_SUFFIXES


def labels_of(task: TaskConfig, example) -> set[str]:
    """The labels of one example: its class, its labels (multilabel), its entity types (ner)."""
    if task.type == "ner":
        return {tag[2:] for tag in example.tags if tag != "O"}
    if task.type == "multilabel":
        return set(example.labels)
    return {example.label}


def _first_line(task: TaskConfig, path: Path, label: str) -> tuple[int | None, str]:
    """(line, field) of the first occurrence of `label` in `path`; line None when not found."""
    from vertical.finetune.examples import _rows  # the readers' own row iterator

    if task.type == "ner" and path.suffix.lower() in CONLL_SUFFIXES:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                columns = line.split()
                if columns and columns[-1] in (f"B-{label}", f"I-{label}"):
                    return number, "tag"
        return None, "tag"
    if task.type == "ner":
        field = f"{task.entities_column}[].label"
        for number, record in jsonl_records(path):
            entities = record.get(task.entities_column) or []
            if any(isinstance(e, dict) and e.get("label") == label for e in entities):
                return number, field
        return None, field
    records = jsonl_records(path) if task.type == "relation" else _rows(path)
    for number, record in records:
        value = record.get(task.label_column)
        if value is None:
            continue
        if task.type == "multilabel":
            parts = value if isinstance(value, list) else str(value).split(task.label_separator)
            found = label in {str(part).strip() for part in parts}
        else:
            found = str(value).strip() == label
        if found:
            return number, task.label_column
    return None, task.label_column


def check_seen(task: TaskConfig, train: list, other: list, other_path: str | Path, role: str) -> None:
    """Raise a `DataError` when an example of `other` (the `role` data) has a label `train` lacks."""
    seen = set().union(*(labels_of(task, example) for example in train))
    unseen = sorted(set().union(*(labels_of(task, example) for example in other)) - seen)
    if not unseen:
        return
    line, field = _first_line(task, Path(other_path), unseen[0])
    kind = "entity type " if task.type == "ner" else ""
    more = f" (and {len(unseen) - 1} more: {', '.join(map(repr, unseen[1:4]))})" if len(unseen) > 1 else ""
    raise DataError(
        located(
            other_path,
            line,
            f"field '{field}': {kind}{unseen[0]!r} in the {role} data never appears in the training "
            f"data{more}",
        )
    )

"""Relation extraction as classification of a text whose head and tail entities are marked.

Each example is a text, a head span, a tail span and the relation between them. The spans are
marked in the text with punctuation the tokenizer already knows, ``@ head @`` and ``# tail #``
("entity marker (punct)" of Zhou & Chen 2022, "An Improved Baseline for Sentence-level Relation
Extraction"), so no new tokens are needed and LoRA works unchanged; the marked text is then
classified like any other (see classification.py). Relation F1 leaves out the recipe's
``negative_label`` (e.g. ``no_relation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vertical.data.readers import jsonl_records
from vertical.errors import DataError, located
from vertical.records import Example

HEAD_MARK, TAIL_MARK = "@", "#"


@dataclass(frozen=True)
class RelationExample:
    """A text, its head and tail entities as character spans (end exclusive), and their relation."""

    text: str
    head: tuple[int, int]
    tail: tuple[int, int]
    label: str


def mark_entities(example: RelationExample) -> str:
    """The text with `` @ `` around the head and `` # `` around the tail."""
    marks = sorted(
        [(example.head, HEAD_MARK), (example.tail, TAIL_MARK)], key=lambda item: item[0][0], reverse=True
    )
    text = example.text
    for (start, end), mark in marks:  # right to left, so earlier offsets stay valid
        text = f"{text[:start]}{mark} {text[start:end]} {mark}{text[end:]}"
    return text


def as_example(example: RelationExample) -> Example:
    """The marked text with its relation label, for the sequence classifier."""
    return Example(text=mark_entities(example), label=example.label)


def _span(path: Path, number: int, field: str, value, text: str) -> tuple[int, int]:
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("start"), int)
        or not isinstance(value.get("end"), int)
    ):
        raise DataError(
            located(path, number, f"field '{field}' must be an object with integer start and end")
        )
    start, end = value["start"], value["end"]
    if not 0 <= start < end <= len(text):
        raise DataError(
            located(path, number, f"{field}: span [{start}, {end}) is outside the text (length {len(text)})")
        )
    return start, end


def read_relations(
    path: Path, text_field: str, head_field: str, tail_field: str, label_field: str
) -> list[RelationExample]:
    """Relation examples of a JSON Lines file:
    ``{"text": ..., "head": {"start": 0, "end": 4}, "tail": {...}, "label": "treats"}``."""
    path = Path(path)
    if path.suffix.lower() not in (".jsonl", ".json"):
        raise DataError(f"{path}: relation data must be JSON Lines (.jsonl) with head and tail spans")
    examples = []
    for number, record in jsonl_records(path):
        text, label = record.get(text_field), record.get(label_field)
        if not isinstance(text, str) or not text.strip():
            raise DataError(located(path, number, f"field '{text_field}' is missing or empty"))
        if label is None or not str(label).strip():
            raise DataError(located(path, number, f"field '{label_field}' is missing or empty"))
        head = _span(path, number, head_field, record.get(head_field), text)
        tail = _span(path, number, tail_field, record.get(tail_field), text)
        if head[0] < tail[1] and tail[0] < head[1]:
            raise DataError(located(path, number, f"'{head_field}' and '{tail_field}' spans overlap"))
        examples.append(RelationExample(text, head, tail, str(label).strip()))
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples

"""Records shared by the stages: documents, triples and labelled examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """A unit of text of a corpus.

    Attributes:
        id: stable identifier, unique in its corpus ("<file>:<line>" for line-based sources).
        text: the text itself.
        source: the file it came from.
        metadata: anything else the reader kept (row fields, line number).
    """

    id: str
    text: str
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Triple:
    """A fact of a knowledge graph: subject, predicate, object, as plain names or IRIs."""

    subject: str
    predicate: str
    object: str


@dataclass(frozen=True)
class Example:
    """A labelled example of a text classification task."""

    text: str
    label: str

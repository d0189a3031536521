"""Records shared by the stages: documents, triples, entities, entity spans and labelled examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


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


@dataclass(frozen=True)
class Label:
    """A name of an entity, with its language tag ("" when the source gave none)."""

    text: str
    language: str = ""


@dataclass(frozen=True)
class Entity:
    """A node of the knowledge graph that has a name: what the linker finds and the pretrainer masks.

    Attributes:
        id: its IRI.
        label: its preferred name (``skos:prefLabel``, else ``rdfs:label``, in the recipe's language first).
        language: the language tag of `label` ("" when untagged).
        aliases: every other name (other labels, ``skos:altLabel``, the recipe's alias predicates).
        type: its main class IRI (``rdf:type``; "" when it has none).
        types: all its class IRIs.
        description: ``skos:definition`` or ``rdfs:comment`` ("" when it has none).
        frequency: how many triples it takes part in, apart from its names: the prior for ambiguous names.
    """

    id: str
    label: str
    language: str = ""
    aliases: tuple[Label, ...] = ()
    type: str = ""
    types: tuple[str, ...] = ()
    description: str = ""
    frequency: int = 0

    def names(self) -> list[Label]:
        """The label first, then the aliases."""
        return [Label(self.label, self.language), *self.aliases]


class EntitySpan(NamedTuple):
    """A mention of an entity in a document: characters ``text[start:end]`` (Python string offsets).

    A named tuple rather than a dataclass: the linker makes millions, and a tuple is built 5x faster.
    """

    document_id: str
    start: int
    end: int
    entity_id: str
    type: str
    surface: str
    candidates: int = 1


@dataclass(frozen=True)
class GenerationExample:
    """A prompt and the response a generation task's model should write after it."""

    prompt: str
    response: str

    @property
    def text(self) -> str:
        """The prompt: what splits and leakage checks key an example by."""
        return self.prompt


@dataclass(frozen=True)
class ChatExample:
    """One instruction-tuning conversation.

    Attributes:
        messages: the turns, ``({"role": "system"|"user"|"assistant", "content": str}, ...)``; the
            last is the assistant's answer.
        entity: the entity the conversation is about ("" when unknown); the split keeps an entity's
            conversations on one side.
        kind: where it came from: "one_hop", "two_hop", "alpaca", "sharegpt", "messages".
        language: "en", "zh" or "" when unknown.
    """

    messages: tuple[dict[str, str], ...]
    entity: str = ""
    kind: str = ""
    language: str = ""

    @property
    def prompt(self) -> tuple[dict[str, str], ...]:
        """Every turn before the last (the question the model answers)."""
        return self.messages[:-1]

    @property
    def answer(self) -> str:
        """The last (assistant) turn's text: the reference answer."""
        return self.messages[-1]["content"]

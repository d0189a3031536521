"""Triples to sentences: the graph's facts as text the pretraining stage can mix into its corpus.

Each triple whose subject is an entity becomes one sentence, by the recipe's template for its
predicate in the wanted language, else a built-in template (type, subclass, alias, definition),
else a fallback built from the predicate's label::

    en: "{subject} {predicate} {object}."          zh: "{subject}的{predicate}是{object}。"

All sentences about one subject form one document (id ``kg:<language>:<subject IRI>``), so a
masked-LM sees an entity's facts together. Names, structural OWL/RDF triples (imports, restrictions,
blank nodes) and objects that are vocabulary terms (``owl:Class``) are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from vertical.knowledge.names import (
    OWL,
    RDF,
    RDF_TYPE,
    RDFS,
    RDFS_COMMENT,
    SKOS,
    SKOS_ALT_LABEL,
    SKOS_DEFINITION,
    XSD,
    name_from_iri,
    predicate_phrase,
)
from vertical.records import Document, Entity

RDFS_SUBCLASS_OF = RDFS + "subClassOf"
BUILTIN_TEMPLATES: dict[str, dict[str, str]] = {
    RDF_TYPE: {"en": "{subject} is a {object}.", "zh": "{subject}是{object}。"},
    RDFS_SUBCLASS_OF: {"en": "Every {subject} is a {object}.", "zh": "{subject}是一种{object}。"},
    SKOS_ALT_LABEL: {"en": "{subject} is also called {object}.", "zh": "{subject}又称{object}。"},
    SKOS_DEFINITION: {"en": "{subject}: {object}", "zh": "{subject}：{object}"},
    RDFS_COMMENT: {"en": "{subject}: {object}", "zh": "{subject}：{object}"},
}
FALLBACK_TEMPLATES = {"en": "{subject} {predicate} {object}.", "zh": "{subject}的{predicate}是{object}。"}
_VOCABULARIES = (
    RDF,
    RDFS,
    OWL,
    SKOS,
    XSD,
    "http://purl.org/dc/",
    "https://www.omg.org/spec/Commons/AnnotationVocabulary/",
)
_SENTENCE_END = {"en": ".", "zh": "。"}


@dataclass(frozen=True)
class Fact:
    """A triple ready to verbalise: subject and predicate IRIs; object an IRI or a literal's text."""

    subject: str
    predicate: str
    object: str
    object_is_iri: bool


def read_facts(graph) -> Iterator[Fact]:
    """The triples of `graph` with an IRI subject and a non-blank object, in subject order."""
    for row in graph.query(
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isIRI(?s) && !isBlank(?o)) } ORDER BY ?s ?p ?o"
    ):
        obj = row["o"]
        yield Fact(row["s"].value, row["p"].value, obj.value, not hasattr(obj, "datatype"))


def _name_in(entity: Entity | None, iri: str, language: str) -> str:
    if entity is None:
        return name_from_iri(iri)
    for label in entity.names():
        if label.language.split("-")[0] == language:
            return label.text
    return entity.label


def _finish(sentence: str, language: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence if sentence[-1:] in ".!?。！？" else sentence + _SENTENCE_END.get(language, ".")


def verbalise_facts(
    facts: Iterator[Fact],
    entities: Mapping[str, Entity],
    language: str,
    templates: Mapping[str, Mapping[str, str]] | None = None,
) -> Iterator[Document]:
    """One document per subject entity with a sentence per fact.

    Args:
        facts: triples, grouped by subject (as `read_facts` yields them).
        entities: the entity table by IRI; subjects not in it are skipped.
        language: "en" or "zh": which names and templates to use.
        templates: predicate IRI -> language -> template with ``{subject}``, ``{predicate}``, ``{object}``;
            these win over the built-in ones.
    """
    templates = {**BUILTIN_TEMPLATES, **(templates or {})}
    sentences: dict[str, list[str]] = defaultdict(list)
    current = None
    for fact in facts:
        if current is not None and fact.subject != current:
            yield from _document(current, sentences.pop(current, []), language)
        current = fact.subject
        subject = entities.get(fact.subject)
        if subject is None:
            continue
        template = templates.get(fact.predicate, {}).get(language)
        if template is None:
            if fact.predicate.startswith(_VOCABULARIES):
                continue  # names, imports, restrictions and notes of the ontology languages themselves
            template = FALLBACK_TEMPLATES.get(language, FALLBACK_TEMPLATES["en"])
        if fact.object_is_iri:
            if fact.object.startswith(_VOCABULARIES):
                continue  # "X is a owl:Class" tells a reader nothing
            obj = _name_in(entities.get(fact.object), fact.object, language)
        else:
            obj = fact.object
        predicate_entity = entities.get(fact.predicate)
        predicate = (
            _name_in(predicate_entity, fact.predicate, language)
            if predicate_entity
            else predicate_phrase(fact.predicate)
        )
        sentence = template.format(
            subject=_name_in(subject, fact.subject, language), predicate=predicate, object=obj
        )
        sentences[fact.subject].append(_finish(sentence, language))
    if current is not None:
        yield from _document(current, sentences.pop(current, []), language)


def _document(subject: str, sentences: list[str], language: str) -> Iterator[Document]:
    if sentences:
        separator = "" if language == "zh" else " "
        yield Document(id=f"kg:{language}:{subject}", text=separator.join(sentences), source="knowledge")

"""The entity table: every named node of the graph with its names, type and description.

Built with SPARQL SELECT queries only, so it reads the embedded store and a remote SPARQL 1.1
endpoint alike (anything with ``query(sparql)`` returning pyoxigraph solutions). Names come from
``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel`` and the recipe's alias predicates; the type from
``rdf:type``; the description from ``skos:definition`` or ``rdfs:comment``.

Parquet schema of ``entities.parquet`` (one row per entity, sorted by id)::

    id           string                                   the entity's IRI
    label        string                                   preferred name
    language     string                                   language tag of label ("" if untagged)
    aliases      list<struct<text: string, language: string>>   the other names
    type         string                                   main class IRI ("" if none)
    types        list<string>                             all class IRIs
    description  string                                   definition or comment ("" if none)
    frequency    int64                                    triples it takes part in, names aside
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from vertical.io import atomic_write_bytes
from vertical.knowledge.names import (
    OWL,
    OWL_NAMED_INDIVIDUAL,
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_LABEL,
    SKOS_ALT_LABEL,
    SKOS_DEFINITION,
    SKOS_PREF_LABEL,
)
from vertical.records import Entity, Label

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("label", pa.string()),
        ("language", pa.string()),
        ("aliases", pa.list_(pa.struct([("text", pa.string()), ("language", pa.string())]))),
        ("type", pa.string()),
        ("types", pa.list_(pa.string())),
        ("description", pa.string()),
        ("frequency", pa.int64()),
    ]
)
_NAME_RANK = {SKOS_PREF_LABEL: 0, RDFS_LABEL: 1, SKOS_ALT_LABEL: 2}
_GENERIC_TYPES = {OWL_NAMED_INDIVIDUAL, OWL + "Thing"}


class SparqlGraph(Protocol):
    """What the entity table needs of a graph: SPARQL SELECT (pyoxigraph.Store, RemoteEndpoint)."""

    def query(self, query: str): ...


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{iri}>" for iri in iris)


def _list(iris: Iterable[str]) -> str:
    return ", ".join(f"<{iri}>" for iri in iris)


def _language_rank(language: str, preferred: str) -> int:
    if preferred and language.split("-")[0] == preferred:
        return 0
    return 1 if language == "" else 2 if language.startswith("en") else 3


def build_entities(
    graph: SparqlGraph, alias_predicates: Iterable[str] = (), language: str = "en"
) -> list[Entity]:
    """Every IRI of `graph` that has a name, as `Entity` records sorted by id.

    Args:
        graph: the embedded store or a remote endpoint.
        alias_predicates: IRIs of further predicates whose literal objects are names (e.g. a ticker).
        language: the language whose names are preferred as labels ("en", "zh").
    """
    name_predicates = [SKOS_PREF_LABEL, RDFS_LABEL, SKOS_ALT_LABEL, *alias_predicates]
    names: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    for row in graph.query(
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {_values(name_predicates)} }} ?s ?p ?o "
        "FILTER(isIRI(?s) && isLiteral(?o)) }",
    ):
        text = " ".join(row["o"].value.split())
        if text:
            tag = row["o"].language or ""
            names[row["s"].value].append(
                (_NAME_RANK.get(row["p"].value, 3), _language_rank(tag, language), text, tag)
            )
    types: dict[str, list[str]] = defaultdict(list)
    for row in graph.query(f"SELECT ?s ?t WHERE {{ ?s <{RDF_TYPE}> ?t FILTER(isIRI(?s) && isIRI(?t)) }}"):
        types[row["s"].value].append(row["t"].value)
    descriptions: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for row in graph.query(
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ <{SKOS_DEFINITION}> <{RDFS_COMMENT}> }} ?s ?p ?o "
        "FILTER(isIRI(?s) && isLiteral(?o)) }",
    ):
        rank = 0 if row["p"].value == SKOS_DEFINITION else 1
        descriptions[row["s"].value].append(
            (rank, _language_rank(row["o"].language or "", language), row["o"].value)
        )
    frequency: dict[str, int] = defaultdict(int)
    for row in graph.query(
        f"SELECT ?e (COUNT(*) AS ?n) WHERE {{ {{ ?e ?p ?o FILTER(?p NOT IN ({_list(name_predicates)})) }} "
        "UNION { ?x ?p ?e FILTER isIRI(?e) } } GROUP BY ?e",
    ):
        if row["e"] is not None and hasattr(row["e"], "value"):
            frequency[row["e"].value] += int(row["n"].value)
    entities = []
    for iri in sorted(names):
        ranked = sorted(set(names[iri]))
        _, _, label, label_language = ranked[0]
        seen = {(label, label_language)}
        aliases = []
        for _, _, text, tag in ranked[1:]:
            if (text, tag) not in seen:
                seen.add((text, tag))
                aliases.append(Label(text, tag))
        entity_types = sorted(set(types.get(iri, [])))
        main_type = next(
            (t for t in entity_types if t not in _GENERIC_TYPES), entity_types[0] if entity_types else ""
        )
        description = sorted(descriptions[iri])[0][2] if iri in descriptions else ""
        entities.append(
            Entity(
                id=iri,
                label=label,
                language=label_language,
                aliases=tuple(aliases),
                type=main_type,
                types=tuple(entity_types),
                description=" ".join(description.split()),
                frequency=frequency.get(iri, 0),
            )
        )
    return entities


def write_entities(entities: list[Entity], path: Path) -> None:
    """Write the entity table to `path` as parquet, atomically."""
    table = pa.table(
        {
            "id": [e.id for e in entities],
            "label": [e.label for e in entities],
            "language": [e.language for e in entities],
            "aliases": [[{"text": a.text, "language": a.language} for a in e.aliases] for e in entities],
            "type": [e.type for e in entities],
            "types": [list(e.types) for e in entities],
            "description": [e.description for e in entities],
            "frequency": [e.frequency for e in entities],
        },
        schema=SCHEMA,
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write_bytes(Path(path), sink.getvalue().to_pybytes())


def read_entities(path: Path) -> list[Entity]:
    """The entity table written by `write_entities`."""
    rows = pq.read_table(path, schema=SCHEMA).to_pylist()
    return [
        Entity(
            id=row["id"],
            label=row["label"],
            language=row["language"],
            aliases=tuple(Label(a["text"], a["language"]) for a in row["aliases"]),
            type=row["type"],
            types=tuple(row["types"]),
            description=row["description"],
            frequency=row["frequency"],
        )
        for row in rows
    ]

"""JSON Lines of nodes and edges, one JSON object per line.

A node has an ``id`` and, optionally, ``label``, ``aliases`` (a list), ``type`` (a name or a list),
``description``, ``language`` (the tag of its label, aliases and description) and any other key,
which becomes a literal property under the namespace::

    {"id": "Acme Bank", "aliases": ["Acme"], "type": "Company", "ticker": "ACME"}

An edge has ``subject``, ``predicate``, ``object`` and, optionally, ``object_type`` (as in CSV)::

    {"subject": "Acme Bank", "predicate": "sector", "object": "banking"}
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from vertical.decoding import iter_utf8_lines
from vertical.errors import KnowledgeError, located
from vertical.knowledge.csv_triples import TripleMaker
from vertical.knowledge.names import RDF_TYPE, RDFS_COMMENT, RDFS_LABEL, SKOS_ALT_LABEL, explicit_iri

_NODE_KEYS = ("id", "label", "aliases", "type", "description", "language")


def _strings(value: object, key: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if not isinstance(item, (str, int, float)):
            raise ValueError(f"{key}: expected a string or a list of strings, found {type(item).__name__}")
    return [str(item) for item in values if str(item).strip()]


def _node_quads(record: dict, maker: TripleMaker) -> list[Quad]:
    out: list[Quad] = []
    if not isinstance(record["id"], str) or not record["id"].strip():
        raise ValueError("id: expected a non-empty string")
    language = record.get("language") or None
    has_label = bool(record.get("label"))
    name = record["id"]
    iri = NamedNode(explicit_iri(name) or maker.node(name, [] if has_label else out).value)
    for label in _strings(record.get("label", []), "label"):
        out.append(Quad(iri, NamedNode(RDFS_LABEL), Literal(label, language=language)))
    for alias in _strings(record.get("aliases", []), "aliases"):
        out.append(Quad(iri, NamedNode(SKOS_ALT_LABEL), Literal(alias, language=language)))
    for description in _strings(record.get("description", []), "description"):
        out.append(Quad(iri, NamedNode(RDFS_COMMENT), Literal(description, language=language)))
    for type_name in _strings(record.get("type", []), "type"):
        out.append(Quad(iri, NamedNode(RDF_TYPE), maker.node(type_name, out)))
    for key, value in record.items():
        if key in _NODE_KEYS:
            continue
        predicate = maker.predicate(key, out)
        for item in _strings(value, key):
            out.append(Quad(iri, predicate, Literal(item)))
    return out


def read_jsonl_graph(
    path: Path, namespace: str, literal_predicates: frozenset[str] = frozenset()
) -> Iterator[Quad]:
    """The quads of a JSON Lines file of nodes and edges.

    Raises:
        KnowledgeError: invalid JSON, or a line that is neither a node nor an edge, naming file and line.
    """
    maker = TripleMaker(namespace, literal_predicates)
    with contextlib.closing(iter_utf8_lines(path, KnowledgeError)) as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise KnowledgeError(
                    located(path, line_number, f"invalid JSON: {error.msg} (column {error.colno})")
                ) from None
            try:
                if not isinstance(record, dict):
                    raise ValueError("expected a JSON object (a node with id, or an edge)")
                if "id" in record:
                    yield from _node_quads(record, maker)
                elif {"subject", "predicate", "object"} <= record.keys():
                    yield from maker.triple(
                        str(record["subject"]),
                        str(record["predicate"]),
                        str(record["object"]),
                        str(record.get("object_type") or ""),
                    )
                else:
                    raise ValueError(
                        "neither a node (needs id) nor an edge (needs subject, predicate, object); "
                        f"keys: {', '.join(record) or 'none'}"
                    )
            except ValueError as error:
                raise KnowledgeError(located(path, line_number, str(error))) from None

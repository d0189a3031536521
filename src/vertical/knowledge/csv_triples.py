"""CSV and TSV triples: a header ``subject,predicate,object`` and, optionally, ``object_type``.

Plain names become IRIs under the namespace (`vertical.knowledge.names`), and every plain name gets
its name as ``rdfs:label`` so that the entity table and the linker know it. The object is a literal
when its ``object_type`` says so, when the predicate is a label, alias or description predicate, or
when the predicate is one of `literal_predicates`; otherwise it is an entity.

``object_type`` values: empty (decide as above), ``iri``, ``literal``, ``@<lang>`` (a literal with a
language tag, e.g. ``@zh``), or a datatype (``xsd:integer``, ``xsd:date`` or a full IRI).
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from vertical.decoding import iter_utf8_lines
from vertical.errors import KnowledgeError, located
from vertical.knowledge.names import (
    RDF_PROPERTY,
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_LABEL,
    SKOS_ALT_LABEL,
    SKOS_DEFINITION,
    SKOS_PREF_LABEL,
    explicit_iri,
    predicate_iri,
    predicate_phrase,
    to_iri,
)

LITERAL_PREDICATES = frozenset({RDFS_LABEL, RDFS_COMMENT, SKOS_PREF_LABEL, SKOS_ALT_LABEL, SKOS_DEFINITION})
REQUIRED_COLUMNS = ("subject", "predicate", "object")


class TripleMaker:
    """Turns (subject, predicate, object, object_type) strings into quads, labelling plain names once.

    Shared by the CSV and the JSON Lines loaders, so both mint the same IRIs for the same names.
    """

    def __init__(self, namespace: str, literal_predicates: frozenset[str] = frozenset()) -> None:
        self.namespace = namespace
        self.literal_predicates = frozenset(predicate_iri(p, namespace) for p in literal_predicates)
        self._labelled: set[str] = set()

    def node(self, name: str, out: list[Quad]) -> NamedNode:
        """The IRI of `name`; a plain name's first use also yields its ``rdfs:label``."""
        iri = to_iri(name, self.namespace)
        if explicit_iri(name) is None and iri not in self._labelled:
            self._labelled.add(iri)
            out.append(Quad(NamedNode(iri), NamedNode(RDFS_LABEL), Literal(name.strip())))
        return NamedNode(iri)

    def predicate(self, name: str, out: list[Quad]) -> NamedNode:
        """The IRI of predicate `name`; a plain name's first use yields a label and ``rdf:Property``."""
        iri = predicate_iri(name, self.namespace)
        if explicit_iri(name) is None and iri.startswith(self.namespace) and iri not in self._labelled:
            self._labelled.add(iri)
            out.append(Quad(NamedNode(iri), NamedNode(RDFS_LABEL), Literal(predicate_phrase(iri))))
            out.append(Quad(NamedNode(iri), NamedNode(RDF_TYPE), NamedNode(RDF_PROPERTY)))
        return NamedNode(iri)

    def triple(self, subject: str, predicate: str, value: str, object_type: str = "") -> list[Quad]:
        """The quads of one row: the triple itself and the labels of plain names seen first here.

        Raises:
            ValueError: an empty field or an unknown object type (the caller adds file and line).
        """
        for field, text in (("subject", subject), ("predicate", predicate), ("object", value)):
            if not text or not text.strip():
                raise ValueError(f"{field}: empty")
        out: list[Quad] = []
        subject_node = self.node(subject, out)
        predicate_node = self.predicate(predicate, out)
        object_type = (object_type or "").strip()
        if object_type == "iri":
            obj = self.node(value, out)
        elif object_type == "literal":
            obj = Literal(value)
        elif object_type.startswith("@"):
            obj = Literal(value, language=object_type[1:])
        elif object_type:
            datatype = explicit_iri(object_type)
            if datatype is None:
                raise ValueError(
                    f"object_type: unknown type {object_type!r}; use iri, literal, @<lang> or a datatype "
                    "such as xsd:integer"
                )
            obj = Literal(value, datatype=NamedNode(datatype))
        elif predicate_node.value in LITERAL_PREDICATES or predicate_node.value in self.literal_predicates:
            obj = Literal(value)
        else:
            obj = self.node(value, out)
        out.append(Quad(subject_node, predicate_node, obj))
        return out


def read_csv_triples(
    path: Path, namespace: str, literal_predicates: frozenset[str] = frozenset(), delimiter: str = ","
) -> Iterator[Quad]:
    """The quads of a CSV (or, with ``delimiter="\\t"``, TSV) file of triples.

    Raises:
        KnowledgeError: a missing column or a malformed row, naming file and line.
    """
    maker = TripleMaker(namespace, literal_predicates)
    with contextlib.closing(iter_utf8_lines(path, KnowledgeError)) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise KnowledgeError(
                located(path, 1, "empty file; expected a header subject,predicate,object")
            ) from None
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise KnowledgeError(
                located(
                    path,
                    1,
                    f"header lacks {', '.join(missing)}; expected subject,predicate,object[,object_type]",
                )
            )
        index = {name: header.index(name) for name in (*REQUIRED_COLUMNS, "object_type") if name in header}
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise KnowledgeError(
                    located(
                        path,
                        line,
                        f"expected {len(header)} fields ({delimiter.join(header)}), found {len(row)}",
                    )
                )
            try:
                yield from maker.triple(
                    row[index["subject"]],
                    row[index["predicate"]],
                    row[index["object"]],
                    row[index["object_type"]] if "object_type" in index else "",
                )
            except ValueError as error:
                raise KnowledgeError(located(path, line, str(error))) from None

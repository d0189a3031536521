"""Read knowledge sources into quads: CSV/TSV triples, N-Triples, Turtle, RDF/XML, JSON Lines.

RDF files are parsed by pyoxigraph (Rust parsers); CSV and JSON Lines by
`vertical.knowledge.csv_triples` and `vertical.knowledge.jsonl_graph`. A folder is read file by
file, recursively, taking the files whose extension names a format (``.rdf`` and ``.owl`` for
RDF/XML: a folder's ``.xml`` files are often catalogs, not RDF). Every syntax error names the file
and the line.
"""

from __future__ import annotations

import xml.parsers.expat
from collections.abc import Iterator
from pathlib import Path
from typing import Literal as TypingLiteral

from pyoxigraph import Quad, RdfFormat, parse

from vertical.errors import KnowledgeError, located
from vertical.knowledge.csv_triples import read_csv_triples
from vertical.knowledge.jsonl_graph import read_jsonl_graph

SourceFormat = TypingLiteral["auto", "csv", "tsv", "ntriples", "turtle", "rdfxml", "jsonl"]

EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".nt": "ntriples",
    ".ttl": "turtle",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_FOLDER_EXTENSIONS = {extension for extension in EXTENSIONS if extension != ".xml"}
_RDF_FORMATS = {"ntriples": RdfFormat.N_TRIPLES, "turtle": RdfFormat.TURTLE, "rdfxml": RdfFormat.RDF_XML}


def source_files(path: Path, source_format: str = "auto") -> list[tuple[Path, str]]:
    """The files of a source with the format of each: the file itself, or a folder's known files, sorted.

    Raises:
        KnowledgeError: a file whose format cannot be told from its extension, or a folder without any.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _FOLDER_EXTENSIONS)
        if not files:
            raise KnowledgeError(
                f"{path}: no knowledge files in this folder ({', '.join(sorted(_FOLDER_EXTENSIONS))})"
            )
        return [
            (file, EXTENSIONS[file.suffix.lower()] if source_format == "auto" else source_format)
            for file in files
        ]
    if not path.is_file():
        raise KnowledgeError(f"{path}: file not found")
    if source_format == "auto":
        if path.suffix.lower() not in EXTENSIONS:
            raise KnowledgeError(
                f"{path}: cannot tell the format from the extension; "
                "name it (csv, tsv, ntriples, turtle, rdfxml, jsonl)"
            )
        source_format = EXTENSIONS[path.suffix.lower()]
    return [(path, source_format)]


def _xml_error_line(path: Path) -> tuple[int | None, str | None]:
    """Where an XML file is not well-formed, by expat (pyoxigraph's RDF/XML errors carry no position)."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        with open(path, "rb") as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as error:
        return error.lineno, xml.parsers.expat.errors.messages[error.code]
    return None, None


def _read_rdf(path: Path, source_format: str) -> Iterator[Quad]:
    try:
        yield from parse(
            path=str(path),
            format=_RDF_FORMATS[source_format],
            base_iri=path.resolve().as_uri(),
            rename_blank_nodes=True,
        )
    except SyntaxError as error:
        message = str(error).splitlines()[0]
        line = error.lineno
        if line is None and source_format == "rdfxml":
            line, xml_message = _xml_error_line(path)
            message = f"{xml_message} ({message})" if xml_message else message
        raise KnowledgeError(located(path, line, f"{source_format} syntax error: {message}")) from None


def read_quads(
    path: Path, source_format: str, namespace: str, literal_predicates: frozenset[str] = frozenset()
) -> Iterator[Quad]:
    """The quads of one file in `source_format` (not "auto": see `source_files`)."""
    if source_format in ("csv", "tsv"):
        return read_csv_triples(path, namespace, literal_predicates, "," if source_format == "csv" else "\t")
    if source_format == "jsonl":
        return read_jsonl_graph(path, namespace, literal_predicates)
    if source_format in _RDF_FORMATS:
        return _read_rdf(path, source_format)
    raise KnowledgeError(f"{path}: unknown format {source_format!r}")

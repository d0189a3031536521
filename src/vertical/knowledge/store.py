"""The embedded graph store: a pyoxigraph (RocksDB) store in a folder, loaded from knowledge sources.

``runs/<name>/knowledge/store/`` is such a folder. It answers SPARQL 1.1 in-process; a graph that
outgrows one machine moves to a SPARQL server (Oxigraph server, Jena Fuseki) and the same queries go
to `vertical.knowledge.endpoint.RemoteEndpoint` instead (docs/knowledge.md).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from vertical.errors import KnowledgeError
from vertical.knowledge.loaders import read_quads, source_files
from vertical.knowledge.names import OWL, RDF_TYPE, RDFS_LABEL

_BATCH = 50_000


@dataclass(frozen=True)
class LoadedFile:
    """One file read into the store: how many triples it gave and how long it took."""

    path: str
    format: str
    triples: int
    seconds: float


def open_store(folder: Path) -> Store:
    """Open (creating it when missing) the on-disk store in `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return Store(str(folder))
    except OSError as error:
        raise KnowledgeError(f"{folder}: cannot open the graph store: {error}") from None


def close_store(store: Store) -> None:
    """Flush and release a store (pyoxigraph closes it when the last reference goes)."""
    store.flush()
    del store
    gc.collect()


def load_sources(
    store: Store,
    sources: Iterable[tuple[Path, str]],
    namespace: str,
    literal_predicates: frozenset[str] = frozenset(),
) -> list[LoadedFile]:
    """Read every (path, format) source into `store`, file by file.

    Each file is parsed completely before any of it is written, so a file with a syntax error
    leaves the store as it was (files loaded before it stay).

    Raises:
        KnowledgeError: a missing file, an unknown format, or a syntax error naming file and line.
    """
    loaded = []
    for source, source_format in sources:
        for path, file_format in source_files(Path(source), source_format):
            started = time.perf_counter()
            quads = list(read_quads(path, file_format, namespace, literal_predicates))
            for start in range(0, len(quads), _BATCH):
                store.extend(quads[start : start + _BATCH])
            loaded.append(
                LoadedFile(str(path), file_format, len(quads), round(time.perf_counter() - started, 3))
            )
    return loaded


def _count(store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def graph_stats(graph) -> dict[str, object]:
    """Triples, subjects, predicates, classes, labelled nodes and the most used predicates of a graph.

    Works on the embedded store and on a remote endpoint (SPARQL SELECT only).
    """
    triples = _count(graph, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    top = [
        {"predicate": row["p"].value, "triples": int(row["n"].value)}
        for row in graph.query(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT 10"
        )
    ]
    return {
        "triples": triples,
        "subjects": _count(graph, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "predicates": _count(graph, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        "classes": _count(
            graph,
            f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {{ ?x <{RDF_TYPE}> ?c }} "
            f"UNION {{ ?c <{RDF_TYPE}> <{OWL}Class> }} }}",
        ),
        "labelled_nodes": _count(
            graph, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDFS_LABEL}> ?l }}"
        ),
        "top_predicates": top,
    }


def require_triples(graph, where: object) -> int:
    """The triple count of `graph`.

    Raises:
        KnowledgeError: the graph is empty.
    """
    count = _count(graph, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    if count == 0:
        raise KnowledgeError(
            f"{where}: the knowledge graph is empty (no triples); load sources into it first"
        )
    return count

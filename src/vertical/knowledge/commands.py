"""``vertical kg``: load, inspect, query and link a knowledge graph outside a recipe.

    vertical kg load SOURCE... --store DIR      read CSV/TSV/N-Triples/Turtle/RDF-XML/JSONL into a store
    vertical kg stats --store DIR               triples, subjects, predicates, classes, entities (JSON)
    vertical kg query --store DIR "SPARQL"      read-only; JSON or CSV out; stopped after --timeout
    vertical kg link --store DIR [--lang zh]    text lines in, one JSON line of spans per line out

``--endpoint URL`` in place of ``--store`` reads a remote SPARQL 1.1 endpoint instead.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vertical.errors import KnowledgeError, VerticalError

kg_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Load, inspect, query and link a knowledge graph (an embedded store or a SPARQL endpoint).",
)
_console = Console(stderr=True)

StoreOption = Annotated[Path | None, typer.Option("--store", help="The graph store folder.")]
EndpointOption = Annotated[
    str | None, typer.Option("--endpoint", help="A remote SPARQL 1.1 query endpoint instead of --store.")
]


def _fail(error: VerticalError) -> None:
    _console.print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _read_graph(store: Path | None, endpoint: str | None, timeout: float = 60.0):
    """The store opened read-only, or the remote endpoint."""
    from pyoxigraph import Store

    from vertical.knowledge.endpoint import RemoteEndpoint

    if (store is None) == (endpoint is None):
        raise KnowledgeError("give either --store DIR or --endpoint URL")
    if endpoint is not None:
        return RemoteEndpoint(endpoint, timeout)
    assert store is not None
    if not store.is_dir():
        raise KnowledgeError(
            f"{store}: no graph store here; create one with `vertical kg load SOURCE --store {store}`"
        )
    try:
        return Store.read_only(str(store))
    except OSError as error:
        raise KnowledgeError(f"{store}: cannot open the graph store: {error}") from None


@kg_app.command()
def load(
    sources: Annotated[list[Path], typer.Argument(help="Files or folders of triples.")],
    store: Annotated[Path, typer.Option("--store", help="The graph store folder (created when missing).")],
    source_format: Annotated[
        str, typer.Option("--format", help="auto, csv, tsv, ntriples, turtle, rdfxml or jsonl.")
    ] = "auto",
    namespace: Annotated[
        str, typer.Option("--namespace", help="Plain names in CSV/JSONL become IRIs under this.")
    ] = "http://vertical.local/kg/",
    literal_predicate: Annotated[
        list[str] | None,
        typer.Option("--literal-predicate", help="A predicate whose objects are text (repeatable)."),
    ] = None,
) -> None:
    """Read knowledge files into a store; prints the triples of each file."""
    from vertical.knowledge.store import close_store, load_sources, open_store

    try:
        graph = open_store(store)
        started = time.perf_counter()
        loaded = load_sources(
            graph, [(s, source_format) for s in sources], namespace, frozenset(literal_predicate or ())
        )
        seconds = time.perf_counter() - started
        total = len(graph)
        close_store(graph)
    except VerticalError as error:
        _fail(error)
        return
    for file in loaded:
        _console.print(
            f"{file.path}: {file.triples:,} triples ({file.format}, {file.seconds:.2f} s)", highlight=False
        )
    print(
        json.dumps(
            {
                "files": len(loaded),
                "triples_read": sum(f.triples for f in loaded),
                "triples_in_store": total,
                "seconds": round(seconds, 2),
            }
        )
    )


@kg_app.command()
def stats(store: StoreOption = None, endpoint: EndpointOption = None) -> None:
    """Counts of the graph as JSON: triples, subjects, predicates, classes, labelled nodes, top predicates."""
    from vertical.knowledge.store import graph_stats, require_triples

    try:
        graph = _read_graph(store, endpoint)
        require_triples(graph, store or endpoint)
        print(json.dumps(graph_stats(graph), indent=2))
    except VerticalError as error:
        _fail(error)


@kg_app.command()
def query(
    sparql: Annotated[
        str, typer.Argument(help="A SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query (no updates).")
    ],
    store: StoreOption = None,
    endpoint: EndpointOption = None,
    output_format: Annotated[str, typer.Option("--format", help="json or csv (SELECT and ASK).")] = "json",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before the query is stopped.")] = 30.0,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Most rows of the answer.")] = 1_000_000,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, help="Largest answer in bytes.")
    ] = 1_000_000_000,
    allow_service: Annotated[
        list[str] | None,
        typer.Option("--allow-service", help="A SPARQL endpoint SERVICE may call (repeat); default: none."),
    ] = None,
) -> None:
    """Run a read-only SPARQL query; results on standard output (CONSTRUCT gives N-Triples)."""
    from vertical.knowledge.endpoint import RemoteEndpoint
    from vertical.knowledge.sparql import query_store
    from vertical.knowledge.sparql_results import AnswerLimits

    try:
        if output_format not in ("json", "csv"):
            raise KnowledgeError(f"--format {output_format}: use json or csv")
        if (store is None) == (endpoint is None):
            raise KnowledgeError("give either --store DIR or --endpoint URL")
        limits = AnswerLimits(max_rows, max_bytes)
        if endpoint is not None:
            remote = RemoteEndpoint(endpoint, timeout, tuple(allow_service or ()))
            answer = remote.answer(sparql, output_format, limits)  # type: ignore[arg-type]
        else:
            assert store is not None
            answer = query_store(
                store,
                sparql,
                timeout,
                output_format,
                limits,
                tuple(allow_service or ()),  # type: ignore[arg-type]
            )
    except VerticalError as error:
        _fail(error)
        return
    sys.stdout.buffer.write(answer if answer.endswith(b"\n") else answer + b"\n")
    sys.stdout.flush()


@kg_app.command()
def link(
    store: StoreOption = None,
    endpoint: EndpointOption = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en or zh: only names in this language (and untagged).")
    ] = None,
    prefer_type: Annotated[
        list[str] | None,
        typer.Option("--prefer-type", help="A type IRI that wins ambiguous names (repeatable, best first)."),
    ] = None,
    alias_predicate: Annotated[
        list[str] | None,
        typer.Option("--alias-predicate", help="A predicate IRI whose objects are names (repeatable)."),
    ] = None,
) -> None:
    """Link text lines from standard input; one JSON line of spans per input line on standard output."""
    from vertical.knowledge.entities import build_entities
    from vertical.knowledge.linker import EntityLinker
    from vertical.knowledge.store import require_triples

    try:
        if lang not in (None, "en", "zh"):
            raise KnowledgeError(f"--lang {lang}: use en or zh")
        graph = _read_graph(store, endpoint)
        require_triples(graph, store or endpoint)
        entities = build_entities(graph, alias_predicate or (), lang or "en")
        del graph
        linker = EntityLinker(entities, language=lang, prefer_types=prefer_type or ())
    except VerticalError as error:
        _fail(error)
        return
    for line in sys.stdin:
        text = line.rstrip("\n")
        spans = [
            {
                "start": s.start,
                "end": s.end,
                "text": s.surface,
                "entity": s.entity_id,
                "type": s.type,
                "candidates": s.candidates,
            }
            for s in linker.link(text)
        ]
        sys.stdout.write(json.dumps({"spans": spans}, ensure_ascii=False) + "\n")
    sys.stdout.flush()

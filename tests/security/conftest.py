"""Fixtures of the security suite: a run folder with a knowledge graph, and a recording HTTP listener.

The listener stands for any address a hostile query could aim the server at (an internal service,
a cloud metadata endpoint): it records every request it gets and answers like a SPARQL endpoint,
so a test can tell for certain whether anything was sent.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "knowledge"
FILLER_TRIPLES = 700  # enough that { ?a ?b ?c . ?d ?e ?f } has ~500,000 rows (> 100 MB as JSON)


class Listener:
    """An HTTP server on 127.0.0.1 that records requests and answers SPARQL JSON results."""

    ANSWER = {
        "head": {"vars": ["s"]},
        "results": {"bindings": [{"s": {"type": "uri", "value": "http://leak/x"}}]},
    }

    def __init__(self) -> None:
        self.requests: list[dict] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                listener.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "user_agent": self.headers.get("User-Agent"),
                        "body": self.rfile.read(length).decode("utf-8", "replace"),
                    }
                )
                body = json.dumps(Listener.ANSWER).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 - the names http.server calls

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    with Listener() as running:
        yield running


@pytest.fixture(scope="session")
def graph_run_dir(tmp_path_factory) -> Path:
    """A run folder with only a knowledge stage: the finance graph plus filler triples, and its entities."""
    from pyoxigraph import Literal, NamedNode, Quad

    from vertical.knowledge.entities import build_entities, write_entities
    from vertical.knowledge.store import close_store, load_sources, open_store

    run_dir = tmp_path_factory.mktemp("graph-run") / "run"
    knowledge = run_dir / "knowledge"
    store = open_store(knowledge / "store")
    load_sources(store, [(ASSETS / "finance.ttl", "auto")], "http://vertical.local/kg/")
    predicate = NamedNode("http://example.org/fin/note")
    store.extend(
        Quad(NamedNode(f"http://example.org/fin/n{i}"), predicate, Literal(f"filler note number {i}"))
        for i in range(FILLER_TRIPLES)
    )
    write_entities(build_entities(store), knowledge / "entities.parquet")
    close_store(store)
    del store  # the query processes open it read-only
    # a completed stage has its manifest (a folder without one is not read, see vertical.run)
    (knowledge / "manifest.json").write_text(
        json.dumps({"stage": "knowledge", "config": {}}), encoding="utf-8"
    )
    return run_dir


@pytest.fixture(scope="session")
def store_dir(graph_run_dir) -> Path:
    return graph_run_dir / "knowledge" / "store"

"""A remote SPARQL endpoint gives the same entity table as the embedded store.

The server is a real SPARQL 1.1 Protocol endpoint, small enough for a test: Python's HTTP server
answering POSTed queries from a pyoxigraph store, as Oxigraph server or Fuseki would.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pyoxigraph import QueryResultsFormat

from vertical.errors import KnowledgeError
from vertical.knowledge.endpoint import RemoteEndpoint
from vertical.knowledge.entities import build_entities
from vertical.knowledge.store import graph_stats


@pytest.fixture(scope="module")
def endpoint_url(finance_store):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the name http.server calls)
            length = int(self.headers["Content-Length"])
            sparql = urllib.parse.parse_qs(self.rfile.read(length).decode())["query"][0]
            if "SLOW" in sparql:
                time.sleep(3)
            try:
                results = finance_store.query(sparql)
            except SyntaxError as error:
                self.send_response(400)
                self.end_headers()
                self.wfile.write(str(error).encode())
                return
            body = results.serialize(format=QueryResultsFormat.JSON)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/query"
    server.shutdown()


def test_entity_table_and_stats_through_the_endpoint(endpoint_url, finance_store, finance_entities):
    remote = RemoteEndpoint(endpoint_url, timeout=30)
    assert build_entities(remote) == finance_entities
    assert graph_stats(remote) == graph_stats(finance_store)


def test_errors_timeouts_and_updates(endpoint_url):
    with pytest.raises(KnowledgeError, match="HTTP 400"):
        RemoteEndpoint(endpoint_url).query("SELECT ?s WHERE { ?s ?p }")
    with pytest.raises(KnowledgeError, match="timeout of 1 s"):
        RemoteEndpoint(endpoint_url, timeout=1).query("SELECT * WHERE { ?s ?p ?o } # SLOW")
    with pytest.raises(KnowledgeError, match="refused"):
        RemoteEndpoint(endpoint_url).query("CLEAR ALL")
    with pytest.raises(KnowledgeError, match="cannot reach"):
        RemoteEndpoint("http://127.0.0.1:9/query", timeout=2).query("ASK { ?s ?p ?o }")


def test_the_stage_reads_a_recipe_endpoint(endpoint_url, finance_entities, tmp_path):
    from vertical.knowledge import build_knowledge
    from vertical.knowledge.entities import read_entities
    from vertical.recipe import KnowledgeConfig

    cfg = KnowledgeConfig(endpoint=endpoint_url, link=False, verbalise_languages=["zh"])
    metrics = build_knowledge(cfg, "en", None, tmp_path).metrics
    assert read_entities(tmp_path / "entities.parquet") == finance_entities
    assert metrics["knowledge_documents"] > 10 and not (tmp_path / "store").exists()


def test_kg_query_caps_an_endpoint_answer_as_it_caps_the_store(endpoint_url):
    from typer.testing import CliRunner

    from vertical.cli import app as cli_app

    everything = "SELECT * WHERE { ?s ?p ?o }"
    rows = CliRunner().invoke(
        cli_app, ["kg", "query", "--endpoint", endpoint_url, "--max-rows", "3", everything]
    )
    assert rows.exit_code == 2 and "more than 3 rows" in rows.output
    big = CliRunner().invoke(
        cli_app, ["kg", "query", "--endpoint", endpoint_url, "--max-bytes", "200", everything]
    )
    assert big.exit_code == 2 and "larger than 200 bytes" in big.output
    limited = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o LIMIT 2"
    csv = CliRunner().invoke(cli_app, ["kg", "query", "--endpoint", endpoint_url, "--format", "csv", limited])
    assert csv.exit_code == 0, csv.output
    lines = csv.output.strip().splitlines()
    assert lines[0].strip() == "s,o" and len(lines) == 3

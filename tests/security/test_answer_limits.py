"""A maximal SPARQL answer is refused past its row or byte limit and never freezes the server.

Before: ``SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 300000`` answered 116 MB in 18.9 s despite
the 10 s timeout, and /healthz stalled for 9 s while the answer was parsed on the event loop.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat, Store, serialize

from tests.serve.live import LiveServer
from vertical.knowledge.sparql import query_store
from vertical.knowledge.sparql_results import AnswerLimits, AnswerTooLargeError, write_answer
from vertical.serve.app import create_app
from vertical.serve.graph import load_run_graph
from vertical.serve.keys import add_key, read_keys

CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 300000"
SELECTS = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    "SELECT ?s ?missing WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }",
]


def test_rows_are_written_as_pyoxigraph_writes_them(store_dir):
    store = Store.read_only(str(store_dir))
    for query in SELECTS:
        ours = write_answer(store.query(query), "SELECT", "json", AnswerLimits(10**6, 10**9))
        assert json.loads(ours) == json.loads(store.query(query).serialize(format=QueryResultsFormat.JSON))
        ours_csv = write_answer(store.query(query), "SELECT", "csv", AnswerLimits(10**6, 10**9))
        assert ours_csv == store.query(query).serialize(format=QueryResultsFormat.CSV)
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    ours = write_answer(store.query(construct), "CONSTRUCT", "json", AnswerLimits(10**6, 10**9))
    assert ours == serialize(store.query(construct), format=RdfFormat.N_TRIPLES)
    assert json.loads(write_answer(store.query("ASK { ?s ?p ?o }"), "ASK", "json", AnswerLimits())) == {
        "head": {},
        "boolean": True,
    }


def test_rows_and_bytes_are_capped(store_dir):
    with pytest.raises(AnswerTooLargeError, match="more than 100 rows; add LIMIT 100"):
        query_store(store_dir, "SELECT * WHERE { ?s ?p ?o }", 30, limits=AnswerLimits(max_rows=100))
    with pytest.raises(AnswerTooLargeError, match="larger than 5,000 bytes"):
        query_store(store_dir, "CONSTRUCT WHERE { ?s ?p ?o }", 30, limits=AnswerLimits(max_bytes=5000))
    answer = json.loads(
        query_store(store_dir, "SELECT * WHERE { ?s ?p ?o } LIMIT 100", 30, "json", AnswerLimits(100))
    )
    assert len(answer["results"]["bindings"]) == 100


def test_cli_kg_query_caps_rows_in_one_line(store_dir):
    from typer.testing import CliRunner

    from vertical.cli import app

    result = CliRunner().invoke(
        app, ["kg", "query", "--store", str(store_dir), "--max-rows", "50", "SELECT * WHERE { ?s ?p ?o }"]
    )
    assert result.exit_code == 2 and result.output.startswith("error: the answer has more than 50 rows")


def test_the_cross_product_is_refused_quickly_and_healthz_keeps_answering(graph_run_dir, tmp_path):
    keys_file = tmp_path / "keys.json"
    key = add_key(keys_file, "kg", ["kg"])
    graph = load_run_graph(graph_run_dir, timeout_s=60)  # the default limits: 10,000 rows, 10 MB
    latencies: list[float] = []
    with LiveServer(create_app({}, read_keys(keys_file), graph=graph)) as url:
        outcome: dict = {}

        def big_query() -> None:
            started = time.perf_counter()
            outcome["response"] = httpx.post(
                f"{url}/v1/kg/query",
                json={"query": CROSS},
                headers={"Authorization": f"Bearer {key}"},
                timeout=120,
            )
            outcome["seconds"] = time.perf_counter() - started

        worker = threading.Thread(target=big_query)
        worker.start()
        with httpx.Client(base_url=url, timeout=60) as client:
            while worker.is_alive():
                started = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)
        worker.join()
    response = outcome["response"]
    assert response.status_code == 400, response.text[:300]
    assert "more than 10,000 rows" in response.json()["error"]["message"]
    # generous bounds: the test shares a loaded 2-core machine; before the fix healthz stalled 9 s
    assert max(latencies) < 2.0, max(latencies)
    assert outcome["seconds"] < 30


def test_the_timeout_bounds_the_wait_for_a_query_slot(graph_run_dir):
    graph = load_run_graph(graph_run_dir, timeout_s=60)
    graph.max_parallel_queries = 1
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with LiveServer(create_app({}, None, graph=graph)) as url:
        first = threading.Thread(
            target=lambda: httpx.post(f"{url}/v1/kg/query", json={"query": slow, "timeout": 8}, timeout=60)
        )
        first.start()
        time.sleep(1.0)  # the first query holds the only slot
        started = time.perf_counter()
        second = httpx.post(
            f"{url}/v1/kg/query", json={"query": "ASK { ?s ?p ?o }", "timeout": 1}, timeout=60
        )
        waited = time.perf_counter() - started
        first.join()
    assert second.status_code == 504, second.text
    assert waited < 5, waited

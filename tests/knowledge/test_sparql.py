"""Read-only SPARQL: updates refused before they run, results as JSON or CSV, a timeout that stops a query."""

from __future__ import annotations

import json
import time

import pytest

from vertical.errors import KnowledgeError
from vertical.knowledge.sparql import query_form, query_store
from vertical.knowledge.store import close_store, open_store


@pytest.mark.parametrize(
    ("sparql", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        (
            "# INSERT in a comment\nPREFIX ex: <http://x/insert#>\nBASE <http://x/>\nask { ?s ?p 'DELETE' }",
            "ASK",
        ),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://x/a>", "DESCRIBE"),
    ],
)
def test_query_forms(sparql, form):
    assert query_form(sparql) == form


@pytest.mark.parametrize(
    "sparql",
    [
        "INSERT DATA { <http://x/a> <http://x/p> <http://x/b> }",
        "PREFIX ex: <http://x/> DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "clear all",
        "DROP GRAPH <http://x/g>",
        "WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused(sparql):
    with pytest.raises(KnowledgeError, match="update .* refused: this path is read-only"):
        query_form(sparql)


@pytest.fixture(scope="module")
def chain_store(tmp_path_factory):
    """A store of 300 triples: enough for a cross join that runs for minutes."""
    folder = tmp_path_factory.mktemp("chain") / "store"
    store = open_store(folder)
    store.load(
        input="".join(f"<http://x/n{i}> <http://x/next> <http://x/n{i + 1}> .\n" for i in range(300)),
        format=__import__("pyoxigraph").RdfFormat.N_TRIPLES,
    )
    close_store(store)
    return folder


def test_results_as_json_and_csv(chain_store):
    sparql = "SELECT ?o WHERE { <http://x/n0> <http://x/next> ?o }"
    answer = json.loads(query_store(chain_store, sparql, 30, "json"))
    assert answer["results"]["bindings"] == [{"o": {"type": "uri", "value": "http://x/n1"}}]
    assert query_store(chain_store, sparql, 30, "csv").decode().splitlines() == ["o", "http://x/n1"]
    assert query_store(chain_store, "ASK { ?s ?p ?o }", 30, "csv").decode().split() == ["ask", "true"]


def test_a_long_query_is_stopped_at_its_timeout(chain_store):
    started = time.perf_counter()
    with pytest.raises(KnowledgeError, match="stopped after its timeout of 1 s"):
        query_store(
            chain_store, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", 1
        )
    assert time.perf_counter() - started < 10


def test_syntax_error_and_missing_store(chain_store, tmp_path):
    with pytest.raises(KnowledgeError, match="SPARQL syntax error"):
        query_store(chain_store, "SELECT ?s WHERE { ?s ?p }", 30)
    with pytest.raises(KnowledgeError, match="no graph store here"):
        query_store(tmp_path / "nowhere", "SELECT * WHERE { ?s ?p ?o }", 30)


def test_the_timeout_counts_the_query_not_the_start_of_its_process(chain_store):
    # starting a Python child and opening the store takes far longer than 0.2 s; a small query does not
    answer = json.loads(query_store(chain_store, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", 0.2, "json"))
    assert len(answer["results"]["bindings"]) == 1

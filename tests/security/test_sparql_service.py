"""SPARQL federation (SERVICE) is refused on every read-only path, whatever its spelling.

Each hostile spelling is first shown to be real: plain pyoxigraph, given it, sends a request to
the recording listener. Then the guard refuses it, and through `query_store`, the CLI and the
HTTP API the listener gets nothing. With the endpoint allowed (--allow-service) the same query
reaches it, so the listener would have seen any request that slipped through.
"""

from __future__ import annotations

import json
import multiprocessing
import socket

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryBoolean, Store
from typer.testing import CliRunner

from tests.serve.live import LiveServer
from vertical.cli import app as cli_app
from vertical.errors import KnowledgeError
from vertical.knowledge.sparql import _isolate_network, query_store
from vertical.knowledge.sparql_guard import FederationError, check_federation, parser_check_query
from vertical.serve.app import create_app
from vertical.serve.graph import load_run_graph

# {L}: the listener's URL; {B}: its base (for BASE and PREFIX spellings)
HOSTILE = [
    "SELECT * WHERE { SERVICE <{L}> { ?s ?p ?o } }",
    "select * where { service <{L}> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE SILENT <{L}> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE # a comment between\n <{L}> { ?s ?p ?o } }",
    'SELECT * WHERE { # a comment with a quote " and a brace {\n SERVICE <{L}> { ?s ?p ?o } }',
    "SELECT * WHERE {SERVICE<{L}>{?s ?p ?o}}",
    "SELECT * WHERE {\tSERVICE\t<{L}>\n{ ?s ?p ?o } }",
    "SELECT * WHERE { OPTIONAL { SERVICE <{L}> { ?s ?p ?o } } }",
    "SELECT * WHERE { { BIND(1 AS ?x) } UNION { SERVICE <{L}> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <{L}> { ?s ?p ?o } } } }",
    "SELECT * WHERE { { { { SERVICE <{L}> { ?s ?p ?o } } } } }",
    "SELECT * WHERE { BIND(1 AS ?x) FILTER EXISTS { SERVICE <{L}> { ?s ?p ?o } } }",
    "SELECT * WHERE { BIND(1 AS ?x) MINUS { SERVICE <{L}> { ?s ?p ?o } } }",
    "PREFIX ep: <{B}> SELECT * WHERE { SERVICE ep:sparql { ?s ?p ?o } }",
    "BASE <{B}> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND('''a ' quote''' AS ?x) SERVICE <{L}> { ?s ?p ?o } }",
    'SELECT * WHERE { BIND("#" AS ?x) SERVICE <{L}> { ?s ?p ?o } }',
    "SELECT * WHERE { BIND(<http://x/#> AS ?x) SERVICE <{L}> { ?s ?p ?o } }",
    # pyoxigraph needs no space around a keyword: these parse, and call out
    "SELECT * WHERE { BIND(1 AS ?one)SERVICESILENT<{L}>{?s ?p ?o} }",
    "SELECT * WHERE { ?s ?p trueSERVICE <{L}> { ?x ?y ?z } }",
    "SELECT * WHERE { ?s ?p 1SERVICE <{L}> { ?x ?y ?z } }",
    # `<?c+1)SERVICE#>` reads as an IRI to a tokenizer, as `?c < ?c+1) SERVICE # comment` to the parser
    "SELECT * WHERE { BIND(1 AS ?c) FILTER(?c<?c+1)SERVICE#>\n<{L}> { ?s ?p ?o } }",
    "ASK { SERVICE <{L}> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{L}> { ?s ?p ?o } }",
    "DESCRIBE ?s WHERE { SERVICE <{L}> { ?s ?p ?o } }",
]
# pyoxigraph evaluates SERVICE ?var on its own and refuses an unbound variable; other engines (a
# remote endpoint behind --endpoint) bind it from the rest of the query: refused all the same
VARIABLE_ENDPOINTS = [
    "SELECT * WHERE { VALUES ?endpoint { <{L}> } SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES $endpoint { <{L}> } SERVICE SILENT $endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<{L}> AS ?e) { SELECT * WHERE { SERVICE ?e { ?s ?p ?o } } } }",
    "SELECT * WHERE { VALUES ?v { <{L}> } BIND(1 AS ?c) FILTER(?c<?c+1)SERVICE?v#>\n{ ?s ?p ?o } }",
]
HARMLESS = [
    "SELECT ?s WHERE { ?s <http://schema.org/Service> ?o }",
    'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }',
    "SELECT ?service WHERE { ?service ?p ?o } # SERVICE <http://127.0.0.1:9/> {}",
    "PREFIX service: <http://x/> SELECT * WHERE { ?s service:SERVICE ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<5&&?o>3) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 5 && ?o > 3) }",
    "ASK { ?s ?p ?o }",
]


def spell(query: str, url: str) -> str:
    return query.replace("{L}", url).replace("{B}", url.removesuffix("sparql"))


def guard_refuses(query: str) -> bool:
    """The guard's verdict, with the parser check run here (safe: its text holds no SERVICE)."""
    try:
        clauses = check_federation(query)
    except FederationError:
        return True
    text = parser_check_query(query, clauses)
    if text is None:
        return False
    try:
        Store().query(text)
    except SyntaxError:
        return True
    return False


def _plain_store() -> Store:
    store = Store()
    for value in (Literal(True), Literal(1)):
        store.add(Quad(NamedNode("http://x/a"), NamedNode("http://x/b"), value))
    return store


@pytest.mark.parametrize("query", HOSTILE)
def test_each_spelling_really_calls_out_and_the_guard_refuses_it(query, listener):
    hostile = spell(query, listener.url)
    answer = _plain_store().query(hostile)
    bool(answer) if isinstance(answer, QueryBoolean) else list(answer)
    assert listener.requests, f"not a real SERVICE spelling (pyoxigraph sent nothing): {hostile!r}"
    assert guard_refuses(hostile), hostile


@pytest.mark.parametrize("query", VARIABLE_ENDPOINTS)
def test_variable_endpoints_are_refused(query, listener):
    assert guard_refuses(spell(query, listener.url))


@pytest.mark.parametrize("query", HARMLESS)
def test_queries_that_only_mention_service_are_not_refused(query):
    assert not guard_refuses(query)


def test_refusal_names_the_endpoint_and_the_flag(listener):
    with pytest.raises(
        FederationError, match=r"SERVICE \(<http://127\.0\.0\.1:\d+/sparql>\) refused.*--allow-service"
    ):
        check_federation(spell(HOSTILE[0], listener.url))


@pytest.mark.parametrize("index", [0, 2, 13, 18, 21, 22])
def test_query_store_refuses_and_the_listener_gets_nothing(store_dir, listener, index):
    with pytest.raises(FederationError):
        query_store(store_dir, spell(HOSTILE[index], listener.url), 30)
    assert listener.requests == []


def test_an_allowed_endpoint_is_called_and_only_that_one(store_dir, listener):
    query = spell("SELECT ?s WHERE { SERVICE <{L}> { ?s ?p ?o } }", listener.url)
    answer = json.loads(query_store(store_dir, query, 30, allowed_endpoints=(listener.url,)))
    assert answer["results"]["bindings"] == [{"s": {"type": "uri", "value": "http://leak/x"}}]
    assert len(listener.requests) == 1 and listener.requests[0]["method"] in ("GET", "POST")
    with pytest.raises(FederationError, match="not an allowed endpoint"):
        query_store(store_dir, query.replace("/sparql", "/other"), 30, allowed_endpoints=(listener.url,))
    variable = spell(VARIABLE_ENDPOINTS[0], listener.url)
    with pytest.raises(FederationError, match="full <IRI>"):
        query_store(store_dir, variable, 30, allowed_endpoints=(listener.url,))
    hidden = spell(HOSTILE[21], listener.url)  # a SERVICE the tokenizer cannot see, to an allowed endpoint
    with pytest.raises(FederationError, match="does not parse once its SERVICE keywords are disabled"):
        query_store(store_dir, hidden, 30, allowed_endpoints=(listener.url,))
    assert len(listener.requests) == 1


def test_cli_kg_query_refuses_in_one_line_with_exit_2(store_dir, listener):
    result = CliRunner().invoke(
        cli_app, ["kg", "query", "--store", str(store_dir), spell(HOSTILE[2], listener.url)]
    )
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: SPARQL SERVICE") and len(result.output.strip().splitlines()) == 1
    assert listener.requests == []


def test_cli_kg_query_to_an_endpoint_refuses_service_before_sending(listener):
    # the query goes to the listener itself (as --endpoint): a SERVICE in it is refused before sending
    hostile = spell(HOSTILE[0], listener.url.replace("/sparql", "/internal"))
    result = CliRunner().invoke(cli_app, ["kg", "query", "--endpoint", listener.url, hostile])
    assert result.exit_code == 2 and "SERVICE" in result.output
    assert listener.requests == []


def test_http_api_answers_400_and_the_listener_gets_nothing(graph_run_dir, listener):
    graph = load_run_graph(graph_run_dir, timeout_s=30)
    with LiveServer(create_app({}, None, graph=graph)) as url:
        for index in (0, 2, 13, 14, 18, 21):
            response = httpx.post(
                f"{url}/v1/kg/query", json={"query": spell(HOSTILE[index], listener.url)}, timeout=60
            )
            assert response.status_code == 400, (index, response.text)
            assert response.json()["error"]["message"].startswith("SPARQL")
        ok = httpx.post(f"{url}/v1/kg/query", json={"query": HARMLESS[0]}, timeout=60)
        assert ok.status_code == 200, ok.text
    assert listener.requests == []


def _connect_after_isolation(port: int, answers) -> None:
    isolated = _isolate_network()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
        answers.put((isolated, "connected"))
    except OSError as error:
        answers.put((isolated, type(error).__name__))


def test_the_query_process_has_no_network_where_linux_allows(listener):
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    process = context.Process(
        target=_connect_after_isolation, args=(listener.server.server_address[1], answers)
    )
    process.start()
    isolated, outcome = answers.get(timeout=120)
    process.join(30)
    if not isolated:
        pytest.skip("no network namespace here (needs root or unprivileged user namespaces)")
    assert outcome != "connected"


def test_updates_stay_refused(store_dir):
    with pytest.raises(KnowledgeError, match="update"):
        query_store(store_dir, "INSERT DATA { <http://a> <http://b> <http://c> }", 30)

from vertical.retrieve.facts import load_graph_facts

EX = "http://example.org/fin/"


def test_the_facts_of_a_question_are_about_its_entities_with_their_triples(finance_knowledge_dir):
    facts = load_graph_facts(finance_knowledge_dir)
    assert facts is not None
    assert facts.entities_in("Where is Acme Bank based, and is it on Nasdaq?") == [
        EX + "AcmeBank",
        EX + "Nasdaq",
    ]
    found = facts.facts("Where is Acme Bank based?", limit=10)
    assert found and all(f.subject == EX + "AcmeBank" for f in found)
    headquarters = [f for f in found if f.predicate == EX + "headquarters"]
    assert headquarters[0].object == EX + "Shanghai"
    assert headquarters[0].sentence == "Acme Bank headquarters Shanghai."
    assert len(facts.facts("Where is Acme Bank based?", limit=2)) == 2
    assert facts.facts("nothing the graph knows", limit=5) == []


def test_the_same_facts_come_from_a_remote_sparql_endpoint(finance_knowledge_dir):
    import threading
    import urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from pyoxigraph import QueryResultsFormat, Store

    store = Store.read_only(str(finance_knowledge_dir / "store"))
    asked = []

    class Handler(BaseHTTPRequestHandler):  # a SPARQL 1.1 Protocol endpoint, as Oxigraph server answers
        def do_POST(self):  # noqa: N802
            sparql = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())[
                "query"
            ][0]
            asked.append(sparql)
            body = store.query(sparql).serialize(format=QueryResultsFormat.JSON)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        remote = load_graph_facts(
            finance_knowledge_dir, endpoint=f"http://127.0.0.1:{server.server_port}/query"
        )
        question = "Is Bank of China listed in Shanghai?"
        assert remote.facts(question, limit=20) == load_graph_facts(finance_knowledge_dir).facts(
            question, limit=20
        )
        assert asked and "VALUES ?s" in asked[0]
    finally:
        server.shutdown()

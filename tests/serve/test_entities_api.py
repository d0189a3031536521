"""/v1/ner/{task}, /v1/link and /v1/kg/query on a real server on loopback: scopes, errors, redaction."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.serve.live import LiveServer
from vertical.serve.app import create_app
from vertical.serve.graph import load_run_graph
from vertical.serve.keys import add_key, read_keys
from vertical.serve.limits import Limits
from vertical.serve.redaction import Redactor
from vertical.serve.registry import load_run_classifiers, load_run_taggers, served_tasks
from vertical.serve.server import ServeSettings, build_app

EX = "http://example.org/fin/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
LIMITS = Limits(max_body_bytes=20_000, max_texts=8, max_text_chars=500)
NER_TEXTS = ["Acme Bank opened a branch in Beijing", "In Seattle , Nasdaq raised rates", "nothing here today"]


@pytest.fixture(scope="module")
def served(entity_run_dir):
    return (
        load_run_classifiers(entity_run_dir),
        load_run_taggers(entity_run_dir),
        load_run_graph(entity_run_dir, timeout_s=20),
    )


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    return path, {
        "all": add_key(path, "all"),
        "topic": add_key(path, "topic-only", ["topic"]),
        "entities": add_key(path, "entities", ["ents", "link"]),
        "kg": add_key(path, "kg-only", ["kg"]),
    }


@pytest.fixture(scope="module")
def server(served, keys):
    classifiers, taggers, graph = served
    app = create_app(classifiers, read_keys(keys[0]), LIMITS, taggers=taggers, graph=graph)
    with LiveServer(app) as url:
        yield url


def client(url: str, key: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=60)


def test_run_folder_tasks_are_told_apart_by_architecture(entity_run_dir, served):
    assert served_tasks(entity_run_dir) == {"ents": "ner", "topic": "classification"}
    classifiers, taggers, graph = served
    assert list(classifiers) == ["topic"] and list(taggers) == ["ents"]
    assert taggers["ents"].labels == ["LOC", "ORG"]
    assert graph is not None and graph.linker is not None and graph.store_dir is not None


def test_models_lists_ner_link_and_kg_by_key_scope(server, keys):
    _, key = keys
    listed = {m["task"]: m for m in client(server, key["all"]).get("/v1/models").json()["models"]}
    assert {name: m["endpoint"] for name, m in listed.items()} == {
        "topic": "/v1/classify/topic",
        "ents": "/v1/ner/ents",
        "link": "/v1/link",
        "kg": "/v1/kg/query",
    }
    assert listed["ents"]["type"] == "ner" and listed["ents"]["labels"] == ["LOC", "ORG"]
    scoped = client(server, key["entities"]).get("/v1/models").json()["models"]
    assert sorted(m["task"] for m in scoped) == ["ents", "link"]


def test_ner_answers_what_the_tagger_says_with_graph_links(server, keys, served):
    _, taggers, _ = served
    response = client(server, keys[1]["entities"]).post("/v1/ner/ents", json={"texts": NER_TEXTS})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["task"] == "ents" and body["variant"] == "full"
    expected = taggers["ents"].entities(NER_TEXTS)
    for text, result, entities in zip(NER_TEXTS, body["results"], expected, strict=True):
        assert result["text"] == text
        assert [(e["start"], e["end"], e["type"]) for e in result["entities"]] == [
            (e.start, e.end, e.type) for e in entities
        ]
        for entity in result["entities"]:
            assert entity["text"] == text[entity["start"] : entity["end"]] and 0 < entity["score"] <= 1
    first = {e["text"]: e for e in body["results"][0]["entities"]}
    assert (
        first["Acme Bank"]["type"] == "ORG" and first["Beijing"]["type"] == "LOC"
    )  # the tiny tagger learned
    assert first["Acme Bank"]["link"] == {"id": EX + "AcmeBank", "label": "Acme Bank", "type": EX + "Company"}
    assert first["Beijing"]["link"]["id"] == EX + "Beijing"


def test_link_finds_the_graph_entities_named(server, keys, served):
    _, _, graph = served
    texts = ["The People's Bank of China and Acme lent in renminbi.", "no entity here"]
    response = client(server, keys[1]["entities"]).post("/v1/link", json={"texts": texts})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    mentions = [(m["text"], m["id"], m["label"]) for m in results[0]["mentions"]]
    assert mentions == [
        ("People's Bank of China", EX + "PeoplesBankOfChina", "People's Bank of China"),
        ("Acme", EX + "AcmeBank", "Acme Bank"),
        ("renminbi", EX + "Renminbi", "renminbi"),
    ]
    assert [(m["start"], m["end"]) for m in results[0]["mentions"]] == [
        (s.start, s.end) for s in graph.link(texts[:1])[0]
    ]
    assert results[1] == {"text": "no entity here", "mentions": []}


def test_kg_select_ask_and_construct(server, keys):
    http = client(server, keys[1]["kg"])
    select = http.post(
        "/v1/kg/query",
        json={"query": f"SELECT ?label WHERE {{ <{EX}AcmeBank> <{RDFS_LABEL}> ?label }}"},
    )
    assert select.status_code == 200, select.text
    body = select.json()
    assert body["form"] == "SELECT" and "triples" not in body
    assert sorted(b["label"]["value"] for b in body["results"]["results"]["bindings"]) == [
        "Acme Bank",
        "艾克米银行",
    ]
    ask = http.post(
        "/v1/kg/query", json={"query": f"ASK {{ <{EX}AcmeBank> ?p <{EX}Shanghai> }}", "timeout": 5}
    )
    assert ask.json() == {"form": "ASK", "results": {"head": {}, "boolean": True}}
    construct = http.post(
        "/v1/kg/query", json={"query": f"CONSTRUCT {{ <{EX}Apple> ?p ?o }} WHERE {{ <{EX}Apple> ?p ?o }}"}
    )
    assert (
        construct.json()["form"] == "CONSTRUCT"
        and f"<{EX}Apple> <{EX}listedOn> <{EX}Nasdaq> ." in construct.json()["triples"]
    )


def _triples(http: httpx.Client) -> int:
    answer = http.post("/v1/kg/query", json={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    return int(answer["results"]["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ <{EX}x> <{EX}y> <{EX}z> }}",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://example.org/fin/>\nCLEAR ALL",
        "# a comment first\n  drop all",
    ],
)
def test_a_sparql_update_is_refused_and_changes_nothing(server, keys, update):
    http = client(server, keys[1]["kg"])
    before = _triples(http)
    response = http.post("/v1/kg/query", json={"query": update})
    assert response.status_code == 400
    assert (
        "SPARQL update" in response.json()["error"]["message"]
        and "refused" in response.json()["error"]["message"]
    )
    assert _triples(http) == before


def test_bad_and_slow_queries(server, keys):
    http = client(server, keys[1]["kg"])
    syntax = http.post("/v1/kg/query", json={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert syntax.status_code == 400 and "syntax error" in syntax.json()["error"]["message"]
    assert http.post("/v1/kg/query", json={"query": "hello"}).status_code == 400
    assert (
        http.post("/v1/kg/query", json={"query": "ASK {}", "timeout": 999}).status_code == 422
    )  # over the cap
    slow = http.post(
        "/v1/kg/query",
        json={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?q ?o }",
            "timeout": 1,
        },
    )
    assert slow.status_code == 504 and "timeout of 1 s" in slow.json()["error"]["message"]
    assert _triples(http) > 0  # still answering


@pytest.mark.parametrize(
    ("key_name", "method", "path", "body"),
    [
        ("topic", "POST", "/v1/ner/ents", {"texts": ["a"]}),
        ("topic", "POST", "/v1/link", {"texts": ["a"]}),
        ("topic", "POST", "/v1/kg/query", {"query": "ASK {}"}),
        ("entities", "POST", "/v1/kg/query", {"query": "ASK {}"}),
        ("entities", "POST", "/v1/classify/topic", {"texts": ["a"]}),
        ("kg", "POST", "/v1/ner/ents", {"texts": ["a"]}),
        ("kg", "POST", "/v1/link", {"texts": ["a"]}),
    ],
)
def test_a_key_limited_to_other_scopes_is_403(server, keys, key_name, method, path, body):
    response = client(server, keys[1][key_name]).request(method, path, json=body)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("path", ["/v1/ner/ents", "/v1/link", "/v1/kg/query"])
def test_no_key_is_401(server, path):
    response = client(server).post(path, json={"texts": ["a"]})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_bad_bodies_and_unknown_task(server, keys):
    http = client(server, keys[1]["all"])
    assert http.post("/v1/ner/nope", json={"texts": ["a"]}).status_code == 404
    assert http.post("/v1/ner/topic", json={"texts": ["a"]}).status_code == 404  # a classifier, not a tagger
    for path in ("/v1/ner/ents", "/v1/link"):
        assert http.post(path, json={"texts": ["a"] * 9}).status_code == 422
        assert http.post(path, json={"texts": ["y" * 501]}).status_code == 422
        assert http.post(path, json={"texts": []}).status_code == 422
        assert (
            http.post(path, content=b"{oops", headers={"Content-Type": "application/json"}).status_code == 422
        )
    assert http.post("/v1/kg/query", json={"query": ""}).status_code == 422
    assert http.post("/v1/kg/query", json={"sparql": "ASK {}"}).status_code == 422
    big = http.post(
        "/v1/link",
        content=b'{"texts": ["' + b"x" * 30_000 + b'"]}',
        headers={"Content-Type": "application/json"},
    )
    assert big.status_code == 413
    assert http.post("/v1/link", json={"texts": ["Acme"]}).status_code == 200  # still serving


def test_concurrent_mixed_requests_all_answered_correctly(server, keys, served):
    classifiers, taggers, graph = served
    key = keys[1]["all"]
    texts = [f"Acme Bank opened a branch in {place}" for place in ("Beijing", "Shanghai", "Seattle")] * 6
    expected_ner = taggers["ents"].entities(texts)
    expected_links = graph.link(texts)
    expected_topic = classifiers["topic"].probabilities(texts).argmax(axis=1)

    def one(index: int) -> bool:
        text = texts[index]
        with client(server, key) as http:
            kind = index % 3
            if kind == 0:
                entities = http.post("/v1/ner/ents", json={"texts": [text]}).json()["results"][0]["entities"]
                return [(e["start"], e["end"], e["type"]) for e in entities] == [
                    (e.start, e.end, e.type) for e in expected_ner[index]
                ]
            if kind == 1:
                mentions = http.post("/v1/link", json={"texts": [text]}).json()["results"][0]["mentions"]
                return [m["id"] for m in mentions] == [s.entity_id for s in expected_links[index]]
            label = http.post("/v1/classify/topic", json={"texts": [text]}).json()["results"][0]["label"]
            return label == classifiers["topic"].labels[int(expected_topic[index])]

    with ThreadPoolExecutor(12) as pool:
        assert all(pool.map(one, range(len(texts))))


def test_redaction_of_echoed_texts_entities_and_graph_literals(entity_run_dir):
    app = build_app(ServeSettings(entity_run_dir, no_auth=True, redact=True, limits=LIMITS))
    text = "Acme Bank opened a branch in Beijing, call +1 415 555 0100 or write to jo.li@acme-bank.com"
    with LiveServer(app) as url:
        http = client(url)
        ner = http.post("/v1/ner/ents", json={"texts": [text]}).json()["results"][0]
        assert "415" not in ner["text"] and "jo.li@" not in ner["text"]
        assert (
            "<PHONE>" in ner["text"]
            and "<EMAIL>" in ner["text"]
            and ner["text"].startswith("Acme Bank opened")
        )
        for entity in ner["entities"]:
            assert "415" not in entity["text"] and "@" not in entity["text"]
        linked = http.post("/v1/link", json={"texts": [text]}).json()["results"][0]
        assert "<EMAIL>" in linked["text"] and [m["text"] for m in linked["mentions"]][:2] == [
            "Acme Bank",
            "Beijing",
        ]
        query = 'SELECT ?x WHERE { BIND("write to jo.li@acme-bank.com" AS ?x) }'
        bindings = http.post("/v1/kg/query", json={"query": query}).json()["results"]["results"]["bindings"]
        assert bindings == [{"x": {"type": "literal", "value": "write to <EMAIL>"}}]


def test_redactor_hides_personal_data_cut_by_a_span():
    redactor = Redactor(True)
    text = "ring 415-555-0100 now"
    found = redactor.find(text)
    assert [item.kind for item in found] == ["PHONE"]
    assert redactor.span(text, 0, 9, found) == "ring <PHONE>"  # the span cuts the number: none of it shows
    assert redactor.span(text, 18, 21, found) == "now"
    assert Redactor(False).span(text, 0, 9, []) == "ring 415-"


def test_a_graph_the_recipe_dropped_is_not_served(entity_run_dir, tmp_path):
    run_dir = tmp_path / "tiny"
    shutil.copytree(entity_run_dir, run_dir)
    assert load_run_graph(run_dir, timeout_s=20) is not None
    plan = json.loads((run_dir / "stages.json").read_text())
    plan["stages"].remove("knowledge")  # the recipe dropped its knowledge section and ran again
    (run_dir / "stages.json").write_text(json.dumps(plan))
    assert load_run_graph(run_dir, timeout_s=20) is None

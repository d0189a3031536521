"""Hostile HTTP requests: no 5xx, no file outside the package served, nothing loaded from another host.

A real server on loopback over a run with a knowledge graph (linking and SPARQL), with keys.
"""

from __future__ import annotations

import json
import random
import re
import string

import httpx
import pytest

from tests.serve.live import LiveServer
from vertical.serve.app import create_app
from vertical.serve.graph import load_run_graph
from vertical.serve.keys import add_key, read_keys
from vertical.serve.limits import Limits

LIMITS = Limits(max_body_bytes=50_000, max_texts=8, max_text_chars=500)


@pytest.fixture(scope="module")
def served(graph_run_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    key = add_key(path, "admin")
    graph = load_run_graph(graph_run_dir, timeout_s=20)
    app = create_app({}, read_keys(path), LIMITS, graph=graph)
    with LiveServer(app) as url:
        yield url, key, app


def _client(url: str, key: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=60)


def test_docs_page_names_no_other_host_and_its_assets_are_served(served):
    url, _, _ = served
    with _client(url) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "SwaggerUIBundle" in page.text
        references = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
        assert references and all(ref.startswith("/") and not ref.startswith("//") for ref in references), (
            references
        )
        assert not re.search(r"https?://", page.text), "the docs page names an external host"
        for ref in references:
            if ref != "/openapi.json":
                asset = client.get(ref)
                assert asset.status_code == 200 and len(asset.content) > 500, ref
        assert client.get("/redoc").status_code == 404  # ReDoc loads from a CDN: off


@pytest.mark.parametrize(
    "path",
    [
        "/docs/assets/..%2F..%2F..%2Fetc%2Fpasswd",
        "/docs/assets/%2e%2e/%2e%2e/__init__.py",
        "/docs/assets/../../../../etc/passwd",
        "/docs/assets/index.html",
        "/docs/assets/swagger-ui-bundle.js.map",
        "/v1/classify/..%2F..%2F..%2Fetc%2Fpasswd",
        "/v1/ner/..%2Fknowledge%2Fstore",
        "/..%2f..%2fetc%2fpasswd",
        "/static/index.html",
        "//etc/passwd",
    ],
)
def test_path_traversal_reads_nothing(served, path):
    url, key, _ = served
    with _client(url, key) as client:
        response = (
            client.get(path)
            if "classify" not in path and "ner" not in path
            else client.post(path, json={"texts": ["x"]})
        )
    assert response.status_code in (403, 404, 405), (path, response.status_code)
    assert "root:" not in response.text and "import" not in response.text


def test_oversize_bodies_are_refused_before_reading(served):
    url, key, _ = served
    big = json.dumps({"texts": ["x" * 400] * 200}).encode()
    with _client(url, key) as client:
        declared = client.post("/v1/link", content=big, headers={"Content-Type": "application/json"})
        assert declared.status_code == 413 and declared.json()["error"]["code"] == "body_too_large"

        def chunks():
            for _ in range(100):
                yield b"x" * 1000

        streamed = client.post("/v1/link", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413
        assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("depth", [1_000, 20_000])
def test_deeply_nested_json_is_a_422(served, depth):
    url, key, _ = served
    body = '{"texts": ' + "[" * depth + "]" * depth + "}"
    with _client(url, key) as client:
        for route in ("/v1/link", "/v1/kg/query"):
            response = client.post(route, content=body, headers={"Content-Type": "application/json"})
            assert response.status_code == 422, (route, response.status_code, response.text[:200])
        assert client.get("/healthz").status_code == 200


def test_invalid_utf8_body_is_a_422_as_documented(served):
    url, key, _ = served
    with _client(url, key) as client:
        response = client.post(
            "/v1/link", content=b'{"texts": ["caf\xe9"]}', headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422, response.text
    assert (
        response.json()["error"]["code"] == "invalid_request"
        and "UTF-8" in response.json()["error"]["message"]
    )


def test_malformed_json_keeps_the_parsers_message(served):
    url, key, _ = served
    with _client(url, key) as client:
        response = client.post(
            "/v1/link", content=b'{"texts": ["a",]}', headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "body: not valid JSON at character 15: Expecting value"


def _random_json(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, 1e308, -0.0, 3.5])
    if kind in (3, 4, 5):
        alphabet = string.printable + "é中\u202e\x00\ud7ff"
        return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 5, 600])))
    if kind in (6, 7):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(10))]
    keys = ["texts", "query", "timeout", "prompt", "x", ""]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def _random_body(rng: random.Random) -> bytes:
    choice = rng.randrange(6)
    if choice == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
    if choice == 1:
        return json.dumps({"texts": [_random_json(rng) for _ in range(rng.randrange(12))]}).encode()
    if choice == 2:
        query = rng.choice(["SELECT * WHERE { ?s ?p ?o } LIMIT 3", "ASK {", "DESCRIBE <http://x>", "SERVICE"])
        return json.dumps({"query": query, "timeout": _random_json(rng)}).encode()
    return (
        json.dumps(_random_json(rng)).encode(errors="surrogatepass")
        if choice == 3
        else b"{" * rng.randrange(50)
    )


def test_seeded_fuzz_of_every_endpoint_gives_no_server_error(served):
    """A bounded random fuzz (schemathesis, when installed, runs in tests/serve/test_schema_fuzz.py)."""
    url, key, app = served
    rng = random.Random(14)
    routes = sorted(app.openapi()["paths"]) + ["/", "/docs", "/docs/assets/{name}", "/openapi.json"]
    assert "/v1/kg/query" in routes and "/v1/link" in routes, routes
    seen = set()
    with _client(url, key) as client:
        for _ in range(300):
            path = rng.choice(routes).replace("{task}", rng.choice(["topic", "..", "%00", "a" * 300, "ents"]))
            path = path.replace("{name}", rng.choice(["swagger-ui.css", "..", "x"]))
            method = rng.choice(["GET", "POST", "POST", "PUT", "DELETE", "OPTIONS"])
            headers = {
                "Content-Type": rng.choice(
                    ["application/json", "text/plain", "application/x-www-form-urlencoded"]
                )
            }
            if rng.random() < 0.2:
                headers["Authorization"] = rng.choice(
                    ["Bearer", "Bearer vk_", "Basic xx", "Bearer " + "\u00e9" * 3]
                )
            try:
                response = client.request(method, path, content=_random_body(rng), headers=headers)
            except (httpx.LocalProtocolError, UnicodeEncodeError):
                continue  # the client refused to send it (e.g. a non-ASCII header)
            seen.add(response.status_code)
            assert response.status_code < 500, (method, path, response.status_code, response.text[:300])
        assert client.get("/healthz").status_code == 200
    assert {200, 404, 422} <= seen

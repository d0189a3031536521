"""The HTTP API on a real uvicorn server on loopback, spoken to with httpx."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest

from tests.serve.live import LiveServer
from vertical.serve.app import create_app
from vertical.serve.keys import add_key, read_keys
from vertical.serve.limits import Limits
from vertical.serve.registry import load_run_classifiers

TEXTS = ["deposits and mortgage news 3", "processor and wafer news 7", "a text about nothing in particular"]
LIMITS = Limits(max_body_bytes=20_000, max_texts=8, max_text_chars=500)


@pytest.fixture(scope="module")
def classifiers(tiny_run_dir):
    return load_run_classifiers(tiny_run_dir, "full")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    return path, add_key(path, "everything"), add_key(path, "other-task-only", ["not-topic"])


@pytest.fixture(scope="module")
def server(classifiers, keys):
    path, _, _ = keys
    with LiveServer(create_app(classifiers, read_keys(path), LIMITS)) as url:
        yield url


def client(url: str, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=url, headers=headers, timeout=30)


def test_keys_file_stores_only_hashes(keys):
    path, full_key, limited_key = keys
    text = path.read_text()
    assert full_key not in text and limited_key not in text
    assert len(json.loads(text)["keys"]) == 2
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_healthz_needs_no_key(server):
    response = client(server).get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_classify_answers_a_batch_like_the_model_itself(server, keys, classifiers):
    _, key, _ = keys
    response = client(server, key).post("/v1/classify/topic", json={"texts": TEXTS})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["task"] == "topic" and body["variant"] == "full" and len(body["results"]) == len(TEXTS)
    expected = classifiers["topic"].probabilities(TEXTS)  # (N, C)
    labels = classifiers["topic"].labels
    assert sorted(labels) == ["bank", "chip"]
    for result, row in zip(body["results"], expected, strict=True):
        assert result["label"] == labels[int(row.argmax())]
        expected_probabilities = dict(zip(labels, row.tolist(), strict=True))
        assert result["probabilities"] == pytest.approx(expected_probabilities, abs=1e-5)
        assert sum(result["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)


def test_models_lists_what_the_key_may_call(server, keys):
    _, full_key, limited_key = keys
    models = client(server, full_key).get("/v1/models").json()["models"]
    assert [(m["task"], m["endpoint"]) for m in models] == [("topic", "/v1/classify/topic")]
    assert sorted(models[0]["labels"]) == ["bank", "chip"]
    listed = client(server, limited_key).get("/v1/models").json()
    assert listed == {"models": [], "object": "list", "data": []}


def test_x_api_key_header_works_too(server, keys):
    _, key, _ = keys
    response = client(server).post("/v1/classify/topic", json={"texts": ["x"]}, headers={"X-API-Key": key})
    assert response.status_code == 200


@pytest.mark.parametrize("key", [None, "vk_wrong", ""])
def test_missing_or_wrong_key_is_401(server, key):
    for method, path in (("POST", "/v1/classify/topic"), ("GET", "/v1/models"), ("GET", "/metrics")):
        response = client(server, key).request(
            method, path, json={"texts": ["a"]} if method == "POST" else None
        )
        assert response.status_code == 401, (path, response.text)
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def test_key_limited_to_other_tasks_is_403(server, keys):
    _, _, limited_key = keys
    response = client(server, limited_key).post("/v1/classify/topic", json={"texts": ["a"]})
    assert response.status_code == 403
    assert "may not call task 'topic'" in response.json()["error"]["message"]


def test_unknown_task_is_404(server, keys):
    _, key, _ = keys
    response = client(server, key).post("/v1/classify/nope", json={"texts": ["a"]})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_body_over_the_limit_is_413_before_parsing(server, keys):
    _, key, _ = keys
    big = json.dumps({"texts": ["x" * 400] * 60})  # > 20,000 bytes
    response = client(server, key).post(
        "/v1/classify/topic", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_body_over_the_limit_without_content_length_is_413(server, keys):
    _, key, _ = keys

    def chunks():
        for _ in range(30):
            yield b"x" * 1000

    response = client(server, key).post("/v1/classify/topic", content=chunks())  # chunked: no length
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"texts": ["a"] * 9}, "texts"),  # more than max_texts
        ({"texts": ["y" * 501]}, "texts.0"),  # a text longer than max_text_chars
        ({"texts": []}, "texts"),
        ({"texts": [""]}, "texts.0"),
        ({"text": "a"}, "texts"),
        ({"texts": "not a list"}, "texts"),
    ],
)
def test_bad_bodies_are_422_with_a_clear_message(server, keys, body, where):
    _, key, _ = keys
    response = client(server, key).post("/v1/classify/topic", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["message"].startswith(where)


def test_malformed_json_is_422(server, keys):
    _, key, _ = keys
    response = client(server, key).post(
        "/v1/classify/topic", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_concurrent_requests_all_get_their_own_answer(server, keys, classifiers):
    _, key, _ = keys
    texts = [
        f"{word} news {n}" for n in range(40) for word in ("deposits and mortgage", "processor and wafer")
    ]
    expected = classifiers["topic"].probabilities(texts)  # (N, C), computed one batch at a time
    labels = classifiers["topic"].labels

    def one(text: str) -> dict:
        with client(server, key) as http:
            return http.post("/v1/classify/topic", json={"texts": [text]}).json()["results"][0]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, texts))
    for answer, row in zip(answers, expected, strict=True):
        assert answer["label"] == labels[int(row.argmax())]
        assert [answer["probabilities"][label] for label in labels] == pytest.approx(row.tolist(), abs=1e-4)


def test_server_keeps_serving_after_bad_requests(server, keys):
    _, key, _ = keys
    http = client(server, key)
    for _ in range(3):
        assert http.post("/v1/classify/topic", content=b"\x00\xff garbage").status_code == 422
        assert http.post("/v1/classify/topic", json={"texts": ["z" * 10_000]}).status_code == 422
        assert http.get("/v1/classify/topic").status_code == 405
        assert client(server, "vk_bad").get("/v1/models").status_code == 401
    assert http.post("/v1/classify/topic", json={"texts": ["deposits"]}).status_code == 200


def test_metrics_are_prometheus_text(server, keys):
    _, key, _ = keys
    http = client(server, key)
    http.post("/v1/classify/topic", json={"texts": TEXTS})
    response = http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'vertical_requests_total{route="/v1/classify/{task}",status="200"}' in text
    assert 'vertical_texts_total{task="topic"}' in text
    assert "vertical_batch_texts_bucket" in text and "vertical_request_seconds_count" in text


def test_openapi_schema_shows_endpoints_limits_and_security(server):
    schema = client(server).get("/openapi.json").json()
    assert {"/v1/classify/{task}", "/v1/models", "/healthz", "/metrics"} <= set(schema["paths"])
    request = schema["components"]["schemas"]["ClassifyRequest"]["properties"]["texts"]
    assert request["maxItems"] == LIMITS.max_texts and request["items"]["maxLength"] == LIMITS.max_text_chars
    assert {"HTTPBearer", "APIKeyHeader"} <= set(schema["components"]["securitySchemes"])


def test_no_auth_app_answers_without_a_key(classifiers):
    with LiveServer(create_app(classifiers, None, LIMITS)) as url:
        response = client(url).post("/v1/classify/topic", json={"texts": ["deposits"]})
        assert response.status_code == 200
        assert client(url).get("/").text.startswith("<!doctype html>")


def test_micro_batching_merges_concurrent_requests(classifiers):
    import asyncio

    from vertical.serve.batching import MicroBatcher

    sizes: list[int] = []
    batcher = MicroBatcher(classifiers["topic"].probabilities, 64, 50.0, on_batch=sizes.append)

    async def scenario():
        await batcher.start()
        rows = await asyncio.gather(*(batcher.submit([text]) for text in TEXTS * 4))
        await batcher.stop()
        return rows

    rows = asyncio.run(scenario())
    assert sum(sizes) == 12 and len(sizes) < 12  # fewer model calls than requests
    expected = classifiers["topic"].probabilities(TEXTS * 4)
    np.testing.assert_allclose(np.concatenate(rows), expected, atol=1e-5)

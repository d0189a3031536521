"""POST /v1/generate on a real uvicorn server on loopback, over the decoder run's models."""

from __future__ import annotations

import httpx
import pytest

from tests.serve.live import LiveServer
from vertical.serve.app import create_app
from vertical.serve.generation import load_run_generators
from vertical.serve.keys import add_key, read_keys
from vertical.serve.limits import Limits
from vertical.serve.server import ServeSettings, build_app

LIMITS = Limits(max_body_bytes=20_000, max_texts=4, max_text_chars=200)


@pytest.fixture(scope="module")
def generators(decoder_run_dir):
    return load_run_generators(decoder_run_dir)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    return path, add_key(path, "everything"), add_key(path, "pretrain-only", ["pretrain"])


@pytest.fixture(scope="module")
def server(generators, keys):
    with LiveServer(create_app({}, read_keys(keys[0]), LIMITS, generators=generators)) as url:
        yield url


def post(url: str, key: str | None, body: dict) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{url}/v1/generate", json=body, headers=headers, timeout=60)


def test_the_run_has_its_pretrained_and_task_models(generators):
    assert sorted(generators) == ["pretrain", "sector"]


def test_generate_continues_each_prompt_like_the_model_itself(server, keys, generators):
    _, key, _ = keys
    body = {
        "prompts": ["Zorvex 5 is", "Analysts follow"],
        "model": "pretrain",
        "max_new_tokens": 5,
        "seed": 3,
    }
    response = post(server, key, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model"] == "pretrain" and [r["prompt"] for r in answer["results"]] == body["prompts"]
    expected = generators["pretrain"].generate(body["prompts"], 5, 0.8, 0.95, 3)
    assert [r["text"] for r in answer["results"]] == expected
    assert post(server, key, body).json() == answer  # the seed makes it repeatable


def test_one_prompt_goes_to_the_only_generation_task_by_default(server, keys):
    _, key, _ = keys
    response = post(
        server, key, {"prompt": "Q: sector of Zorvex 2? A:", "temperature": 0, "max_new_tokens": 4}
    )
    assert response.status_code == 200 and response.json()["model"] == "sector"


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"prompt": "a", "prompts": ["b"]}, 422, "not both or neither"),
        ({}, 422, "not both or neither"),
        ({"prompts": ["a"] * 5}, 422, "prompts"),
        ({"prompt": "a", "max_new_tokens": 10_000}, 422, "max_new_tokens"),
        ({"prompt": "a", "temperature": -1}, 422, "temperature"),
        ({"prompt": "a", "stream": True}, 422, "stream"),
        ({"prompt": "a", "model": "nope"}, 404, "no decoder model 'nope'; this run has pretrain, sector"),
    ],
)
def test_bad_requests_get_clear_json_errors(server, keys, body, status, fragment):
    _, key, _ = keys
    response = post(server, key, body)
    assert response.status_code == status
    assert fragment in response.json()["error"]["message"]


def test_keys_are_checked(server, keys):
    _, _, limited = keys
    assert post(server, None, {"prompt": "a"}).status_code == 401
    assert post(server, limited, {"prompt": "a", "model": "sector"}).status_code == 403
    assert post(server, limited, {"prompt": "a", "model": "pretrain", "max_new_tokens": 2}).status_code == 200


def test_an_encoder_run_answers_404(tiny_run_dir):
    app = build_app(ServeSettings(tiny_run_dir, no_auth=True))
    with LiveServer(app) as url:
        response = post(url, None, {"prompt": "a"})
    assert response.status_code == 404 and "has no decoder model" in response.json()["error"]["message"]


def test_serve_builds_an_app_for_a_decoder_run_without_classifiers(decoder_run_dir):
    app = build_app(ServeSettings(decoder_run_dir, no_auth=True))
    with LiveServer(app) as url:
        response = post(url, None, {"prompt": "Zorvex", "max_new_tokens": 3, "seed": 1})
    assert response.status_code == 200 and response.json()["model"] == "sector"

"""The OpenAI-compatible routes, called with the official `openai` client against a live server."""

from __future__ import annotations

import threading
import time

import httpx
import numpy as np
import openai
import pytest
import torch

from tests.serve.chat_fixtures import Gate, chat_retriever  # noqa: F401
from tests.serve.live import LiveServer
from vertical.generate import load_generator
from vertical.retrieve.grounding import cited_numbers
from vertical.serve.app import create_app
from vertical.serve.chat import ChatService
from vertical.serve.generation_limits import GenerationLimits
from vertical.serve.keys import add_key, read_keys

QUESTION = [{"role": "user", "content": "Which sector is Zorvex 3 in?"}]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    return path, add_key(path, "all"), add_key(path, "topic-only", ["topic"])


@pytest.fixture(scope="module")
def service(tiny_llama_dir, chat_retriever):  # noqa: F811
    generators = {"chat": load_generator(tiny_llama_dir, "chat")}
    limits = GenerationLimits(max_prompt_tokens=600, max_output_tokens=64, max_concurrent=1, max_queued=0)
    return ChatService(generators, chat_retriever.encoder, chat_retriever, limits)


@pytest.fixture(scope="module")
def server(service, keys):
    with LiveServer(create_app({}, read_keys(keys[0]), chat=service)) as url:
        yield url


def client(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=60)


def greedy(service: ChatService, ids: list[int], new_tokens: int) -> str:
    """What plain transformers `generate` writes after `ids` (greedy): the reference answer."""
    generator = service.generators["chat"]
    with torch.no_grad():
        output = generator.model.generate(
            torch.tensor([ids]),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long),
            max_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=generator.tokenizer.pad_token_id,
        )
    return generator.tokenizer.decode(output[0, len(ids) :], skip_special_tokens=True)


def test_a_chat_completion_is_what_plain_generate_writes_with_usage_and_sources(server, service, keys):
    answer = client(server, keys[1]).chat.completions.create(
        model="chat", messages=QUESTION, max_tokens=12, temperature=0
    )
    sources = answer.model_extra["sources"]
    assert [s["number"] for s in sources][:2] == [1, 2] and sources[0]["kind"] == "passage"
    assert {"document_id", "start", "end", "text"} <= set(sources[0])
    grounded = service.ground(QUESTION, service.retriever.retrieve(QUESTION[0]["content"]))
    assert "[1] " in grounded[0]["content"] and grounded[0]["content"].endswith(QUESTION[0]["content"])
    ids = service.chat_prompt_ids("chat", grounded)
    assert answer.usage.prompt_tokens == len(ids)
    assert answer.choices[0].message.content == greedy(service, ids, 12)
    assert 1 <= answer.usage.completion_tokens <= 12
    assert answer.choices[0].finish_reason in ("stop", "length")
    citations = answer.model_extra["citations"]
    assert citations == [n for n in cited_numbers(answer.choices[0].message.content) if n <= len(sources)]
    assert [s["cited"] for s in sources] == [s["number"] in citations for s in sources]


def test_a_streamed_chat_completion_carries_the_same_text_usage_and_ends_in_done(server, service, keys):
    api = client(server, keys[1])
    body = {"model": "chat", "messages": QUESTION, "max_tokens": 12, "temperature": 0}
    plain = api.chat.completions.create(**body, extra_body={"retrieval": False})
    chunks = list(
        api.chat.completions.create(
            **body, stream=True, stream_options={"include_usage": True}, extra_body={"retrieval": False}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert (
        text
        == plain.choices[0].message.content
        == greedy(service, service.chat_prompt_ids("chat", QUESTION), 12)
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens
    assert chunks[-2].choices[0].finish_reason == plain.choices[0].finish_reason
    assert "sources" not in plain.model_extra  # closed-book
    with httpx.stream(
        "POST",
        server + "/v1/chat/completions",
        json={**body, "stream": True},
        headers={"Authorization": f"Bearer {keys[1]}"},
        timeout=60,
    ) as response:
        lines = [line for line in response.iter_lines() if line]
    assert response.headers["content-type"].startswith("text/event-stream")
    assert lines[-1] == "data: [DONE]" and '"sources"' in lines[0]


def test_a_completion_and_embeddings_match_plain_transformers(server, service, keys):
    api = client(server, keys[1])
    completion = api.completions.create(
        model="chat", prompt="Zorvex 3 is a firm in", max_tokens=6, temperature=0
    )
    ids = service.completion_prompt_ids("chat", "Zorvex 3 is a firm in")
    assert ids[-1] != service.generators["chat"].tokenizer.eos_token_id  # no end token after a prompt
    assert completion.choices[0].text == greedy(service, ids, 6)
    texts = ["Acme Bank raised deposits.", "wheat harvest"]
    embedded = api.embeddings.create(model="encoder", input=texts)  # the client asks for base64
    vectors = np.array([item.embedding for item in embedded.data])
    np.testing.assert_allclose(vectors, service.encoder.embed(texts), atol=1e-6)
    assert embedded.usage.prompt_tokens == service.encoder.count_tokens(texts)
    as_floats = httpx.post(
        server + "/v1/embeddings",
        json={"input": texts[0], "encoding_format": "float"},
        headers={"Authorization": f"Bearer {keys[1]}"},
    ).json()
    np.testing.assert_allclose(as_floats["data"][0]["embedding"], vectors[0], atol=1e-6)
    assert {m.id for m in api.models.list()} >= {"chat", "encoder"}


def test_keys_401_without_or_with_a_wrong_key_and_403_with_a_key_of_another_scope(server, keys):
    assert (
        httpx.post(server + "/v1/chat/completions", json={"model": "chat", "messages": QUESTION}).status_code
        == 401
    )
    with pytest.raises(openai.AuthenticationError):
        client(server, "vk_wrong").chat.completions.create(model="chat", messages=QUESTION, max_tokens=2)
    with pytest.raises(openai.PermissionDeniedError):
        client(server, keys[2]).chat.completions.create(model="chat", messages=QUESTION, max_tokens=2)
    with pytest.raises(openai.PermissionDeniedError):
        client(server, keys[2]).embeddings.create(model="encoder", input="x")
    assert [m.id for m in client(server, keys[2]).models.list()] == []


def test_limits_refuse_long_answers_and_prompts_and_past_the_queue_429(server, service, keys):
    api = client(server, keys[1])
    with pytest.raises(openai.UnprocessableEntityError):
        api.chat.completions.create(model="chat", messages=QUESTION, max_tokens=65)
    with pytest.raises(openai.BadRequestError, match="the limit is 600"):
        api.chat.completions.create(model="chat", messages=[{"role": "user", "content": "mining " * 700}])
    with Gate(service.generators["chat"].model) as gate:
        first = {}

        def stream_one():
            first["chunks"] = list(
                api.chat.completions.create(model="chat", messages=QUESTION, max_tokens=4, stream=True)
            )

        thread = threading.Thread(target=stream_one)
        thread.start()
        assert gate.entered.wait(30)  # the first request holds the only slot
        with pytest.raises(openai.RateLimitError, match="too many generations"):
            api.chat.completions.create(model="chat", messages=QUESTION, max_tokens=2)
        gate.opened.set()
        thread.join(30)
    assert first["chunks"][-1].choices[0].finish_reason in ("stop", "length")
    assert service.queue.admitted == 0
    assert (
        api.chat.completions.create(model="chat", messages=QUESTION, max_tokens=2).usage.completion_tokens
        >= 1
    )


def test_a_generation_past_its_time_limit_is_stopped_with_504(tiny_llama_dir, keys):  # noqa: F811
    generators = {"chat": load_generator(tiny_llama_dir, "chat")}
    service = ChatService(generators, limits=GenerationLimits(max_output_tokens=8, timeout_s=0.5))
    with LiveServer(create_app({}, None, chat=service)) as url, Gate(generators["chat"].model) as gate:
        started = time.monotonic()
        response = httpx.post(
            url + "/v1/chat/completions",
            json={"model": "chat", "messages": QUESTION, "max_tokens": 4},
            timeout=30,
        )
        gate.opened.set()
    assert response.status_code == 504 and response.json()["error"]["code"] == "timeout"
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 10
    while service.queue.admitted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.queue.admitted == 0

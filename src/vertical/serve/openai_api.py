"""OpenAI-compatible routes: ``/v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings``.

Request and response bodies follow OpenAI's API, so its clients (the ``openai`` package, LangChain,
curl scripts written for vLLM) work by changing the base URL; keys are the server's own
(``Authorization: Bearer vk_...``), and a key limited to some tasks may call only the models named
among them (401 without a key, 403 for another model). ``GET /v1/models`` (in `vertical.serve.app`)
lists the decoders and the encoder with OpenAI's ``data`` list too; ``GET /chat`` is the chat page.

Additions, which OpenAI clients pass with ``extra_body``: ``retrieval`` (false: closed-book;
default: grounded when the run has a retrieve stage), ``retrieval_k`` (passages to retrieve). A
grounded answer carries ``sources`` (each numbered passage with its document id and span, or fact
with its triple, and ``cited``) and ``citations`` (the numbers the answer cited); a stream sends
``sources`` with its first chunk and ``citations`` with its last.

Streams are server-sent events, one ``data: {chunk}`` per piece, ending in ``data: [DONE]``.
Limits (`GenerationLimits`): prompt tokens (400), ``max_tokens`` (422), a bounded queue (429),
a time limit (504; in a stream, an ``error`` event before ``[DONE]``). With ``--redact`` the
generated text and the sources are redacted; a stream then sends whole sentences (personal data
does not span a sentence end, so each is redacted on its own).
"""

# No `from __future__ import annotations`: FastAPI must see the request models.

import base64
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from importlib import resources
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from vertical.retrieve.grounding import cited_numbers
from vertical.serve.chat import ENCODER, ChatService
from vertical.serve.generation_limits import GenerationTimeoutError, QueueFullError
from vertical.serve.limits import Limits, error_body
from vertical.serve.text_stream import StreamState, stream_text


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class _Sampling(BaseModel):
    # OpenAI's parameters this server does not use (presence_penalty, logit_bias, user, ...) are ignored.
    model_config = ConfigDict(extra="ignore", protected_namespaces=())
    model: str = Field(description="a decoder of the run (GET /v1/models)")
    max_tokens: int | None = Field(None, ge=1, description="the most tokens of the answer")
    max_completion_tokens: int | None = Field(None, ge=1, description="the same, newer name")
    temperature: float = Field(1.0, ge=0.0, le=2.0, description="0: greedy")
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    stop: str | list[str] | None = Field(None, description="up to 4 strings that end the answer")
    stream: bool = False
    stream_options: StreamOptions | None = None
    seed: int | None = None
    n: int = Field(1, ge=1, le=1, description="one answer per request")


class ChatRequest(_Sampling):
    messages: list[ChatMessage] = Field(min_length=1)
    retrieval: bool | None = Field(None, description="false: closed-book; default: grounded when possible")
    retrieval_k: int | None = Field(None, ge=1, le=50, description="passages to retrieve")
    facts: bool = Field(True, description="add graph facts about the question's entities")


class CompletionRequest(_Sampling):
    prompt: str | list[str] = Field(description="one prompt (a list of one is accepted)")


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", protected_namespaces=())
    model: str = ENCODER
    input: str | list[str]
    encoding_format: Literal["float", "base64"] = "float"


def _sse(payload: dict | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n".encode()


_SENTENCE_END = re.compile(r"[.!?。！？\n]\s")


class _Redacting:
    """Yields redacted text a sentence at a time (all of it at `flush`); a no-op when redaction is off."""

    def __init__(self, redactor) -> None:
        self.redactor, self.pending = redactor, ""

    def feed(self, piece: str) -> str:
        if not self.redactor.enabled:
            return piece
        self.pending += piece
        ends = list(_SENTENCE_END.finditer(self.pending))
        if not ends:
            return ""
        cut = ends[-1].end()
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        return self.redactor.text(ready)

    def flush(self) -> str:
        ready, self.pending = self.pending, ""
        return self.redactor.text(ready) if ready else ""


def openai_router(chat: ChatService, caller, limits: Limits, errors: dict[int, dict]) -> APIRouter:
    """The routes of the module docstring; `caller` is the app's key dependency (None: no auth)."""
    router = APIRouter(tags=["openai"])
    page = resources.files("vertical.serve").joinpath("static/chat.html").read_text(encoding="utf-8")

    @router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
    async def chat_page() -> str:
        return page

    generation = chat.limits
    statuses = {status: errors[status] for status in (401, 403, 404, 422) if status in errors}

    def choose(key, name: str, kind: str) -> None:
        if key is not None and not key.allows(name):
            raise HTTPException(403, f"this key may not call model {name!r}")
        known = chat.generators if kind == "decoder" else ({ENCODER: chat.encoder} if chat.encoder else {})
        if name not in known:
            have = ", ".join(sorted(known)) or "none"
            raise HTTPException(404, f"no {kind} model {name!r}; this server has {have} (GET /v1/models)")

    def budget(request: _Sampling, prompt_tokens: int, name: str) -> int:
        asked = request.max_completion_tokens or request.max_tokens or generation.max_output_tokens
        if asked > generation.max_output_tokens:
            raise HTTPException(
                422, f"max_tokens: {asked} is more than this server's limit of {generation.max_output_tokens}"
            )
        if prompt_tokens > generation.max_prompt_tokens:
            raise HTTPException(
                400,
                f"the prompt has {prompt_tokens} tokens (sources included); the limit is "
                f"{generation.max_prompt_tokens}: shorten the messages or ask for fewer passages",
            )
        room = chat.generators[name].context - prompt_tokens
        if room < 1:
            raise HTTPException(
                400, f"the prompt fills the model's context of {chat.generators[name].context}"
            )
        return min(asked, room)

    def stops(request: _Sampling, name: str) -> list[str]:
        given = [request.stop] if isinstance(request.stop, str) else list(request.stop or [])
        if len(given) > 4:
            raise HTTPException(422, "stop: at most 4 strings")
        return given + chat.default_stops(name)

    async def admit(deadline: float) -> None:
        try:
            await chat.queue.acquire(max(0.0, deadline - time.monotonic()))
        except QueueFullError as error:
            raise HTTPException(429, f"too many generations: {error}") from None
        except GenerationTimeoutError as error:
            raise HTTPException(504, str(error)) from None

    def generate(request: _Sampling, name: str, ids: list[int], deadline: float, state: StreamState):
        """The pieces of `name`'s answer to `ids` as they are decoded; `state` collects text and counts."""
        generator = chat.generators[name]
        return stream_text(
            generator.model,
            generator.tokenizer,
            ids,
            budget(request, len(ids), name),
            request.temperature,
            request.top_p,
            stops(request, name),
            deadline,
            state,
            request.seed,
        )

    async def run(request: _Sampling, name: str, ids: list[int], deadline: float) -> StreamState:
        state = StreamState(prompt_tokens=len(ids))
        async for _piece in generate(request, name, ids, deadline, state):  # the text is in the state
            pass
        return state

    def usage(state: StreamState) -> dict[str, int]:
        return {
            "prompt_tokens": state.prompt_tokens,
            "completion_tokens": state.completion_tokens,
            "total_tokens": state.prompt_tokens + state.completion_tokens,
        }

    def streamed(
        request: _Sampling, name: str, ids: list[int], deadline: float, kind: str, first: dict, last
    ) -> StreamingResponse:
        """An SSE response; the queue slot taken by `admit` is released when the stream ends."""
        created, ident = int(time.time()), f"{'chatcmpl' if kind == 'chat' else 'cmpl'}-{uuid.uuid4().hex}"
        obj = "chat.completion.chunk" if kind == "chat" else "text_completion"

        def chunk(choice: dict, **extra) -> dict:
            return {
                "id": ident,
                "object": obj,
                "created": created,
                "model": name,
                "choices": [choice],
                **extra,
            }

        def piece_choice(text: str, finish: str | None = None) -> dict:
            if kind == "chat":
                return {"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}
            return {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}

        async def events() -> AsyncIterator[bytes]:
            redacting = _Redacting(chat.redactor)
            answer: list[str] = []
            state = StreamState(prompt_tokens=len(ids))
            try:
                if kind == "chat":
                    yield _sse(
                        chunk(
                            {
                                "index": 0,
                                "delta": {"role": "assistant", "content": ""},
                                "finish_reason": None,
                            },
                            **first,
                        )
                    )
                try:
                    async for piece in generate(request, name, ids, deadline, state):
                        answer.append(piece)
                        ready = redacting.feed(piece)
                        if ready:
                            yield _sse(chunk(piece_choice(ready)))
                    ready = redacting.flush()
                    if ready:
                        yield _sse(chunk(piece_choice(ready)))
                    yield _sse(chunk(piece_choice("", state.finish_reason), **last("".join(answer))))
                    if request.stream_options is not None and request.stream_options.include_usage:
                        yield _sse(
                            {
                                "id": ident,
                                "object": obj,
                                "created": created,
                                "model": name,
                                "choices": [],
                                "usage": usage(state),
                            }
                        )
                except GenerationTimeoutError as error:
                    yield _sse(error_body(504, "timeout", str(error)))
                yield _sse("[DONE]")
            finally:
                chat.queue.release()

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def complete(
        request: _Sampling, name: str, ids: list[int], deadline: float
    ) -> tuple[StreamState, str]:
        budget(request, len(ids), name)  # refuse before waiting in the queue
        stops(request, name)
        await admit(deadline)
        try:
            state = await run(request, name, ids, deadline)
        except GenerationTimeoutError as error:
            raise HTTPException(504, str(error)) from None
        finally:
            chat.queue.release()
        return state, chat.redactor.text(state.text)

    @router.post("/v1/chat/completions", responses=statuses)
    async def chat_completions(body: ChatRequest, key: Annotated[Any, Depends(caller)]):
        """A chat answer in OpenAI's format, grounded in the corpus and graph unless ``retrieval: false``."""
        deadline = time.monotonic() + generation.timeout_s
        choose(key, body.model, "decoder")
        messages = [m.model_dump() for m in body.messages]
        grounded = body.retrieval if body.retrieval is not None else chat.retriever is not None
        if grounded and chat.retriever is None:
            raise HTTPException(
                400, "retrieval: this run has no retrieve stage; add `retrieve:` to the recipe"
            )
        sources = await chat.sources(messages, body.retrieval_k, body.facts) if grounded else []
        if sources:
            messages = chat.ground(messages, sources)
        ids = await run_in_threadpool(chat.chat_prompt_ids, body.model, messages)
        shown = [{**s.as_dict(), "text": chat.redactor.text(s.text)} for s in sources]
        extra_first = {"sources": shown} if grounded else {}

        def extra_last(answer: str) -> dict:
            return {"citations": cited_numbers(answer, len(sources))} if grounded else {}

        if body.stream:
            budget(body, len(ids), body.model)
            stops(body, body.model)
            await admit(deadline)
            return streamed(body, body.model, ids, deadline, "chat", extra_first, extra_last)
        state, text = await complete(body, body.model, ids, deadline)
        cited = extra_last(state.text)
        if grounded:  # each source says whether the answer cited it
            extra_first = {"sources": [{**s, "cited": s["number"] in cited["citations"]} for s in shown]}
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": state.finish_reason,
                }
            ],
            "usage": usage(state),
            **extra_first,
            **cited,
        }

    @router.post("/v1/completions", responses=statuses)
    async def completions(body: CompletionRequest, key: Annotated[Any, Depends(caller)]):
        """A plain continuation of one prompt (OpenAI's legacy completions format), no retrieval."""
        deadline = time.monotonic() + generation.timeout_s
        choose(key, body.model, "decoder")
        prompts = [body.prompt] if isinstance(body.prompt, str) else body.prompt
        if len(prompts) != 1:
            raise HTTPException(422, "prompt: give one prompt per request")
        ids = await run_in_threadpool(chat.completion_prompt_ids, body.model, prompts[0])
        if body.stream:
            budget(body, len(ids), body.model)
            stops(body, body.model)
            await admit(deadline)
            return streamed(body, body.model, ids, deadline, "completion", {}, lambda answer: {})
        state, text = await complete(body, body.model, ids, deadline)
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": body.model,
            "choices": [{"index": 0, "text": text, "finish_reason": state.finish_reason, "logprobs": None}],
            "usage": usage(state),
        }

    @router.post("/v1/embeddings", responses=statuses)
    async def embeddings(body: EmbeddingRequest, key: Annotated[Any, Depends(caller)]):
        """Unit vectors of texts by the run's encoder (the one the retrieve stage indexes with)."""
        choose(key, body.model, "encoder")
        texts = [body.input] if isinstance(body.input, str) else body.input
        if not texts or len(texts) > limits.max_texts:
            raise HTTPException(422, f"input: give 1 to {limits.max_texts} texts")
        if any(len(t) > limits.max_text_chars for t in texts):
            raise HTTPException(422, f"input: a text is longer than {limits.max_text_chars} characters")
        encoder = chat.encoder
        vectors = await run_in_threadpool(encoder.embed, texts)  # (N, D)
        tokens = await run_in_threadpool(encoder.count_tokens, texts)

        def encoded(vector: np.ndarray):
            if body.encoding_format == "base64":
                return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
            return [round(float(x), 7) for x in vector]

        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": encoded(v)} for i, v in enumerate(vectors)
            ],
            "model": body.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    return router

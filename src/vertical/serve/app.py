"""The HTTP API: FastAPI app over the classifiers of a run folder.

Endpoints (all errors are JSON ``{"error": {"status", "code", "message"}}``):

- ``GET /``: the playground page; ``GET /healthz``: liveness, no key needed;
- ``GET /v1/models``: the tasks this key may call, with their labels;
- ``POST /v1/classify/{task}``: ``{"texts": [...]}`` -> a label and probabilities per text;
- ``POST /v1/ner/{task}``, ``POST /v1/link``, ``POST /v1/kg/query``: see `vertical.serve.entities_api`;
- ``POST /v1/generate``: continue prompts with a decoder run's models (`vertical.serve.generation`);
- ``POST /v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings``: OpenAI-compatible, grounded
  by the run's retrieve stage (`vertical.serve.openai_api`);
- ``GET /metrics``: Prometheus text format; needs the scope ``metrics`` (`vertical.serve.metrics_scope`).

A key goes in ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``: a missing or unknown key
is 401, a key not allowed the task is 403. With `keys` None (``--no-auth``) every call is allowed.
"""

# No `from __future__ import annotations`: FastAPI must see the per-app request model, a local.

from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field, StringConstraints, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException

from vertical import __version__
from vertical.compress.variants import TextClassifier
from vertical.generate import TextGenerator
from vertical.serve.batching import MicroBatcher
from vertical.serve.chat import ENCODER, ChatService
from vertical.serve.docs_assets import add_docs_page
from vertical.serve.entities_api import KG_SCOPE, LINK_SCOPE, entity_router
from vertical.serve.generation import generation_router
from vertical.serve.graph import KnowledgeGraph
from vertical.serve.keys import ApiKey, KeyStore
from vertical.serve.limits import BodySizeLimit, Limits, error_body
from vertical.serve.metrics_scope import METRICS_SCOPE, ScopedRegistry
from vertical.serve.openai_api import openai_router
from vertical.serve.redaction import Redactor
from vertical.serve.request_metrics import RequestMetrics
from vertical.serve.tagger import TextTagger


class ClassResult(BaseModel):
    """The answer for one text."""

    label: str = Field(description="the most probable class")
    score: float = Field(description="its probability")
    probabilities: dict[str, float] = Field(description="every class with its probability")


class ClassifyResponse(BaseModel):
    task: str
    variant: str
    results: list[ClassResult] = Field(description="one per input text, in the order given")


class ModelInfo(BaseModel):
    task: str
    type: str = "classification"
    variant: str
    labels: list[str]
    endpoint: str


class OpenAIModel(BaseModel):
    """A model as OpenAI's ``GET /v1/models`` lists it (what OpenAI clients read)."""

    id: str
    object: str = "model"
    created: int = 0
    owned_by: str = "vertical"


class ModelsResponse(BaseModel):
    models: list[ModelInfo]
    object: str = "list"
    data: list[OpenAIModel] = Field(default_factory=list, description="the same models, OpenAI's format")


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


_ERRORS = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (401, "missing or unknown API key"),
        (403, "the key may not call this task"),
        (404, "no such task"),
        (413, "request body too large"),
        (422, "too many texts, a text too long, or a malformed body"),
    )
}
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    504: "timeout",
}


def _request_model(limits: Limits) -> type[BaseModel]:
    # Built per app so that the limits show in the OpenAPI schema and pydantic enforces them (422).
    text = Annotated[str, StringConstraints(min_length=1, max_length=limits.max_text_chars)]
    return create_model(
        "ClassifyRequest",
        texts=(
            list[text],
            Field(min_length=1, max_length=limits.max_texts, description="the texts to classify"),
        ),
        __config__={"extra": "forbid"},
    )


def _describe_validation(errors: list[dict]) -> str:
    first = errors[0]
    place = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{place}: {first.get('msg', 'invalid')}{more}"


def _unreadable_body(error: StarletteHTTPException) -> str | None:
    """Why a body could not be parsed when FastAPI's 400 hides it: bad UTF-8 or JSON nested too deep."""
    cause = error.__cause__
    if error.status_code != 400:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return f"body: not valid UTF-8 (byte {cause.start}); send JSON encoded as UTF-8"
    if isinstance(cause, RecursionError):
        return "body: JSON nested too deeply"
    return None


def create_app(
    classifiers: dict[str, TextClassifier],
    keys: KeyStore | None,
    limits: Limits | None = None,
    max_batch_texts: int = 64,
    max_wait_ms: float = 2.0,
    taggers: dict[str, TextTagger] | None = None,
    graph: KnowledgeGraph | None = None,
    redact: bool = False,
    generators: dict[str, TextGenerator] | None = None,
    chat: ChatService | None = None,
) -> FastAPI:
    """The API over `classifiers` (task name -> classifier); `keys` None turns authentication off.

    Args:
        taggers: NER task name -> tagger, served at /v1/ner/{task}.
        graph: the run's knowledge graph, served at /v1/link and /v1/kg/query (None: neither).
        redact: replace personal data in the texts and entity strings the API sends back.
        generators: decoder model name -> generator, served at /v1/generate.
        chat: the OpenAI-compatible chat, completions and embeddings (default: over `generators`).
    """
    limits = limits or Limits()
    taggers = taggers or {}
    chat = chat or ChatService(generators or {}, redactor=Redactor(redact))
    registry = CollectorRegistry()
    requests_total = Counter(
        "vertical_requests", "HTTP requests by route and status", ["route", "status"], registry=registry
    )
    latency = Histogram("vertical_request_seconds", "request latency by route", ["route"], registry=registry)
    texts_total = Counter("vertical_texts", "texts classified by task", ["task"], registry=registry)
    batch_sizes = Histogram(
        "vertical_batch_texts",
        "texts per model batch (micro-batching)",
        ["task"],
        buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
        registry=registry,
    )
    batchers = {
        task: MicroBatcher(
            classifier.probabilities,
            max_batch_texts,
            max_wait_ms,
            on_batch=lambda size, task=task: batch_sizes.labels(task).observe(size),
        )
        for task, classifier in classifiers.items()
    }

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        for batcher in batchers.values():
            await batcher.start()
        yield
        for batcher in batchers.values():
            await batcher.stop()

    app = FastAPI(
        title="vertical",
        version=__version__,
        description="Classify text with the models of a vertical run folder.",
        lifespan=lifespan,
        responses={413: _ERRORS[413]},
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN; add_docs_page serves it locally
        redoc_url=None,
    )
    add_docs_page(app, "vertical")

    bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <key>")
    header_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <key>")

    def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        api_key: Annotated[str | None, Depends(header_key)],
    ) -> ApiKey | None:
        if keys is None:
            return None
        presented = credentials.credentials if credentials is not None else api_key
        if not presented:
            raise HTTPException(401, "an API key is required: send `Authorization: Bearer <key>`")
        found = keys.find(presented)
        if found is None:
            raise HTTPException(401, "unknown API key")
        return found

    def may_call(key: ApiKey | None, task: str) -> bool:
        return key is None or key.allows(task)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        unreadable = _unreadable_body(error)
        if unreadable is not None:  # FastAPI says 400 for these; they are malformed bodies like any other
            return JSONResponse(error_body(422, "invalid_request", unreadable), 422)
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        code = _CODES.get(error.status_code, "error")
        return JSONResponse(
            error_body(error.status_code, code, str(error.detail)), error.status_code, headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = jsonable_encoder(error.errors(), exclude={"input", "ctx", "url"})
        message = _describe_validation(errors)
        first = error.errors()[0] if error.errors() else {}
        if first.get("type") == "json_invalid":  # keep the parser's own words: where and what
            reason = (first.get("ctx") or {}).get("error", "")
            message = f"body: not valid JSON at character {first['loc'][-1]}: {reason or first.get('msg')}"
        body = error_body(422, "invalid_request", message, details=errors)
        return JSONResponse(body, 422)

    page = resources.files("vertical.serve").joinpath("static/index.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def playground() -> str:
        return page

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process is up and its models are loaded. Needs no key."""
        return {"status": "ok"}

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=Response,
        responses={status: _ERRORS[status] for status in (401, 403)},
    )
    async def metrics(key: Annotated[ApiKey | None, Depends(caller)]) -> Response:
        """Request counts, latencies and batch sizes in the Prometheus text format (scope ``metrics``).

        Per-task series are shown for the tasks this key may call only.
        """
        if not may_call(key, METRICS_SCOPE):
            raise HTTPException(
                403, f"this key may not read {METRICS_SCOPE!r}; add a key with --task metrics"
            )
        visible = ScopedRegistry(registry, lambda task: may_call(key, task))
        return Response(generate_latest(visible), media_type=CONTENT_TYPE_LATEST)

    @app.get("/v1/models", response_model=ModelsResponse, tags=["models"], responses={401: _ERRORS[401]})
    async def models(key: Annotated[ApiKey | None, Depends(caller)]) -> ModelsResponse:
        """The tasks this key may call, with their labels (entity types for NER), and the graph endpoints."""
        served = [
            ModelInfo(task=task, variant=c.variant, labels=c.labels, endpoint=f"/v1/classify/{task}")
            for task, c in sorted(classifiers.items())
        ]
        served += [
            ModelInfo(task=task, type="ner", variant=t.variant, labels=t.labels, endpoint=f"/v1/ner/{task}")
            for task, t in sorted(taggers.items())
        ]
        if graph is not None and graph.linker is not None:
            served.append(
                ModelInfo(task=LINK_SCOPE, type="link", variant="graph", labels=[], endpoint="/v1/link")
            )
        if graph is not None and graph.store_dir is not None:
            served.append(
                ModelInfo(task=KG_SCOPE, type="kg", variant="graph", labels=[], endpoint="/v1/kg/query")
            )
        served += [
            ModelInfo(task=name, type="chat", variant="decoder", labels=[], endpoint="/v1/chat/completions")
            for name in sorted(chat.generators)
        ]
        if chat.encoder is not None:
            served.append(
                ModelInfo(
                    task=ENCODER, type="embeddings", variant="encoder", labels=[], endpoint="/v1/embeddings"
                )
            )
        allowed = [info for info in served if may_call(key, info.task)]
        listed = list(dict.fromkeys(info.task for info in allowed))
        return ModelsResponse(models=allowed, data=[OpenAIModel(id=name) for name in listed])

    request_model = _request_model(limits)

    @app.post(
        "/v1/classify/{task}",
        response_model=ClassifyResponse,
        tags=["models"],
        responses={status: _ERRORS[status] for status in (401, 403, 404, 422)},
    )
    async def classify(
        task: str,
        body: request_model,
        key: Annotated[ApiKey | None, Depends(caller)],  # type: ignore[valid-type]
    ) -> ClassifyResponse:
        """Classify a batch of texts with the task's model: the label and probabilities of each."""
        if not may_call(key, task):
            raise HTTPException(403, f"this key may not call task {task!r}")
        if task not in classifiers:
            raise HTTPException(404, f"no task {task!r}; GET /v1/models lists them")
        classifier = classifiers[task]
        rows = await batchers[task].submit(body.texts)  # (N, C)
        texts_total.labels(task).inc(len(body.texts))
        results = []
        for row in rows:
            best = int(row.argmax())
            results.append(
                ClassResult(
                    label=classifier.labels[best],
                    score=round(float(row[best]), 6),
                    probabilities={
                        label: round(float(p), 6) for label, p in zip(classifier.labels, row, strict=True)
                    },
                )
            )
        return ClassifyResponse(task=task, variant=classifier.variant, results=results)

    app.include_router(
        entity_router(
            taggers,
            graph,
            caller,
            limits,
            Redactor(redact),
            _ERRORS,
            lambda task, count: texts_total.labels(task).inc(count),
        )
    )
    app.include_router(generation_router(generators or {}, caller, limits, _ERRORS))
    app.include_router(openai_router(chat, caller, limits, _ERRORS))
    app.add_middleware(RequestMetrics, requests_total=requests_total, latency=latency)
    app.add_middleware(BodySizeLimit, max_body_bytes=limits.max_body_bytes)  # outermost: before parsing
    return app

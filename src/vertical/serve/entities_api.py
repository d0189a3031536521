"""The entity endpoints: NER per task, entity linking against the graph, read-only SPARQL.

- ``POST /v1/ner/{task}``: ``{"texts": [...]}`` -> each text's entities (character offsets, type,
  score, and the graph entity they name when the run has a knowledge graph);
- ``POST /v1/link``: ``{"texts": [...]}`` -> each text's mentions of graph entities (IRI, label, type);
- ``POST /v1/kg/query``: ``{"query": "SELECT ...", "timeout": 5}`` -> SPARQL JSON results (SELECT,
  ASK) or N-Triples (CONSTRUCT, DESCRIBE); an update (INSERT, DELETE, LOAD, ...) or a SERVICE
  (federation, unless to an allowed endpoint) is refused (400) before anything runs, an answer past
  the row or byte limit is refused (400), a query past its timeout is stopped (504).

Key scopes: a NER task is called by its task name, linking is the scope ``link`` and queries the
scope ``kg`` (``vertical keys add keys.json --name n --task link --task kg``).
"""

# No `from __future__ import annotations`: FastAPI must see the per-app request models, locals.

import asyncio
import json
import time
from collections.abc import Callable
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints, create_model

from vertical.errors import KnowledgeError
from vertical.knowledge.sparql import QueryTimeoutError
from vertical.records import EntitySpan
from vertical.serve.graph import KnowledgeGraph, QueryAnswer
from vertical.serve.keys import ApiKey
from vertical.serve.limits import Limits
from vertical.serve.redaction import Redactor
from vertical.serve.tagger import TextTagger

LINK_SCOPE = "link"
KG_SCOPE = "kg"


class GraphEntity(BaseModel):
    """A node of the knowledge graph."""

    id: str = Field(description="its IRI")
    label: str = Field(description="its preferred name")
    type: str = Field(description="its main class IRI ('' when it has none)")


class Mention(GraphEntity):
    """A mention of a graph entity in a text: ``text[start:end]``."""

    start: int
    end: int
    text: str = Field(description="the mention as written (redacted with --redact)")
    candidates: int = Field(description="how many graph entities this name may mean")


class LinkResult(BaseModel):
    text: str = Field(description="the text sent (redacted with --redact)")
    mentions: list[Mention]


class LinkResponse(BaseModel):
    results: list[LinkResult] = Field(description="one per input text, in the order given")


class NamedEntity(BaseModel):
    """An entity the NER model found: ``text[start:end]`` (offsets into the text sent)."""

    start: int
    end: int
    text: str = Field(description="the entity as written (redacted with --redact)")
    type: str = Field(description="its class, e.g. ORG")
    score: float = Field(description="mean probability of its words' tags")
    link: GraphEntity | None = Field(None, description="the graph entity mentioned inside it, if any")


class NerResult(BaseModel):
    text: str = Field(description="the text sent (redacted with --redact)")
    entities: list[NamedEntity]


class NerResponse(BaseModel):
    task: str
    variant: str
    results: list[NerResult] = Field(description="one per input text, in the order given")


class QueryResponse(BaseModel):
    form: str = Field(description="SELECT, ASK, CONSTRUCT or DESCRIBE")
    results: dict | None = Field(None, description="SPARQL 1.1 JSON results (SELECT and ASK)")
    triples: str | None = Field(None, description="N-Triples (CONSTRUCT and DESCRIBE)")


def texts_request(limits: Limits, name: str, what: str) -> type[BaseModel]:
    """A ``{"texts": [...]}`` body model with the server's limits (in the schema, enforced: 422)."""
    text = Annotated[str, StringConstraints(min_length=1, max_length=limits.max_text_chars)]
    return create_model(
        name,
        texts=(list[text], Field(min_length=1, max_length=limits.max_texts, description=what)),
        __config__={"extra": "forbid"},
    )


def query_request(limits: Limits, max_timeout_s: float) -> type[BaseModel]:
    return create_model(
        "QueryRequest",
        query=(
            Annotated[str, StringConstraints(min_length=1, max_length=limits.max_text_chars)],
            Field(description="a SPARQL 1.1 query: SELECT, ASK, CONSTRUCT or DESCRIBE"),
        ),
        timeout=(
            float | None,
            Field(
                None, gt=0, le=max_timeout_s, description=f"seconds; at most and by default {max_timeout_s:g}"
            ),
        ),
        __config__={"extra": "forbid"},
    )


def _answer_body(answer: QueryAnswer, redactor: Redactor) -> bytes:
    """The JSON body of a query answer; SELECT/ASK results are passed through unparsed unless redacting."""
    if answer.form in ("CONSTRUCT", "DESCRIBE"):
        return orjson.dumps({"form": answer.form, "triples": redactor.text(answer.payload.decode("utf-8"))})
    if not redactor.enabled:
        return b'{"form":"' + answer.form.encode() + b'","results":' + answer.payload + b"}"
    results = json.loads(answer.payload)
    for binding in results.get("results", {}).get("bindings", []):
        for value in binding.values():
            if value.get("type") == "literal":
                value["value"] = redactor.text(value["value"])
    return orjson.dumps({"form": answer.form, "results": results})


def _graph_entity(graph: KnowledgeGraph, span: EntitySpan, redactor: Redactor) -> GraphEntity:
    entity = graph.entities.get(span.entity_id)
    label = entity.label if entity is not None else span.surface
    return GraphEntity(id=span.entity_id, label=redactor.text(label), type=span.type)


def _inside(start: int, end: int, mentions: list[EntitySpan]) -> EntitySpan | None:
    """The mention overlapping [start, end) the most (None when none overlaps)."""
    best, overlap = None, 0
    for mention in mentions:
        shared = min(end, mention.end) - max(start, mention.start)
        if shared > overlap:
            best, overlap = mention, shared
    return best


def entity_router(
    taggers: dict[str, TextTagger],
    graph: KnowledgeGraph | None,
    caller: Callable,
    limits: Limits,
    redactor: Redactor,
    errors: dict[int, dict],
    count_texts: Callable[[str, int], None] = lambda task, n: None,
) -> APIRouter:
    """The routes above, over `taggers` (task -> tagger) and `graph` (None: no /v1/link nor /v1/kg/query).

    Args:
        caller: the app's dependency that gives the calling key (None when authentication is off).
        errors: the app's error responses by status, for the OpenAPI schema.
        count_texts: called with (task, number of texts) for /metrics.
    """
    router = APIRouter()
    Caller = Annotated[ApiKey | None, Depends(caller)]  # noqa: N806 - a type alias

    def require_scope(key: ApiKey | None, scope: str) -> None:
        if key is not None and not key.allows(scope):
            raise HTTPException(403, f"this key may not call {scope!r}")

    def link_texts(texts: list[str]) -> list[list[EntitySpan]]:
        if graph is None or graph.linker is None:
            return [[] for _ in texts]
        return graph.link(texts)

    if taggers:
        ner_request = texts_request(limits, "NerRequest", "the texts to find entities in")

        @router.post(
            "/v1/ner/{task}",
            response_model=NerResponse,
            tags=["entities"],
            responses={status: errors[status] for status in (401, 403, 404, 422)},
        )
        async def ner(task: str, body: ner_request, key: Caller) -> NerResponse:  # type: ignore[valid-type]
            """The named entities of each text, with their type, score and graph entity."""
            require_scope(key, task)
            if task not in taggers:
                raise HTTPException(404, f"no NER task {task!r}; GET /v1/models lists them")
            tagger = taggers[task]
            texts = body.texts
            found = await asyncio.to_thread(tagger.entities, texts)
            mentions = link_texts(texts)
            count_texts(task, len(texts))
            results = []
            for text, entities, text_mentions in zip(texts, found, mentions, strict=True):
                personal = redactor.find(text)
                items = []
                for entity in entities:
                    linked = _inside(entity.start, entity.end, text_mentions)
                    items.append(
                        NamedEntity(
                            start=entity.start,
                            end=entity.end,
                            text=redactor.span(text, entity.start, entity.end, personal),
                            type=entity.type,
                            score=entity.score,
                            link=_graph_entity(graph, linked, redactor) if linked is not None else None,
                        )
                    )
                results.append(NerResult(text=redactor.text(text), entities=items))
            return NerResponse(task=task, variant=tagger.variant, results=results)

    if graph is not None and graph.linker is not None:
        link_request = texts_request(limits, "LinkRequest", "the texts to link to the knowledge graph")

        @router.post(
            "/v1/link",
            response_model=LinkResponse,
            tags=["entities"],
            responses={status: errors[status] for status in (401, 403, 422)},
        )
        async def link(body: link_request, key: Caller) -> LinkResponse:  # type: ignore[valid-type]
            """Every mention of a knowledge-graph entity in each text (leftmost-longest names)."""
            require_scope(key, LINK_SCOPE)
            texts = body.texts
            mentions = link_texts(texts)
            count_texts(LINK_SCOPE, len(texts))
            results = []
            for text, text_mentions in zip(texts, mentions, strict=True):
                personal = redactor.find(text)
                results.append(
                    LinkResult(
                        text=redactor.text(text),
                        mentions=[
                            Mention(
                                **_graph_entity(graph, m, redactor).model_dump(),
                                start=m.start,
                                end=m.end,
                                text=redactor.span(text, m.start, m.end, personal),
                                candidates=m.candidates,
                            )
                            for m in text_mentions
                        ],
                    )
                )
            return LinkResponse(results=results)

    if graph is not None and graph.store_dir is not None:
        body_model = query_request(limits, graph.timeout_s)
        query_errors = {
            400: {
                "model": errors[422]["model"],
                "description": "an update, a SERVICE (federation) refused, an answer past the row or byte "
                "limit, or not a valid SPARQL query",
            },
            504: {"model": errors[422]["model"], "description": "the query ran past its timeout"},
        }

        @router.post(
            "/v1/kg/query",
            response_model=QueryResponse,
            response_model_exclude_none=True,
            tags=["entities"],
            responses={**{status: errors[status] for status in (401, 403, 422)}, **query_errors},
        )
        async def kg_query(body: body_model, key: Caller) -> QueryResponse:  # type: ignore[valid-type]
            """A read-only SPARQL query on the run's knowledge graph, stopped at its timeout."""
            require_scope(key, KG_SCOPE)
            try:
                answer = await graph.query(body.query, body.timeout)
                # parse, redact and encode off the event loop, within the same timeout
                encoded = await asyncio.wait_for(
                    asyncio.to_thread(_answer_body, answer, redactor),
                    timeout=max(answer.deadline - time.monotonic(), 0.001),
                )
            except (QueryTimeoutError, TimeoutError) as error:
                raise HTTPException(504, str(error) or "query stopped at its timeout") from None
            except KnowledgeError as error:
                raise HTTPException(400, str(error)) from None
            count_texts(KG_SCOPE, 1)
            return Response(encoded, media_type="application/json")

    return router

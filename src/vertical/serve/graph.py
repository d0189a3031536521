"""The knowledge graph of a run, for serving: the entity linker and read-only SPARQL with a time limit.

Built from the knowledge stage's output (``runs/<name>/knowledge/``): ``entities.parquet`` gives
the linker (`vertical.knowledge.linker.EntityLinker`, with the stage's ``prefer_types`` and
``min_name_length``), ``store/`` answers SPARQL through `vertical.knowledge.sparql.query_store`,
which refuses updates and federation (SERVICE, unless to `allowed_endpoints`), runs each query in a
child process killed at its timeout and refuses an answer past `answer_limits`. At most
`max_parallel_queries` queries run at once; the others wait their turn, and the wait counts in the
timeout: the timeout bounds the whole request. The answer comes back as bytes, which the API wraps
without parsing them on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from vertical.knowledge.entities import read_entities
from vertical.knowledge.linker import EntityLinker
from vertical.knowledge.names import to_iri
from vertical.knowledge.sparql import QueryTimeoutError, query_form, query_store
from vertical.knowledge.sparql_guard import check_federation
from vertical.knowledge.sparql_results import AnswerLimits
from vertical.records import Entity, EntitySpan
from vertical.run import completed_stage, read_manifest


@dataclass(frozen=True)
class QueryAnswer:
    """What a SPARQL query gave: `payload` is SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT,
    DESCRIBE), as bytes; `deadline` is the request's (``time.monotonic()``) for what follows."""

    form: str
    payload: bytes
    deadline: float


@dataclass
class KnowledgeGraph:
    """The linker and the store of a run; either may be missing (None)."""

    linker: EntityLinker | None
    store_dir: Path | None
    timeout_s: float = 10.0
    max_parallel_queries: int = 2
    answer_limits: AnswerLimits = field(default_factory=AnswerLimits)
    allowed_endpoints: tuple[str, ...] = ()
    entities: dict[str, Entity] = field(default_factory=dict)
    _slots: asyncio.Semaphore | None = field(default=None, init=False, repr=False)  # made in the event loop

    def __post_init__(self) -> None:
        if self.linker is not None and not self.entities:
            self.entities = {entity.id: entity for entity in self.linker.entities}

    def link(self, texts: list[str]) -> list[list[EntitySpan]]:
        """The entity mentions of each text (leftmost-longest, in order)."""
        assert self.linker is not None
        return self.linker.link_batch(texts)

    async def query(self, sparql: str, timeout_s: float | None = None) -> QueryAnswer:
        """Run a read-only query with the given timeout (at most the server's); see the module docstring.

        Raises:
            KnowledgeError: an update, a SERVICE refused, a syntax error, an answer too large, or
                (`QueryTimeoutError`) a query past its timeout, waiting for a slot included.
        """
        assert self.store_dir is not None
        limit = min(timeout_s or self.timeout_s, self.timeout_s)
        deadline = time.monotonic() + limit
        form = query_form(sparql)  # refuses updates at once, before waiting for a slot
        check_federation(sparql, self.allowed_endpoints)  # and SERVICE to an endpoint not allowed
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_parallel_queries)
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=max(deadline - time.monotonic(), 0.0))
        except TimeoutError:
            raise QueryTimeoutError(
                f"query stopped after its timeout of {limit:g} s: it waited for a free query slot"
            ) from None
        try:
            payload = await asyncio.to_thread(
                query_store,
                self.store_dir,
                sparql,
                max(deadline - time.monotonic(), 0.001),
                "json",
                self.answer_limits,
                self.allowed_endpoints,
            )
        except QueryTimeoutError:
            raise QueryTimeoutError(
                f"query stopped after its timeout of {limit:g} s; narrow it (LIMIT, filters) or ask for less"
            ) from None
        finally:
            self._slots.release()
        return QueryAnswer(form, payload, deadline)


def load_run_graph(
    run_dir: Path,
    timeout_s: float = 10.0,
    answer_limits: AnswerLimits | None = None,
    allowed_endpoints: tuple[str, ...] = (),
) -> KnowledgeGraph | None:
    """The knowledge graph of `run_dir`, or None when the run has no knowledge stage."""
    knowledge_dir = completed_stage(Path(run_dir), "knowledge")  # not a dropped stage's old folder
    if knowledge_dir is None:
        return None
    entities_path = knowledge_dir / "entities.parquet"
    store_dir = knowledge_dir / "store"
    if not entities_path.is_file() and not store_dir.is_dir():
        return None
    config = (read_manifest(knowledge_dir) or {}).get("config", {}).get("knowledge", {})
    linker = None
    if entities_path.is_file():
        namespace = config.get("namespace", "http://vertical.local/kg/")
        linker = EntityLinker(
            read_entities(entities_path),
            language=None,  # a served text may be in any language the graph names things in
            prefer_types=[to_iri(t, namespace) for t in config.get("prefer_types", [])],
            min_name_length=int(config.get("min_name_length", 2)),
        )
    return KnowledgeGraph(
        linker,
        store_dir if store_dir.is_dir() else None,
        timeout_s,
        answer_limits=answer_limits or AnswerLimits(),
        allowed_endpoints=tuple(allowed_endpoints),
    )

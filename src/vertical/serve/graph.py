"""The knowledge graph of a run, for serving: the entity linker and read-only SPARQL with a time limit.

Built from the knowledge stage's output (``runs/<name>/knowledge/``): ``entities.parquet`` gives
the linker (`vertical.knowledge.linker.EntityLinker`, with the stage's ``prefer_types`` and
``min_name_length``), ``store/`` answers SPARQL through `vertical.knowledge.sparql.query_store`,
which refuses updates and runs each query in a child process killed at its timeout. At most
`max_parallel_queries` queries run at once; the others wait their turn.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

from vertical.knowledge.entities import read_entities
from vertical.knowledge.linker import EntityLinker
from vertical.knowledge.names import to_iri
from vertical.knowledge.sparql import query_form, query_store
from vertical.records import Entity, EntitySpan
from vertical.run import completed_stage, read_manifest


@dataclass(frozen=True)
class QueryAnswer:
    """What a SPARQL query gave: SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE)."""

    form: str
    results: dict | None = None
    triples: str | None = None


@dataclass
class KnowledgeGraph:
    """The linker and the store of a run; either may be missing (None)."""

    linker: EntityLinker | None
    store_dir: Path | None
    timeout_s: float = 10.0
    max_parallel_queries: int = 2
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
            KnowledgeError: an update, a syntax error, or a query past its timeout.
        """
        assert self.store_dir is not None
        form = query_form(sparql)  # refuses updates at once, before waiting for a slot
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_parallel_queries)
        limit = min(timeout_s or self.timeout_s, self.timeout_s)
        async with self._slots:
            payload = await asyncio.to_thread(query_store, self.store_dir, sparql, limit, "json")
        if form in ("CONSTRUCT", "DESCRIBE"):
            return QueryAnswer(form, triples=payload.decode("utf-8"))
        return QueryAnswer(form, results=json.loads(payload))


def load_run_graph(run_dir: Path, timeout_s: float = 10.0) -> KnowledgeGraph | None:
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
    return KnowledgeGraph(linker, store_dir if store_dir.is_dir() else None, timeout_s)

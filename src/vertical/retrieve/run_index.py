"""The retriever of a run folder: the retrieve stage's index, the knowledge stage's facts, the settings.

Used by `vertical serve` (grounded chat), the evaluate stage (grounded QA) and ``vertical retrieve search``.
"""

from __future__ import annotations

from pathlib import Path

from vertical.knowledge.names import predicate_iri, to_iri
from vertical.retrieve.facts import load_graph_facts, load_linker
from vertical.retrieve.retriever import Retriever, load_retriever
from vertical.run import read_manifest


def load_run_retriever(
    run_dir, endpoint: str | None = None, timeout_s: float = 10.0, index: str = "index"
) -> Retriever | None:
    """The retrieve stage's index of `run_dir` with the knowledge stage's facts, or None without one.

    Args:
        endpoint: a remote SPARQL 1.1 endpoint for the facts, instead of the recipe's
            (``retrieve.endpoint``, ``knowledge.endpoint``) or the knowledge stage's embedded store.
        index: ``index`` (the run's encoder) or ``general-index`` (the general encoder's).
    """
    run_dir = Path(run_dir)
    index_dir = run_dir / "retrieve" / index
    if not (index_dir / "encoder.json").is_file():
        return None
    retrieve = (read_manifest(run_dir / "retrieve") or {}).get("config", {}).get("retrieve", {})
    knowledge_config = (read_manifest(run_dir / "knowledge") or {}).get("config", {})
    knowledge = knowledge_config.get("knowledge", {})
    facts = None
    if retrieve.get("facts", True) and (run_dir / "knowledge").is_dir():
        namespace = knowledge.get("namespace", "http://vertical.local/kg/")
        language = knowledge_config.get("language", "en")
        facts = load_graph_facts(
            run_dir / "knowledge",
            endpoint or retrieve.get("endpoint") or knowledge.get("endpoint"),
            "zh" if language == "zh" else "en",
            [to_iri(t, namespace) for t in knowledge.get("prefer_types", [])],
            int(knowledge.get("min_name_length", 2)),
            {predicate_iri(p, namespace): t for p, t in knowledge.get("templates", {}).items()},
            timeout_s,
        )
    return load_retriever(
        index_dir,
        facts,
        int(retrieve.get("top_k", 5)),
        int(retrieve.get("max_facts", 8)),
        int(retrieve.get("rerank_candidates", 20)),
        facts.linker if facts is not None else load_run_linker(run_dir),
        bool(retrieve.get("entity_candidates", True)),
    )


def load_run_linker(run_dir):
    """The knowledge stage's entity linker of `run_dir` (its prefer_types, min_name_length), or None."""
    run_dir = Path(run_dir)
    knowledge_config = (read_manifest(run_dir / "knowledge") or {}).get("config", {})
    if not knowledge_config:
        return None
    knowledge = knowledge_config.get("knowledge", {})
    namespace = knowledge.get("namespace", "http://vertical.local/kg/")
    return load_linker(
        run_dir / "knowledge",
        [to_iri(t, namespace) for t in knowledge.get("prefer_types", [])],
        int(knowledge.get("min_name_length", 2)),
    )

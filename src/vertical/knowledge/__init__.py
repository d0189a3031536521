"""The knowledge stage: an industry knowledge graph in an embedded RDF store, entity linking, facts as text.

Modules: `names` (plain names to IRIs), `csv_triples` and `jsonl_graph` and `loaders` (sources to
quads), `store` (the pyoxigraph store), `sparql` (read-only queries with a timeout), `endpoint`
(a remote SPARQL server), `entities` (the entity table), `linker` (Aho-Corasick entity linking),
`spans` (the corpus's mentions as parquet), `verbalise` (facts as sentences), `build` (the stage),
`commands` (``vertical kg``).

The package imports nothing heavy itself: the read-only query runs in a fresh child process that
imports `vertical.knowledge.sparql`, and it should not pay for pyarrow and pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vertical.knowledge.build import build_knowledge

__all__ = ["build_knowledge"]


def __getattr__(name: str) -> Any:
    if name == "build_knowledge":
        from vertical.knowledge.build import build_knowledge

        return build_knowledge
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

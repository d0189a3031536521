"""The retrieve stage and retrieval for grounded answers.

Modules: `config` (the ``retrieve:`` section), `passages` (documents to passages with spans),
`encoder` (texts to unit vectors with the run's encoder), `index` (faiss index on disk, incremental),
`facts` (graph facts about a question's entities), `retriever` (numbered sources for a question),
`grounding` (sources into the prompt, citations out of the answer), `build` (the stage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vertical.retrieve.build import build_retrieval_index

__all__ = ["build_retrieval_index"]


def __getattr__(name: str) -> Any:
    if name == "build_retrieval_index":
        from vertical.retrieve.build import build_retrieval_index

        return build_retrieval_index
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The ``retrieve:`` section of a recipe: the passage index and the graph facts of the retrieve stage.

Lives beside the stage's code; `vertical.recipe` re-exports it. Only what changes the index is
hashed by the runner (every field here does).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vertical.sections import Section


class RetrieveConfig(Section):
    """The retrieve stage: the curated corpus cut into passages, embedded, and indexed on disk."""

    encoder: str | None = Field(
        None,
        description="the encoder that embeds passages and questions: a local folder, builtin:minilm or a "
        "hub id; absent: the run's vertical encoder (pretrain/model) when the run trains an encoder, "
        "else the base model when it is an encoder, else builtin:minilm",
    )
    pooling: Literal["auto", "mean", "cls"] = Field(
        "auto", description="auto: the encoder's sentence-transformers pooling when it has one, else mean"
    )
    passage_words: int = Field(120, ge=8, description="words per passage")
    passage_overlap: int = Field(20, ge=0, description="words a passage shares with the one before it")
    max_length: int = Field(256, ge=8, le=8192, description="tokens of a passage the encoder reads")
    batch_size: int = Field(32, ge=1, description="passages embedded per forward pass")
    top_k: int = Field(5, ge=1, le=100, description="passages a question retrieves")
    facts: bool = Field(True, description="add graph facts about the entities linked in the question")
    max_facts: int = Field(8, ge=0, le=100, description="the most graph facts a question gets")
    endpoint: str | None = Field(
        None,
        description="a remote SPARQL 1.1 endpoint the facts come from instead of the knowledge stage's store",
    )
    compare_general: bool = Field(
        True,
        description="also index with the general (base) encoder, so evaluate compares their recall@k",
    )

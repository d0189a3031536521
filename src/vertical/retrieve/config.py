"""The ``retrieve:`` section of a recipe: the passage index and the graph facts of the retrieve stage.

Lives beside the stage's code; `vertical.recipe` re-exports it. Only what changes the index is
hashed by the runner (every field here does).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from vertical.sections import NEUTRAL_DEFAULT, Section


class AdaptConfig(Section):
    """Domain adaptation of the retrieval encoder on the run's own corpus, before it indexes.

    Contrastive (Contriever, Izacard et al. 2021): two random spans of one passage are a positive
    pair, the other passages of the batch negatives; with the knowledge stage's entity table, a span
    may name its entities by another of their names (a ticker, an alias), so the encoder learns
    that the names mean the same thing.
    """

    steps: int = Field(80, ge=1, description="optimiser steps")
    batch_size: int = Field(16, ge=2, description="passages per step (each gives two spans)")
    learning_rate: float = Field(5e-5, gt=0.0, description="AdamW learning rate")
    span_min: float = Field(0.3, gt=0.0, le=1.0, description="shortest span: a share of its passage's words")
    span_max: float = Field(0.7, gt=0.0, le=1.0, description="longest span: a share of its passage's words")
    span_tokens: int = Field(32, ge=8, le=512, description="tokens of a span the encoder reads in training")
    temperature: float = Field(0.05, gt=0.0, description="temperature of the in-batch contrastive loss")
    name_pairs: int = Field(
        16,
        ge=0,
        description="pairs of two names of one entity of the knowledge stage (its label and its ticker, "
        "an alias) added to each step as positives; 0, or no knowledge stage: none",
    )
    rename_probability: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="chance that a span names each entity of the knowledge stage it mentions by another "
        "of its names (label, alias, ticker); 0, or no knowledge stage: spans are left as written",
    )

    @model_validator(mode="after")
    def _spans_ordered(self) -> AdaptConfig:
        if self.span_min > self.span_max:
            raise ValueError(f"span_min ({self.span_min}) is above span_max ({self.span_max})")
        return self


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
    rerank_candidates: int = Field(
        20,
        ge=0,
        le=1000,
        description="dense candidates reranked before the best top_k are kept: passages naming all the "
        "question's linked entities first, then BM25 over its other words fused with the dense rank; "
        "0: the encoder's order as it is",
    )
    entity_candidates: bool = Field(
        True,
        description="with reranking and a knowledge stage, the passages naming all the question's linked "
        "entities join the dense candidates (the nearest rerank_candidates of them): what an encoder that "
        "does not read the corpus's language misses",
    )
    facts: bool = Field(True, description="add graph facts about the entities linked in the question")
    max_facts: int = Field(8, ge=0, le=100, description="the most graph facts a question gets")
    endpoint: str | None = Field(
        None,
        description="a remote SPARQL 1.1 endpoint the facts come from instead of the knowledge stage's store",
    )
    compare_general: bool = Field(
        True,
        description="also index with the general encoder (the base; with adapt, the encoder before "
        "adaptation), so evaluate compares their recall@k",
    )
    adapt: AdaptConfig | None = Field(
        None,
        json_schema_extra=NEUTRAL_DEFAULT,
        description="fine-tune the encoder on the corpus (contrastive spans, entity names) before it "
        "indexes, saved as retrieve/encoder; absent: the encoder indexes as it is",
    )

"""The retrieval encoder's adaptation on a tiny BERT: spans of one passage end up nearer than others'."""

from __future__ import annotations

import random

import numpy as np
from transformers import AutoModel

from vertical.retrieve.adapt import adapt_encoder
from vertical.retrieve.config import AdaptConfig
from vertical.retrieve.encoder import load_encoder
from vertical.retrieve.spans import two_spans

WORDS = "deposits mortgage wafer fab crude refinery shoppers stores flights fleet cloud code claims premiums"
PASSAGES = [
    " ".join(random.Random(n).choices(WORDS.split(), k=24)) + f" company{n} ticker{n}" for n in range(12)
]


def _margin(model_dir) -> float:
    """Mean cosine of two spans of one passage minus that of spans of two passages (fixed draws)."""
    encoder = load_encoder(model_dir, "mean", 32)
    rng = random.Random(7)
    views = [two_spans(p, rng, 0.3, 0.7) for p in PASSAGES]
    first = encoder.embed([v[0] for v in views])  # (N, D), unit vectors
    second = encoder.embed([v[1] for v in views])
    similarity = first @ second.T  # (N, N)
    same = np.diag(similarity).mean()
    other = (similarity.sum() - np.trace(similarity)) / (len(PASSAGES) * (len(PASSAGES) - 1))
    return float(same - other)


def test_adaptation_brings_spans_of_one_passage_closer_than_spans_of_two(tiny_model_dir, tmp_path):
    cfg = AdaptConfig(steps=30, batch_size=8, learning_rate=1e-3, span_tokens=32)
    metrics = adapt_encoder(cfg, tiny_model_dir, PASSAGES, tmp_path / "encoder", "mean", None, 0)
    assert metrics["steps"] == 30 and metrics["loss_last"] < metrics["loss_first"]
    assert _margin(tmp_path / "encoder") > _margin(tiny_model_dir) + 0.05
    AutoModel.from_pretrained(tmp_path / "encoder")  # a plain Hugging Face folder, tokenizer included
    assert (tmp_path / "encoder" / "tokenizer.json").is_file()


def test_spans_are_not_chosen_for_a_wrong_order_of_bounds():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="span_min"):
        AdaptConfig(span_min=0.8, span_max=0.4)


def test_with_the_graph_a_ticker_and_its_company_end_up_nearer_than_two_companies(tiny_model_dir, tmp_path):
    from vertical.knowledge.linker import EntityLinker
    from vertical.records import Entity, Label
    from vertical.retrieve.renaming import EntityRenamer

    entities = [Entity(f"urn:x:{n}", f"company{n}", aliases=(Label(f"ticker{n}"),)) for n in range(12)]
    passages = [p.replace(f" ticker{n}", "") for n, p in enumerate(PASSAGES)]  # the corpus never pairs them
    renamer = EntityRenamer(EntityLinker(entities), 0.5)
    cfg = AdaptConfig(steps=30, batch_size=6, learning_rate=1e-3, name_pairs=6)
    metrics = adapt_encoder(cfg, tiny_model_dir, passages, tmp_path / "encoder", "mean", renamer, 0)
    assert metrics["renamed_entities"] == 12 and metrics["name_pairs"] == 30 * 6

    def gap(model_dir) -> float:
        encoder = load_encoder(model_dir, "mean", 32)
        names = encoder.embed([f"company{n}" for n in range(12)])
        tickers = encoder.embed([f"ticker{n}" for n in range(12)])
        similarity = names @ tickers.T  # (12, 12)
        return float(np.diag(similarity).mean() - (similarity.sum() - np.trace(similarity)) / (12 * 11))

    assert gap(tmp_path / "encoder") > gap(tiny_model_dir) + 0.05

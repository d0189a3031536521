"""Fixtures of the retrieve tests: the tiny BERT as an encoder, and a knowledge stage folder."""

from __future__ import annotations

from pathlib import Path

import pytest

GRAPH = Path(__file__).resolve().parent.parent / "assets" / "knowledge" / "finance.ttl"


@pytest.fixture(scope="session")
def tiny_encoder(tiny_model_dir):
    from vertical.retrieve.encoder import load_encoder

    return load_encoder(tiny_model_dir, "mean", 64)


@pytest.fixture(scope="session")
def finance_knowledge_dir(tmp_path_factory) -> Path:
    """A knowledge stage folder (store/ and entities.parquet) of the small finance graph."""
    from vertical.knowledge.entities import build_entities, write_entities
    from vertical.knowledge.store import close_store, load_sources, open_store

    folder = tmp_path_factory.mktemp("knowledge")
    store = open_store(folder / "store")
    load_sources(store, [(GRAPH, "auto")], "http://vertical.local/kg/")
    write_entities(build_entities(store), folder / "entities.parquet")
    close_store(store)
    return folder

"""Fixtures of the knowledge tests: the small finance graph of tests/assets/knowledge, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "knowledge"
EX = "http://example.org/fin/"


@pytest.fixture(scope="session")
def finance_store(tmp_path_factory):
    """The finance graph in an embedded store (session-wide; tests must not write to it)."""
    from vertical.knowledge.store import load_sources, open_store

    store = open_store(tmp_path_factory.mktemp("finance") / "store")
    load_sources(store, [(ASSETS / "finance.ttl", "auto")], "http://vertical.local/kg/")
    return store


@pytest.fixture(scope="session")
def finance_entities(finance_store):
    from vertical.knowledge.entities import build_entities

    return build_entities(finance_store)

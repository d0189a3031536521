"""Fixtures of the chat tests: an index over a few documents, a gate that holds a generation (the tiny
Llama they chat with is `tiny_llama_dir` of tests/conftest.py).

Import the fixtures into a test module (``from tests.serve.chat_fixtures import *``-style, by name).
"""

from __future__ import annotations

import threading

import pytest

from tests.serve.conftest import GRAPH

DOCUMENTS = [
    ("news:1", "Zorvex 3 is a firm in mining. It ships iron ore from its own port."),
    ("news:2", "Acme Bank raised deposits and cut mortgage rates for savers in Shanghai."),
    ("news:3", "Farmers sold their wheat harvest early this year after a dry summer."),
]


@pytest.fixture(scope="session")
def chat_retriever(tiny_model_dir, tmp_path_factory):
    """The tiny BERT's index over three documents, with the finance graph's facts."""
    from vertical.knowledge.entities import build_entities, write_entities
    from vertical.knowledge.store import close_store, load_sources, open_store
    from vertical.records import Document
    from vertical.retrieve.build import encoder_identity
    from vertical.retrieve.encoder import load_encoder
    from vertical.retrieve.facts import load_graph_facts
    from vertical.retrieve.index import PassageIndex
    from vertical.retrieve.retriever import Retriever

    knowledge = tmp_path_factory.mktemp("chat-knowledge")
    store = open_store(knowledge / "store")
    load_sources(store, [(GRAPH, "auto")], "http://vertical.local/kg/")
    write_entities(build_entities(store), knowledge / "entities.parquet")
    close_store(store)
    encoder = load_encoder(tiny_model_dir, "mean", 64)
    index = PassageIndex(encoder_identity(encoder), 40, 5)
    index.add_documents([Document(i, t) for i, t in DOCUMENTS], encoder)
    return Retriever(index, encoder, load_graph_facts(knowledge), top_k=2, max_facts=3)


class Gate:
    """Holds every forward pass of a model until opened: a test's way to keep a generation running."""

    def __init__(self, model) -> None:
        self.model, self.opened, self.entered = model, threading.Event(), threading.Event()
        self.forward = model.forward

    def __enter__(self) -> Gate:
        def held(*args, **kwargs):
            self.entered.set()
            self.opened.wait(30)
            return self.forward(*args, **kwargs)

        self.model.forward = held
        return self

    def __exit__(self, *exc) -> None:
        self.opened.set()
        self.model.forward = self.forward

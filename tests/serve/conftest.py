"""Fixtures of the serve tests: a run folder with a classifier, a NER model and a knowledge graph."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest

GRAPH = Path(__file__).resolve().parent.parent / "assets" / "knowledge" / "finance.ttl"
NER_TAGS = ["O", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def _ner_sentences():
    from vertical.finetune.tagged import TaggedSentence, split_words

    organisations = ["Acme Bank", "Bank of China", "JPMorgan Chase", "Nasdaq"]
    places = ["Shanghai", "Beijing", "Seattle"]
    templates = [
        "{o} opened a branch in {l}",
        "In {l} , {o} raised rates",
        "{o} moved its office to {l} today",
    ]
    sentences = []
    for organisation, place, template in itertools.product(organisations, places, templates):
        words = [word for word, _, _ in split_words(template.format(o=organisation, l=place))]
        tags, i = [], 0
        while i < len(words):
            for name, kind in ((organisation.split(), "ORG"), (place.split(), "LOC")):
                if words[i : i + len(name)] == name:
                    tags += [f"B-{kind}"] + [f"I-{kind}"] * (len(name) - 1)
                    i += len(name)
                    break
            else:
                tags.append("O")
                i += 1
        sentences.append(TaggedSentence(tuple(words), tuple(tags)))
    for text in ("nothing here today", "rates rose a little", "a quiet day for markets"):
        words = tuple(text.split())
        sentences.append(TaggedSentence(words, ("O",) * len(words)))
    return sentences


def _train_tagger(tiny_model_dir: Path, output_dir: Path) -> None:
    """A tiny token classifier fitted (full batch, a few steps) to tag organisations and places."""
    import torch
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
    )

    from vertical.finetune.ner import _encode

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    index = {tag: i for i, tag in enumerate(NER_TAGS)}
    torch.manual_seed(0)
    model = AutoModelForTokenClassification.from_pretrained(
        str(tiny_model_dir), num_labels=len(NER_TAGS), id2label=dict(enumerate(NER_TAGS)), label2id=index
    )
    encoded = _encode(_ner_sentences(), tokenizer, index, 64)
    batch = DataCollatorForTokenClassification(tokenizer)([encoded[i] for i in range(len(encoded))])
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)
    model.train()
    for _ in range(30):
        loss = model(**batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval().save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)


def _build_knowledge(knowledge_dir: Path) -> None:
    from vertical.knowledge.entities import build_entities, write_entities
    from vertical.knowledge.store import close_store, load_sources, open_store

    store = open_store(knowledge_dir / "store")
    load_sources(store, [(GRAPH, "auto")], "http://vertical.local/kg/")
    write_entities(build_entities(store), knowledge_dir / "entities.parquet")
    close_store(store)


@pytest.fixture(scope="session")
def entity_run_dir(tiny_run_dir, tiny_model_dir, tmp_path_factory) -> Path:
    """A copy of the tiny run with a NER task `ents` (ORG, LOC) and the finance knowledge graph."""
    run_dir = tmp_path_factory.mktemp("entity-run") / "tiny"
    shutil.copytree(tiny_run_dir, run_dir)
    _train_tagger(tiny_model_dir, run_dir / "finetune" / "ents" / "vertical" / "model")
    _build_knowledge(run_dir / "knowledge")
    # as `vertical run` leaves a stage: its manifest, and the stage in the run's plan
    (run_dir / "knowledge" / "manifest.json").write_text(json.dumps({"stage": "knowledge", "config": {}}))
    plan = run_dir / "stages.json"
    stages = json.loads(plan.read_text())["stages"] if plan.is_file() else []
    plan.write_text(json.dumps({"stages": [*stages, "knowledge"]}))
    return run_dir

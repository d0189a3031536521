"""The knowledge stage: graph files in; store, entity table, corpus spans and knowledge corpus out.

Writes into its output folder::

    store/                       the pyoxigraph store (open it with `vertical kg ... --store`)
    entities.parquet             the entity table (`vertical.knowledge.entities`)
    spans.parquet                the entities' mentions in the corpus (`vertical.knowledge.spans`)
    corpus/train-00000.parquet   the facts as sentences (id, text, source), the data stage's shard schema
    loaded.json                  each file read: path, format, triples, seconds

With ``endpoint`` set (instead of ``sources``), entities and facts are read from that SPARQL
server and there is no ``store/`` nor ``loaded.json``.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from pathlib import Path

from vertical.data import corpus_shards
from vertical.io import atomic_write_json
from vertical.knowledge.config import KnowledgeConfig
from vertical.knowledge.endpoint import RemoteEndpoint
from vertical.knowledge.entities import build_entities, write_entities
from vertical.knowledge.linker import EntityLinker
from vertical.knowledge.names import predicate_iri, to_iri
from vertical.knowledge.shard_writer import ShardWriter
from vertical.knowledge.spans import link_corpus
from vertical.knowledge.store import graph_stats, load_sources, open_store, require_triples
from vertical.knowledge.verbalise import read_facts, verbalise_facts
from vertical.run import StageOutput


def _languages(cfg: KnowledgeConfig, recipe_language: str) -> tuple[str | None, list[str]]:
    """The linker's language (None: all) and the knowledge corpus's languages."""
    link_language = recipe_language if cfg.link_language == "auto" else cfg.link_language
    verbalise = cfg.verbalise_languages or (["en", "zh"] if recipe_language == "mixed" else [recipe_language])
    return (None if link_language in ("all", "mixed") else link_language), verbalise


def build_knowledge(
    cfg: KnowledgeConfig, recipe_language: str, data_dir: Path | None, output_dir: Path
) -> StageOutput:
    """Load, tabulate, link and verbalise; see the module docstring."""
    link_language, verbalise_languages = _languages(cfg, recipe_language)
    metrics: dict[str, object] = {}
    if cfg.endpoint is not None:
        store = None
        graph = RemoteEndpoint(cfg.endpoint, cfg.timeout)
        require_triples(graph, cfg.endpoint)
    else:
        store = graph = open_store(output_dir / "store")
        started = time.perf_counter()
        sources = [(Path(s.path), s.format) for s in cfg.sources]
        loaded = load_sources(store, sources, cfg.namespace, frozenset(cfg.literal_predicates))
        metrics["load_seconds"] = round(time.perf_counter() - started, 2)
        metrics["files_loaded"] = len(loaded)
        atomic_write_json(output_dir / "loaded.json", [dataclasses.asdict(file) for file in loaded])
        require_triples(graph, "knowledge.sources")
    stats = graph_stats(graph)
    metrics.update({key: stats[key] for key in ("triples", "subjects", "predicates", "classes")})

    started = time.perf_counter()
    alias_predicates = [predicate_iri(p, cfg.namespace) for p in cfg.alias_predicates]
    entities = build_entities(graph, alias_predicates, link_language or "en")
    write_entities(entities, output_dir / "entities.parquet")
    metrics["entities"] = len(entities)
    metrics["entities_with_description"] = sum(bool(e.description) for e in entities)
    metrics["entity_table_seconds"] = round(time.perf_counter() - started, 2)

    if cfg.verbalise:
        by_id = {entity.id: entity for entity in entities}
        templates = {predicate_iri(p, cfg.namespace): dict(t) for p, t in cfg.templates.items()}
        writer = ShardWriter(output_dir / "corpus", "train")
        for language in verbalise_languages:
            for document in verbalise_facts(read_facts(graph), by_id, language, templates):
                writer.write(document)
        writer.close()
        metrics["knowledge_documents"] = writer.count
    del graph, store
    gc.collect()  # closes the RocksDB store before the stage folder is renamed into place

    if cfg.link and data_dir is not None:
        linker = EntityLinker(
            entities,
            language=link_language,
            prefer_types=[to_iri(t, cfg.namespace) for t in cfg.prefer_types],
            min_name_length=cfg.min_name_length,
        )
        shards = {split: corpus_shards(data_dir, split) for split in ("train", "validation")}
        metrics["linked_names"] = linker.names
        metrics["linking"] = link_corpus(linker, shards, output_dir / "spans.parquet")
    return StageOutput(metrics=metrics)

"""The tokenizer stage: mine domain terms from the curated corpus and extend the base tokenizer.

Writes into its output folder::

    tokenizer/         the extended tokenizer (``AutoTokenizer.from_pretrained`` loads it)
    terms.json         the added terms: text, frequency, the pieces the base made of them, kind
    embedding_init.json  how the pretrain stage initialises the new rows (``mean``, ``facts`` or
                       ``random``; for ``facts`` each term's description as base token weights)
    stats.json         fertility, [UNK] rate, mean tokens per document on held-out text, before/after
    scratch/           with ``from_scratch``: a new WordPiece or BPE tokenizer trained on the corpus

Metrics: terms added by kind, and fertility, ``[UNK]`` rate and mean tokens per document on the
held-out corpus, before and after. The pretrain stage resizes the model and initialises the new
embeddings (`vertical.tokenizer.extend.init_new_embeddings`).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from vertical.data import corpus_shards
from vertical.io import atomic_write_json
from vertical.models import BaseModel, load_tokenizer
from vertical.run import StageOutput
from vertical.tokenizer.config import TokenizerConfig
from vertical.tokenizer.extend import EmbeddingInit, extend_tokenizer
from vertical.tokenizer.mine import Term, mine_terms
from vertical.tokenizer.stats import tokenization_stats


def _texts(shards: list[Path]) -> Iterator[str]:
    for shard in shards:
        for batch in pq.ParquetFile(shard).iter_batches(columns=["text"], batch_size=4096):
            yield from batch.column("text").to_pylist()


def entity_labels(knowledge_dir: Path | None) -> list[str]:
    """The labels of the knowledge stage's entity table (empty without a knowledge stage)."""
    if knowledge_dir is None or not (Path(knowledge_dir) / "entities.parquet").exists():
        return []
    labels = pq.read_table(Path(knowledge_dir) / "entities.parquet", columns=["label"]).column("label")
    return [label for label in labels.to_pylist() if label]


def _descriptions(
    terms: list[Term], tokenizer, knowledge_dir: Path | None, labels: list[str]
) -> dict[str, dict[int, float]]:
    """What the knowledge stage's verbalised facts say about each term (`term_descriptions`)."""
    if knowledge_dir is None:
        return {}
    from vertical.tokenizer.descriptions import term_descriptions

    shards = sorted((Path(knowledge_dir) / "corpus").glob("*.parquet"))
    return term_descriptions(terms, _texts(shards), tokenizer, labels)


def build_tokenizer(
    cfg: TokenizerConfig, base: BaseModel, data_dir: Path, output_dir: Path, knowledge_dir: Path | None = None
) -> StageOutput:
    """Mine terms from the train shards of `data_dir` (and entity labels) and save the extended tokenizer."""
    tokenizer = load_tokenizer(base.path)
    train = corpus_shards(data_dir, "train")
    held_out = corpus_shards(data_dir, "validation") or train
    before = tokenization_stats(tokenizer, _texts(held_out))
    graph_labels = entity_labels(knowledge_dir)  # read once: mining and the facts init use them
    labels = graph_labels if cfg.entity_labels else []
    terms = (
        mine_terms(  # none when the stage runs only for a from-scratch tokenizer
            _texts(train),
            tokenizer,
            cfg.max_new_tokens,
            cfg.min_frequency,
            cfg.min_pieces,
            ngram_max=cfg.ngram_max,
            min_unk_frequency=cfg.min_unk_frequency,
            labels=labels,
        )
        if cfg.extend
        else []
    )
    # described with the base tokenizer, whose rows the descriptions point at
    descriptions = {}
    if cfg.init == "facts":
        descriptions = _descriptions(terms, tokenizer, knowledge_dir, graph_labels)
    added = extend_tokenizer(tokenizer, terms)
    after = tokenization_stats(tokenizer, _texts(held_out))
    tokenizer.save_pretrained(output_dir / "tokenizer")
    atomic_write_json(output_dir / "terms.json", [dataclasses.asdict(term) for term in terms])
    atomic_write_json(output_dir / "embedding_init.json", {"method": cfg.init, "descriptions": descriptions})
    atomic_write_json(output_dir / "stats.json", {"before": before, "after": after})
    metrics = {
        "terms_added": added,
        "terms_by_kind": dict(Counter(term.kind for term in terms)),
        "entity_labels": len(labels),
        "fertility_before": before["fertility"],
        "fertility_after": after["fertility"],
        "unk_rate_before": before["unk_rate"],
        "unk_rate_after": after["unk_rate"],
        "mean_tokens_per_document_before": before["mean_tokens_per_line"],
        "mean_tokens_per_document_after": after["mean_tokens_per_line"],
        "top_terms": [term.text for term in terms if term.kind != "unk_char"][:20],
    }
    if cfg.from_scratch is not None:
        from vertical.tokenizer.scratch import train_tokenizer

        metrics["scratch_vocab_size"] = train_tokenizer(
            _texts(train), cfg.from_scratch, cfg.scratch_vocab_size, output_dir / "scratch"
        )
        scratch = tokenization_stats(load_tokenizer(output_dir / "scratch"), _texts(held_out))
        metrics["fertility_scratch"] = scratch["fertility"]
        metrics["unk_rate_scratch"] = scratch["unk_rate"]
    return StageOutput(metrics=metrics)


def read_terms(tokenizer_dir: Path) -> list[Term]:
    """The terms a completed tokenizer stage added."""
    records = json.loads((Path(tokenizer_dir) / "terms.json").read_text(encoding="utf-8"))
    return [Term(r["text"], r["frequency"], tuple(r["pieces"]), r.get("kind", "word")) for r in records]


def read_embedding_init(tokenizer_dir: Path) -> EmbeddingInit:
    """How the new rows of a completed tokenizer stage are initialised (``mean`` when not recorded)."""
    path = Path(tokenizer_dir) / "embedding_init.json"
    if not path.exists():
        return EmbeddingInit()
    record = json.loads(path.read_text(encoding="utf-8"))
    descriptions = {
        term: {int(token): weight for token, weight in weights.items()}
        for term, weights in record.get("descriptions", {}).items()
    }
    return EmbeddingInit(record["method"], descriptions)

"""The tokenizer stage: mine domain terms from the curated corpus and extend the base tokenizer.

Writes into its output folder::

    tokenizer/    the extended tokenizer (``AutoTokenizer.from_pretrained`` loads it)
    terms.json    the added terms: text, frequency, the pieces the base tokenizer made of them

Metrics: terms added, and tokens per word (fertility) and mean tokens per document on the
held-out corpus, before and after. The pretrain stage resizes the model and initialises the new
embeddings (`vertical.tokenizer.extend.init_new_embeddings`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from vertical.data import corpus_shards
from vertical.io import atomic_write_json
from vertical.models import BaseModel, load_tokenizer
from vertical.recipe import TokenizerConfig
from vertical.run import StageOutput
from vertical.tokenizer.extend import extend_tokenizer
from vertical.tokenizer.mine import WORD_PATTERN, Term, mine_terms


def _texts(shards: list[Path]) -> Iterator[str]:
    for shard in shards:
        for batch in pq.ParquetFile(shard).iter_batches(columns=["text"], batch_size=4096):
            yield from batch.column("text").to_pylist()


def tokenization_stats(tokenizer, texts: Iterator[str]) -> dict[str, float]:
    """Tokens per word (fertility) and mean tokens per document over `texts`."""
    words = tokens = documents = 0
    for text in texts:
        words += len(WORD_PATTERN.findall(text))
        tokens += len(tokenizer.tokenize(text))
        documents += 1
    return {
        "fertility": round(tokens / max(words, 1), 4),
        "mean_tokens_per_document": round(tokens / max(documents, 1), 2),
    }


def build_tokenizer(cfg: TokenizerConfig, base: BaseModel, data_dir: Path, output_dir: Path) -> StageOutput:
    """Mine terms from the train shards of `data_dir` and save the extended tokenizer."""
    tokenizer = load_tokenizer(base.path)
    train = corpus_shards(data_dir, "train")
    held_out = corpus_shards(data_dir, "validation") or train
    before = tokenization_stats(tokenizer, _texts(held_out))
    terms = mine_terms(_texts(train), tokenizer, cfg.max_new_tokens, cfg.min_frequency, cfg.min_pieces)
    added = extend_tokenizer(tokenizer, terms)
    after = tokenization_stats(tokenizer, _texts(held_out))
    tokenizer.save_pretrained(output_dir / "tokenizer")
    atomic_write_json(output_dir / "terms.json", [dataclasses.asdict(term) for term in terms])
    return StageOutput(
        metrics={
            "terms_added": added,
            "fertility_before": before["fertility"],
            "fertility_after": after["fertility"],
            "mean_tokens_per_document_before": before["mean_tokens_per_document"],
            "mean_tokens_per_document_after": after["mean_tokens_per_document"],
            "top_terms": [term.text for term in terms[:20]],
        }
    )


def read_terms(tokenizer_dir: Path) -> list[Term]:
    """The terms a completed tokenizer stage added."""
    records = json.loads((Path(tokenizer_dir) / "terms.json").read_text(encoding="utf-8"))
    return [Term(r["text"], r["frequency"], tuple(r["pieces"])) for r in records]

"""The data stage: corpus files in, a clean, deduplicated, split corpus of parquet shards out.

Writes into its output folder::

    corpus/train-00000.parquet ...        documents kept for training (id, text, source)
    corpus/validation-00000.parquet ...   documents held out, chosen by a hash of their id
    drops.jsonl                           one line per dropped document: id, source, reason

and returns counts (documents read, kept, dropped by reason, characters) as its metrics.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from vertical.data.clean import normalize_text, too_short
from vertical.data.dedup import ExactDeduplicator
from vertical.data.readers import read_documents
from vertical.data.shards import ShardWriter
from vertical.errors import DataError
from vertical.recipe import DataConfig
from vertical.records import Document
from vertical.run import StageOutput


def is_validation(document_id: str, validation_fraction: float) -> bool:
    """Deterministic split: the same id always falls on the same side, whatever the order of reading."""
    bucket = int.from_bytes(hashlib.sha1(document_id.encode("utf-8")).digest()[:8], "big") / 2**64
    return bucket < validation_fraction


def prepare_corpus(cfg: DataConfig, output_dir: Path) -> StageOutput:
    """Read every source, clean, filter, deduplicate and split; see the module docstring."""
    corpus_dir = output_dir / "corpus"
    train = ShardWriter(corpus_dir, "train")
    validation = ShardWriter(corpus_dir, "validation")
    deduplicator = ExactDeduplicator()
    drops: Counter[str] = Counter()
    read = characters_in = characters_out = 0
    with (
        open(output_dir / "drops.jsonl", "w", encoding="utf-8") as drop_log,
        Progress(
            SpinnerColumn(),
            TextColumn("data: {task.completed:,} documents read"),
            TimeElapsedColumn(),
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("read", total=None)
        for source in cfg.sources:
            for document in read_documents(
                Path(source.path), source.format, source.text_field, source.txt_unit
            ):
                read += 1
                characters_in += len(document.text)
                progress.advance(task)
                text = normalize_text(document.text)
                reason = None
                if too_short(text, cfg.min_chars):
                    reason = "too_short"
                elif cfg.dedup == "exact" and deduplicator.is_duplicate(text):
                    reason = "exact_duplicate"
                if reason is not None:
                    drops[reason] += 1
                    drop_log.write(
                        json.dumps(
                            {"id": document.id, "source": document.source, "reason": reason},
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
                    continue
                characters_out += len(text)
                kept = Document(id=document.id, text=text, source=document.source)
                (validation if is_validation(kept.id, cfg.validation_fraction) else train).write(kept)
    train.close()
    validation.close()
    if train.count == 0:
        raise DataError(
            f"data: no document left for training out of {read} read "
            f"(dropped: {dict(drops) or 'none'}); check the sources and min_chars"
        )
    return StageOutput(
        metrics={
            "documents_read": read,
            "documents_train": train.count,
            "documents_validation": validation.count,
            "documents_dropped": dict(drops),
            "characters_in": characters_in,
            "characters_out": characters_out,
        }
    )


def corpus_shards(data_dir: Path, split: str) -> list[Path]:
    """The parquet shards of `split` ("train" or "validation") in a completed data stage folder."""
    return sorted((Path(data_dir) / "corpus").glob(f"{split}-*.parquet"))

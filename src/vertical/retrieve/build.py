"""The retrieve stage: the curated corpus cut into passages, embedded, and indexed on disk.

Writes into its output folder::

    encoder/         with ``adapt``: the encoder fine-tuned on the corpus's passages
                     (`vertical.retrieve.adapt`), a Hugging Face folder; it makes index/
    index/           the passage index of the run's encoder (`vertical.retrieve.index`)
    general-index/   the same passages embedded by the general encoder (the base, or with
                     ``adapt`` the encoder before adaptation), when ``compare_general``:
                     evaluate compares their recall@k

Incremental: when the previous build of this stage used the same encoder (same folder content,
pooling, passage settings), its index is read back and only new or changed documents are
embedded; documents gone from the corpus are dropped. Graph facts are not copied: they are read
from the knowledge stage (or the configured SPARQL endpoint) when a question comes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from vertical.data import corpus_shards
from vertical.hashing import hash_path
from vertical.records import Document
from vertical.retrieve.config import RetrieveConfig
from vertical.retrieve.encoder import TextEncoder, load_encoder
from vertical.retrieve.index import PassageIndex, load_index, read_identity
from vertical.retrieve.passages import iter_passages
from vertical.run import StageOutput

if TYPE_CHECKING:
    from vertical.retrieve.renaming import EntityRenamer


def corpus_documents(data_dir: Path) -> Iterator[Document]:
    """Every document of a data stage folder's curated corpus (train, then validation)."""
    for split in ("train", "validation"):
        for shard in corpus_shards(data_dir, split):
            for batch in pq.ParquetFile(shard).iter_batches(columns=["id", "text"], batch_size=4096):
                for row in batch.to_pylist():
                    yield Document(str(row["id"]), str(row["text"]))


def encoder_identity(encoder: TextEncoder, index_folder: Path | None = None) -> dict:
    """What decides an index's vectors: the encoder's files, pooling, dimension and token limit.

    The encoder's folder is absolute (an index read from another folder finds it), or relative to
    the index folder when it lies in the same stage folder (``../encoder``), which is renamed into
    place when the stage finishes.
    """
    model_dir = Path(encoder.model_dir).resolve()
    stage_folder = Path(index_folder).resolve().parent if index_folder is not None else None
    if stage_folder is not None and model_dir.is_relative_to(stage_folder):
        where = os.path.relpath(model_dir, Path(index_folder).resolve())
    else:
        where = str(model_dir)
    return {
        "encoder_dir": where,
        "encoder_sha256": hash_path(encoder.model_dir),
        "pooling": encoder.pooling,
        "dimension": encoder.dimension,
        "max_length": encoder.max_length,
    }


def _same_index(identity: dict, previous: dict | None, cfg: RetrieveConfig) -> bool:
    if previous is None:
        return False
    settings = {"passage_words": cfg.passage_words, "passage_overlap": cfg.passage_overlap}
    keys = ("encoder_sha256", "pooling", "dimension", "max_length")
    return all(previous.get(k) == identity[k] for k in keys) and all(
        previous.get(k) == v for k, v in settings.items()
    )


def index_corpus(
    cfg: RetrieveConfig, documents: list[Document], encoder: TextEncoder, folder: Path, previous: Path | None
) -> dict[str, int]:
    """Index `documents` with `encoder` into `folder`, reusing the index folder `previous` if it matches."""
    identity = encoder_identity(encoder, folder)
    if previous is not None and _same_index(identity, read_identity(previous), cfg):
        index = load_index(previous)
        index.identity = identity
    else:
        index = PassageIndex(identity, cfg.passage_words, cfg.passage_overlap)
    reused = len(index)
    dropped = index.remove_missing({d.id for d in documents})
    embedded = index.add_documents(documents, encoder, cfg.batch_size)
    index.save(folder)
    return {
        "passages": len(index),
        "passages_embedded": embedded,
        "passages_reused": len(index) - embedded if reused else 0,
        "documents_dropped": dropped,
    }


def build_retrieval_index(
    cfg: RetrieveConfig,
    data_dir: Path,
    encoder_dir: Path,
    output_dir: Path,
    general_encoder_dir: Path | None = None,
    previous_dir: Path | None = None,
    renamer: EntityRenamer | None = None,
    seed: int = 0,
) -> StageOutput:
    """Index the data stage's corpus; see the module docstring.

    Args:
        encoder_dir: the run's encoder (the vertical one when the run trains an encoder); with
            ``cfg.adapt``, the encoder adapted into ``output_dir/encoder``, which then indexes.
        general_encoder_dir: the general encoder for the recall@k comparison; None: no second index.
        previous_dir: this stage's folder from the build before, whose index may be reused.
        renamer: the knowledge stage's entity names for the adaptation (None: none).
        seed: of the adaptation's draws and initialisation.
    """
    from vertical.retrieve.adapt import adapt_encoder

    started = time.perf_counter()
    documents = list(corpus_documents(data_dir))
    metrics: dict[str, object] = {"documents": len(documents), "encoder": str(Path(encoder_dir).resolve())}
    if cfg.adapt is not None:
        passages = [p.text for p in iter_passages(documents, cfg.passage_words, cfg.passage_overlap)]
        adapted = Path(output_dir) / "encoder"
        metrics["adapt"] = adapt_encoder(
            cfg.adapt, encoder_dir, passages, adapted, cfg.pooling, renamer, seed
        )
        encoder_dir = adapted
    encoder = load_encoder(encoder_dir, cfg.pooling, cfg.max_length)
    previous = Path(previous_dir) / "index" if previous_dir is not None else None
    metrics["index"] = index_corpus(cfg, documents, encoder, output_dir / "index", previous)
    if general_encoder_dir is not None:
        general = load_encoder(general_encoder_dir, cfg.pooling, cfg.max_length)
        previous = Path(previous_dir) / "general-index" if previous_dir is not None else None
        metrics["general_index"] = index_corpus(
            cfg, documents, general, output_dir / "general-index", previous
        )
    metrics["seconds"] = round(time.perf_counter() - started, 2)
    return StageOutput(metrics=metrics)

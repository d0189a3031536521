"""The passage index: passages, their vectors in a faiss index, and what was embedded from which document.

A folder on disk::

    vectors.faiss      faiss ``IndexIDMap2(IndexFlatIP)``: each passage's unit vector under its id
    passages.parquet   id, document_id, start, end, text
    documents.json     document id -> sha256 of its text and the ids of its passages
    encoder.json       which encoder made the vectors (folder hash, pooling, dimension) and the
                       passage settings: vectors of another encoder are never mixed in

Why faiss (faiss-cpu): it is the maintained standard for dense search, keeps the index in one
file that memory-maps back, searches exactly with ``IndexFlatIP`` (a cosine over unit vectors)
at the corpus sizes of one vertical (a million 384-d passages is 1.5 GB and one matrix product),
and the same file takes an approximate index (HNSW, IVF) when a corpus outgrows that. The id map
lets us remove a changed document's passages and add new ones without touching the rest.

Incremental: `add_documents` embeds only documents whose id is new or whose text changed (by
hash); a document no longer given can be dropped with `remove_missing`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vertical.errors import VerticalError
from vertical.io import atomic_write_bytes, atomic_write_json
from vertical.records import Document
from vertical.retrieve.encoder import TextEncoder
from vertical.retrieve.passages import Passage, split_passages


def _faiss():
    """faiss, imported when first needed and without its loader's INFO lines (which CPU build it found)."""
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    import faiss

    return faiss


_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("document_id", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("text", pa.string()),
    ]
)


@dataclass(frozen=True)
class Hit:
    """A retrieved passage and its cosine similarity to the question."""

    passage: Passage
    score: float


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class PassageIndex:
    """Passages and their vectors; see the module docstring.

    Attributes:
        identity: what made the vectors (encoder hash, pooling, dimension, passage settings).
        passage_words, passage_overlap: how documents are cut.
    """

    identity: dict
    passage_words: int = 120
    passage_overlap: int = 20
    vectors: object = None  # faiss.IndexIDMap2
    passages: dict[int, Passage] = field(default_factory=dict)
    documents: dict[str, dict] = field(default_factory=dict)
    next_id: int = 0

    def __post_init__(self) -> None:
        if self.vectors is None:
            self.vectors = _faiss().IndexIDMap2(_faiss().IndexFlatIP(int(self.identity["dimension"])))

    def __len__(self) -> int:
        return len(self.passages)

    def add_documents(
        self, documents: Iterable[Document], encoder: TextEncoder, batch_size: int = 32, added: bool = False
    ) -> int:
        """Embed and add the passages of documents that are new or changed; returns passages embedded.

        `added`: the documents come from outside the corpus (``vertical retrieve add``), so a rebuild
        of the stage keeps them (`remove_missing` leaves them alone).
        """
        new: list[Passage] = []
        for document in documents:
            digest = _text_hash(document.text)
            known = self.documents.get(document.id)
            if known is not None and known["sha256"] == digest:
                continue
            if known is not None:
                self._remove(document.id)
            passages = split_passages(document, self.passage_words, self.passage_overlap)
            ids = list(range(self.next_id, self.next_id + len(passages)))
            self.next_id += len(passages)
            self.documents[document.id] = {
                "sha256": digest,
                "passages": ids,
                **({"added": True} if added else {}),
            }
            for passage_id, passage in zip(ids, passages, strict=True):
                self.passages[passage_id] = passage
            new += passages
        if new:
            first = self.next_id - len(new)
            matrix = encoder.embed([p.text for p in new], batch_size)  # (N, D)
            self.vectors.add_with_ids(matrix, np.arange(first, self.next_id, dtype=np.int64))
        return len(new)

    def _remove(self, document_id: str) -> None:
        ids = self.documents.pop(document_id)["passages"]
        if ids:
            self.vectors.remove_ids(np.asarray(ids, dtype=np.int64))
        for passage_id in ids:
            self.passages.pop(passage_id, None)

    def remove_missing(self, document_ids: set[str]) -> int:
        """Drop corpus documents not in `document_ids` (added ones stay); returns how many were dropped."""
        gone = [
            doc for doc, known in self.documents.items() if doc not in document_ids and not known.get("added")
        ]
        for document_id in gone:
            self._remove(document_id)
        return len(gone)

    def search(self, queries: np.ndarray, k: int) -> list[list[Hit]]:
        """The `k` nearest passages of each query vector (shape (Q, D)), best first."""
        if len(self.passages) == 0:
            return [[] for _ in range(len(queries))]
        scores, ids = self.vectors.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, len(self)))
        return [
            [Hit(self.passages[int(i)], float(s)) for s, i in zip(row_scores, row_ids, strict=True) if i >= 0]
            for row_scores, row_ids in zip(scores, ids, strict=True)
        ]

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (each file atomically)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(folder / "vectors.faiss", _faiss().serialize_index(self.vectors).tobytes())
        rows = sorted(self.passages.items())
        table = pa.table(
            {
                "id": [i for i, _ in rows],
                "document_id": [p.document_id for _, p in rows],
                "start": [p.start for _, p in rows],
                "end": [p.end for _, p in rows],
                "text": [p.text for _, p in rows],
            },
            schema=_SCHEMA,
        )
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        atomic_write_bytes(folder / "passages.parquet", sink.getvalue().to_pybytes())
        atomic_write_json(folder / "documents.json", {"next_id": self.next_id, "documents": self.documents})
        atomic_write_json(
            folder / "encoder.json",
            {**self.identity, "passage_words": self.passage_words, "passage_overlap": self.passage_overlap},
        )


def read_identity(folder: Path) -> dict | None:
    """The encoder.json of an index folder, or None when there is none."""
    path = Path(folder) / "encoder.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def load_index(folder: Path) -> PassageIndex:
    """The index saved in `folder`.

    Raises:
        VerticalError: the folder holds no index.
    """
    folder = Path(folder)
    identity = read_identity(folder)
    if identity is None or not (folder / "vectors.faiss").is_file():
        raise VerticalError(
            f"{folder}: no passage index (encoder.json, vectors.faiss); run the retrieve stage"
        )
    words, overlap = identity.pop("passage_words"), identity.pop("passage_overlap")
    vectors = _faiss().deserialize_index(
        np.frombuffer((folder / "vectors.faiss").read_bytes(), dtype=np.uint8)
    )
    table = pq.read_table(folder / "passages.parquet").to_pylist()
    passages = {
        row["id"]: Passage(row["document_id"], row["start"], row["end"], row["text"]) for row in table
    }
    documents = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
    return PassageIndex(
        identity, words, overlap, vectors, passages, documents["documents"], documents["next_id"]
    )

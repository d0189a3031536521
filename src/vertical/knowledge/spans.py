"""Entity spans of a corpus, written as parquet for the pretraining stage.

Schema of ``spans.parquet`` (one row per mention, in corpus order)::

    document_id  string   the document's id in the data stage's corpus
    split        string   "train" or "validation"
    start, end   int64    character offsets: the mention is text[start:end] (Python string indices)
    entity_id    string   the entity's IRI (a row of entities.parquet)
    type         string   the entity's main type IRI ("" when it has none)
    surface      string   the mention as written
    candidates   int32    how many entities share the matched name (1: unambiguous)
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vertical.knowledge.linker import EntityLinker
from vertical.records import EntitySpan

SCHEMA = pa.schema(
    [
        ("document_id", pa.string()),
        ("split", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("entity_id", pa.string()),
        ("type", pa.string()),
        ("surface", pa.string()),
        ("candidates", pa.int32()),
    ]
)
# What is written: the strings of `EntityLinker.link_columns`'s dictionary columns stay codes into
# their dictionaries (no string made per mention); the file holds plain strings, since the Arrow
# schema is not stored in it, so readers see `SCHEMA`.
_WRITTEN = pa.schema(
    [
        pa.field(field.name, pa.dictionary(pa.int32(), pa.string()))
        if field.name in ("document_id", "split", "entity_id", "type")
        else field
        for field in SCHEMA
    ]
)


def link_corpus(linker: EntityLinker, shards: dict[str, list[Path]], path: Path) -> dict[str, float | int]:
    """Link every document of the corpus `shards` (split -> parquet files with id, text); write `path`.

    Returns:
        documents, documents_with_mentions, mentions, ambiguous_mentions, entities_mentioned,
        characters and characters_per_second (of the linking alone).
    """
    temporary = path.with_name(f".{path.name}.tmp")
    documents = documents_with_mentions = mentions = ambiguous = characters = 0
    mentioned: set[str] = set()
    seconds = 0.0
    with pq.ParquetWriter(temporary, _WRITTEN, store_schema=False) as writer:
        for split, files in shards.items():
            for shard in files:
                for batch in pq.ParquetFile(shard).iter_batches(columns=["id", "text"], batch_size=4096):
                    started = time.perf_counter()
                    texts = batch.column("text").to_pylist()
                    table = linker.link_columns(texts, batch.column("id"))
                    documents += len(texts)
                    characters += sum(map(len, texts))
                    seconds += time.perf_counter() - started
                    found = table.num_rows
                    mentions += found
                    if found:
                        documents_with_mentions += len(pc.unique(table["document"]))
                        ambiguous += pc.sum(pc.greater(table["candidates"], 1)).as_py()
                        mentioned.update(pc.unique(table["entity_id"]).to_pylist())
                        splits = pa.array(np.zeros(found, np.int32))
                        table = table.append_column("split", pa.DictionaryArray.from_arrays(splits, [split]))
                        writer.write_table(table.select(SCHEMA.names))
    os.replace(temporary, path)
    return {
        "documents": documents,
        "documents_with_mentions": documents_with_mentions,
        "mentions": mentions,
        "ambiguous_mentions": ambiguous,
        "entities_mentioned": len(mentioned),
        "characters": characters,
        "characters_per_second": round(characters / seconds) if seconds else 0,
    }


def read_spans(path: Path) -> list[EntitySpan]:
    """The spans written by `link_corpus` (the split column is dropped)."""
    return [
        EntitySpan(
            r["document_id"], r["start"], r["end"], r["entity_id"], r["type"], r["surface"], r["candidates"]
        )
        for r in pq.read_table(path, schema=SCHEMA).to_pylist()
    ]

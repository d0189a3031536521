"""The mentions of a batch of texts as an Arrow table, without a Python object per mention.

What `EntityLinker.link_columns` returns and ``spans.parquet`` is written from. The linker finds
mentions as arrays (text, start, end, key); the table's strings are gathered by Arrow or numpy:
entity ids and types by taking from a column indexed by key, document ids by taking from the
batch's ids, and surfaces by one gather of the texts' UTF-8 bytes (a Python slice per mention
was a tenth of linking).

Columns::

    document     int64    the text's position in the batch
    document_id  string   its id
    start, end   int64    character offsets: the mention is text[start:end]
    entity_id    string   the entity's IRI
    type         string   the entity's main type IRI ("" when it has none)
    surface      string   the mention as written
    candidates   int32    how many entities share the matched name (1: unambiguous)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MENTION_SCHEMA = pa.schema(
    [
        ("document", pa.int64()),
        ("document_id", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("entity_id", pa.string()),
        ("type", pa.string()),
        ("surface", pa.string()),
        ("candidates", pa.int32()),
    ]
)


def _byte_offsets(texts: pa.StringArray, document: np.ndarray, characters: Sequence[np.ndarray]) -> list:
    """Character offsets into the texts `document` (one (M,) array each) as offsets into the batch's
    UTF-8 data: the text's own offset plus the character offset when the batch is ASCII, else plus
    the continuation bytes before each character too."""
    offsets = np.frombuffer(texts.buffers()[1], np.int32, len(texts) + 1, texts.offset * 4).astype(np.int64)
    data = texts.buffers()[2]
    size = int(offsets[-1] - offsets[0])
    lengths = pc.utf8_length(texts).to_numpy()  # (D,) characters
    if size == int(lengths.sum()):  # ASCII: a byte a character
        return [offsets[document] + c for c in characters]
    points = np.frombuffer(data, np.uint8, size, int(offsets[0]))
    continuation = np.flatnonzero((points & 0xC0) == 0x80)  # (C,) from the first text's first byte
    # the character that continuation byte k belongs to, counted from the first text's start
    owner = continuation - np.arange(continuation.size) - 1
    text_characters = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
    result = []
    for c in characters:
        counted = text_characters[document] + c
        result.append(offsets[0] + counted + np.searchsorted(owner, counted))
    return result


def surfaces(
    texts: pa.StringArray, document: np.ndarray, start: np.ndarray, end: np.ndarray
) -> pa.StringArray:
    """``texts[document[m]][start[m]:end[m]]`` for every m (character offsets), as one gather of bytes."""
    if texts.buffers()[2] is None or document.size == 0:
        return pa.array([""] * document.size, pa.string())
    begin, finish = _byte_offsets(texts, document, (start, end))
    lengths = finish - begin  # (M,) bytes of each surface
    out_offsets = np.zeros(document.size + 1, np.int64)
    np.cumsum(lengths, out=out_offsets[1:])
    data = np.frombuffer(texts.buffers()[2], np.uint8)
    gathered = data[np.repeat(begin - out_offsets[:-1], lengths) + np.arange(out_offsets[-1])]
    return pa.StringArray.from_buffers(
        document.size, pa.py_buffer(out_offsets.astype(np.int32)), pa.py_buffer(gathered)
    )


def mention_table(
    texts: Sequence[str],
    document_ids: Sequence[str] | pa.Array,
    mentions: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    entity_ids: pa.StringArray,
    entity_types: pa.StringArray,
    candidates: np.ndarray,
) -> pa.Table:
    """The table of `mentions` ((M,) arrays: text, start, end, key) of `texts`; `entity_ids`,
    `entity_types` and `candidates` are indexed by key."""
    document, start, end, key = mentions
    ids = document_ids if isinstance(document_ids, pa.Array) else pa.array(document_ids, pa.string())
    columns = [
        pa.array(document, pa.int64()),
        ids.take(document),
        pa.array(start, pa.int64()),
        pa.array(end, pa.int64()),
        entity_ids.take(key),
        entity_types.take(key),
        surfaces(pa.array(texts, pa.string()), document, start, end),
        pa.array(candidates[key].astype(np.int32), pa.int32()),
    ]
    return pa.Table.from_arrays(columns, schema=MENTION_SCHEMA)

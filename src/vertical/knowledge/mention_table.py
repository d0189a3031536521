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

import functools
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


@functools.cache
def _gather_loop():
    """The compiled copy of the surfaces' bytes (numba, imported here only; cached after the first
    process): numpy's repeat-and-take builds an int64 index per byte."""
    import numba

    @numba.njit(cache=True, nogil=True)
    def gather_into(data, begin, end, out):  # (N,) uint8, (M,), (M,), (sum of end - begin,) uint8
        taken = 0
        for m in range(begin.size):
            for i in range(begin[m], end[m]):
                out[taken] = data[i]
                taken += 1

    return gather_into


def _strings(data: pa.Buffer | None, begin: np.ndarray, end: np.ndarray) -> pa.StringArray:
    """The strings ``data[begin[m]:end[m]]`` (UTF-8 byte offsets), as one Arrow array."""
    offsets = np.zeros(begin.size + 1, np.int64)
    np.cumsum(end - begin, out=offsets[1:])
    gathered = np.empty(offsets[-1], np.uint8)
    if data is not None:
        _gather_loop()(np.frombuffer(data, np.uint8), begin, end, gathered)
    return pa.StringArray.from_buffers(
        begin.size, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(gathered)
    )


def take_strings(column: pa.StringArray, indices: np.ndarray) -> pa.StringArray:
    """``column.take(indices)``, by the compiled gather (Arrow's take of ~10,000 entity IRIs was ~2x
    slower)."""
    offsets = np.frombuffer(column.buffers()[1], np.int32, len(column) + 1, column.offset * 4)
    return _strings(
        column.buffers()[2], offsets[indices].astype(np.int64), offsets[indices + 1].astype(np.int64)
    )


def surfaces(
    texts: pa.StringArray, document: np.ndarray, start: np.ndarray, end: np.ndarray
) -> pa.StringArray:
    """``texts[document[m]][start[m]:end[m]]`` for every m (character offsets), as one gather of bytes."""
    if texts.buffers()[2] is None or document.size == 0:
        return pa.array([""] * document.size, pa.string())
    return _strings(texts.buffers()[2], *_byte_offsets(texts, document, (start, end)))


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
        take_strings(entity_ids, key),
        take_strings(entity_types, key),
        surfaces(pa.array(texts, pa.string()), document, start, end),
        pa.array(candidates[key].astype(np.int32), pa.int32()),
    ]
    return pa.Table.from_arrays(columns, schema=MENTION_SCHEMA)

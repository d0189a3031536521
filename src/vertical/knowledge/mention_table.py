"""The mentions of a batch of texts as an Arrow table, without a Python object per mention.

What `EntityLinker.link_columns` returns and ``spans.parquet`` is written from. The linker finds
mentions as arrays (text, start, end, key); the table has no Python object per mention: entity
ids, types and document ids are codes into dictionaries (see `mention_table`), surfaces one
compiled gather of the texts' UTF-8 bytes (a Python slice per mention was a tenth of linking).

Columns::

    document     int64    the text's position in the batch
    document_id  string   its id (dictionary-encoded, as entity_id and type)
    start, end   int64    character offsets: the mention is text[start:end]
    entity_id    string   the entity's IRI
    type         string   the entity's main type IRI ("" when it has none)
    surface      string   the mention as written
    candidates   int32    how many entities share the matched name (1: unambiguous)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MENTION_SCHEMA = pa.schema(
    [
        ("document", pa.int64()),
        ("document_id", pa.dictionary(pa.int32(), pa.string())),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("entity_id", pa.dictionary(pa.int32(), pa.string())),
        ("type", pa.dictionary(pa.int32(), pa.string())),
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


def surfaces(
    texts: pa.StringArray, document: np.ndarray, start: np.ndarray, end: np.ndarray
) -> pa.StringArray:
    """``texts[document[m]][start[m]:end[m]]`` for every m (character offsets), as one gather of bytes."""
    if texts.buffers()[2] is None or document.size == 0:
        return pa.array([""] * document.size, pa.string())
    return _strings(texts.buffers()[2], *_byte_offsets(texts, document, (start, end)))


def _dictionary(codes: np.ndarray, values: pa.StringArray) -> pa.DictionaryArray:
    """``values.take(codes)`` as a dictionary column of the values used only (Parquet writes a
    column chunk's whole dictionary; `values` must be distinct, or Parquet writes plain strings)."""
    present = np.zeros(len(values), bool)  # a table over the values, not a sort of the codes
    present[codes] = True
    renumbered = np.cumsum(present, dtype=np.int32) - 1  # (V,) a used value's new code
    return pa.DictionaryArray.from_arrays(pa.array(renumbered[codes]), values.take(np.flatnonzero(present)))


@dataclass(frozen=True)
class KeyColumns:
    """What each automaton key links to, indexed by key: the entity (a code into `entity_ids`, the
    distinct IRIs: several keys name one entity), its type (a code into `types`) and how many
    entities share the name."""

    entity_codes: np.ndarray  # (N,) int32
    entity_ids: pa.StringArray  # (E,)
    type_codes: np.ndarray  # (N,) int32
    types: pa.StringArray  # (T,)
    candidates: np.ndarray  # (N,) int32

    @classmethod
    def of(
        cls, entity_ids: Sequence[str], entity_types: Sequence[str], candidates: Sequence[int]
    ) -> KeyColumns:
        entity_codes, entities = _codes(entity_ids)
        type_codes, types = _codes(entity_types)
        return cls(entity_codes, entities, type_codes, types, np.asarray(candidates, np.int32))


def _codes(values: Sequence[str]) -> tuple[np.ndarray, pa.StringArray]:
    """(N,) int32 codes of `values` into their distinct values (sorted), and those."""
    distinct = sorted(set(values))
    code = {value: index for index, value in enumerate(distinct)}
    return np.array([code[value] for value in values], np.int32), pa.array(distinct, pa.string())


def mention_table(
    texts: Sequence[str],
    document_ids: Sequence[str] | pa.Array,
    mentions: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    keys: KeyColumns,
) -> pa.Table:
    """The table of `mentions` ((M,) arrays: text, start, end, key) of `texts`, with what each key
    links to from `keys`.

    document_id, entity_id and type are dictionary columns: a code per mention into the batch's
    ids, the batch's distinct entities and the distinct types. Their strings made per mention were
    ~90 MB for the 20 MB of the benchmark (IRIs are long), which Parquet then dictionary-encodes
    again; written from the codes, a Parquet file holds the same strings.
    """
    document, start, end, key = mentions
    ids = document_ids if isinstance(document_ids, pa.Array) else pa.array(document_ids, pa.string())
    columns = [
        pa.array(document, pa.int64()),
        _dictionary(document, ids),
        pa.array(start, pa.int64()),
        pa.array(end, pa.int64()),
        _dictionary(keys.entity_codes[key], keys.entity_ids),
        _dictionary(keys.type_codes[key], keys.types),
        surfaces(pa.array(texts, pa.string()), document, start, end),
        pa.array(keys.candidates[key], pa.int32()),
    ]
    return pa.Table.from_arrays(columns, schema=MENTION_SCHEMA)

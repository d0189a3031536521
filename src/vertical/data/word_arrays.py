"""The words of a batch of texts as numpy arrays: where each word starts and ends, and a code for it.

The same words as `vertical.data.words.words` (the regular expression
``[CJK]|[^\\W_]+(?:['’.-][^\\W_]+)*``), found without a Python object per word: the batch is one
array of code points (UTF-32; bytes when it is ASCII), a table gives each code point its class
(letter or digit, no-space script, joining mark), and the words follow from a handful of array
operations. The regular expression's finditer, in words: a *chain* is a run of letters and digits
joined by single marks (``'``, ``’``, ``.``, ``-`` with a letter or digit on both sides); in a
chain, every no-space-script character before the first other letter or digit is a word of its
own and the rest of the chain from that letter on is one word (``"中文abc"`` -> 中, 文, abc;
``"abc中文"`` -> abc中文); a no-space-script character that is no letter (``・``) is a word alone.

Word codes are 64-bit polynomial hashes of the characters, computed from one running sum over the
batch (two different words of a batch share a code with probability ~10^-12): what the Gopher
repetition rules and MinHash need to tell words apart, without the strings. A 2.6 kB English text
is split in ~25 µs instead of ~230 µs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vertical.unicode_scripts import NO_SPACE_SCRIPTS

_ALNUM, _NO_SPACE, _JOIN = 1, 2, 4
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd, so it has an inverse modulo 2^64
_INVERSE = np.uint64(pow(int(_MULTIPLIER), -1, 1 << 64))
_SEPARATOR = "\n"  # joins the texts of a batch: of no class, so no word crosses it


@functools.cache
def _classes() -> np.ndarray:
    """(0x110000,) uint8: the class bits of every code point, from Python's own regular expressions."""
    points = np.arange(0x110000, dtype=np.uint32)
    points[0xD800:0xE000] = 32  # lone surrogates cannot be decoded; they are no letter anyway
    every = points.tobytes().decode("utf-32-le")
    table = np.zeros(0x110000, np.uint8)
    for pattern, bit in ((r"[^\W_]+", _ALNUM), (f"[{NO_SPACE_SCRIPTS}]+", _NO_SPACE), (r"['’.-]+", _JOIN)):
        for match in re.finditer(pattern, every):
            table[match.start() : match.end()] |= bit
    return table


@functools.cache
def _ascii_classes() -> np.ndarray:
    return _classes()[:128].copy()


class _Powers:
    """MULTIPLIER^i and its inverse's powers for i < n, grown as needed (kept between batches)."""

    def __init__(self) -> None:
        self.forward = np.ones(1, np.uint64)
        self.backward = np.ones(1, np.uint64)

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if self.forward.size < n:
            size = max(n, 2 * self.forward.size)
            with np.errstate(over="ignore"):
                self.forward = np.cumprod(np.full(size, _MULTIPLIER, np.uint64)) * _INVERSE
                self.backward = np.cumprod(np.full(size, _INVERSE, np.uint64)) * _MULTIPLIER
        return self.forward[:n], self.backward[:n]


_POWERS = _Powers()


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the batch joined by `_SEPARATOR` as code points, (D + 1,) where each text begins, then the end)."""
    joined = _SEPARATOR.join(texts)
    if joined.isascii():
        points = np.frombuffer(joined.encode("ascii"), np.uint8)
    else:
        points = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    begins = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(lengths + 1, out=begins[1:])
    begins[-1] -= 1  # no separator after the last text
    return points, begins


def _bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W,) starts and ends of the words in `points`, in order; see the module docstring."""
    n = points.size
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    classes = (_ascii_classes() if points.dtype == np.uint8 else _classes())[points]  # (N,)
    alnum = (classes & _ALNUM).astype(bool)
    in_chain = alnum.copy()
    if n > 2:
        in_chain[1:-1] |= (classes[1:-1] & _JOIN).astype(bool) & alnum[:-2] & alnum[2:]
    chain_begins = np.flatnonzero(in_chain & ~np.concatenate(([False], in_chain[:-1])))
    chain_ends = np.flatnonzero(in_chain & ~np.concatenate((in_chain[1:], [False]))) + 1
    if points.dtype == np.uint8:  # ASCII: no no-space script, every chain is one word
        return chain_begins, chain_ends
    no_space = (classes & _NO_SPACE).astype(bool)
    chain = np.cumsum(in_chain & ~np.concatenate(([False], in_chain[:-1]))) - 1  # (N,) chain of in_chain
    other_letters = np.flatnonzero(alnum & ~no_space)
    new_chain = np.ones(other_letters.size, bool)
    new_chain[1:] = chain[other_letters[1:]] != chain[other_letters[:-1]]
    first = other_letters[new_chain]  # the first such letter of each chain that has one
    first_other = np.full(chain_begins.size, n, np.int64)  # (C,) first letter of no no-space script
    first_other[chain[first]] = first
    singles = np.flatnonzero(no_space)
    singles = singles[~in_chain[singles] | (singles < first_other[chain[singles]])]
    is_start = np.zeros(n, bool)
    is_start[singles] = True
    is_start[first] = True
    ends = np.zeros(n, np.int64)
    ends[first] = chain_ends[chain[first]]
    ends[singles] = singles + 1
    starts = np.flatnonzero(is_start)
    return starts, ends[starts]


@dataclass(frozen=True)
class BatchWords:
    """The words of a batch of D texts, T words in all, in order of text, then of position."""

    counts: np.ndarray  # (D,) words of each text
    starts: np.ndarray  # (T,) where each word starts in its text (characters)
    ends: np.ndarray  # (T,) where it ends
    codes: np.ndarray  # (T,) uint64: equal words, equal codes

    def of(self, index: int) -> BatchWords:
        """The words of text `index` alone (views into these arrays)."""
        offsets = self.offsets
        begin, end = offsets[index], offsets[index + 1]
        window = slice(begin, end)
        return BatchWords(
            self.counts[index : index + 1], self.starts[window], self.ends[window], self.codes[window]
        )

    @functools.cached_property
    def offsets(self) -> np.ndarray:
        """(D + 1,) where each text's words begin in the (T,) arrays."""
        offsets = np.zeros(self.counts.size + 1, np.int64)
        np.cumsum(self.counts, out=offsets[1:])
        return offsets

    @staticmethod
    def join(parts: Sequence[BatchWords]) -> BatchWords:
        """The words of several batches as one, in order."""
        if len(parts) == 1:
            return parts[0]
        return BatchWords(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in ("counts", "starts", "ends", "codes"))
        )


def _split_by_script(texts: Sequence[str]) -> tuple[list[int], list[int]] | None:
    """(positions of the ASCII texts, of the others), or None when the batch is all of one kind.

    An ASCII text is split as bytes, 4x smaller than code points and with no no-space script to
    look for; a batch that mixes both is split as two.
    """
    is_ascii = [text.isascii() for text in texts]
    plain = [index for index, flag in enumerate(is_ascii) if flag]
    if not plain or len(plain) == len(texts):
        return None
    return plain, [index for index, flag in enumerate(is_ascii) if not flag]


def word_counts(texts: Sequence[str]) -> np.ndarray:
    """(D,) how many words each text has (as `vertical.data.words.count_words`)."""
    pieces = _pieces(texts)
    if pieces is not None:
        return np.concatenate([word_counts(piece) for piece in pieces])
    groups = _split_by_script(texts)
    if groups is not None:
        counts = np.zeros(len(texts), np.int64)
        for group in groups:
            counts[group] = word_counts([texts[index] for index in group])
        return counts
    points, begins = _code_points(texts)
    starts, _ = _bounds(points)
    return np.diff(np.searchsorted(starts, begins))


_MAX_CHARACTERS = 1 << 20  # split at a time: the (N,) uint64 arrays of the codes stay ~8 MB each


def _pieces(texts: Sequence[str]) -> list[Sequence[str]] | None:
    """The batch cut into runs of texts of at most `_MAX_CHARACTERS` in all (a longer text alone),
    or None when it is that small already."""
    lengths = list(map(len, texts))
    if len(texts) < 2 or sum(lengths) <= _MAX_CHARACTERS:
        return None
    pieces, begin, size = [], 0, 0
    for index, length in enumerate(lengths):
        if index > begin and size + length > _MAX_CHARACTERS:
            pieces.append(texts[begin:index])
            begin, size = index, 0
        size += length
    pieces.append(texts[begin:])
    return pieces


def batch_words(texts: Sequence[str]) -> BatchWords:
    """The words of every text of the batch, with their codes; see the module docstring."""
    pieces = _pieces(texts)
    if pieces is not None:
        return BatchWords.join([batch_words(piece) for piece in pieces])
    groups = _split_by_script(texts)
    if groups is not None:
        return _merge([batch_words([texts[index] for index in group]) for group in groups], groups)
    points, begins = _code_points(texts)
    starts, ends = _bounds(points)
    forward, backward = _POWERS.get(points.size + 1)
    running = np.zeros(points.size + 1, np.uint64)  # sum of (point + 1) * M^i over the first i points
    with np.errstate(over="ignore"):
        np.cumsum((points.astype(np.uint64) + np.uint64(1)) * forward[: points.size], out=running[1:])
        codes = (running[ends] - running[starts]) * backward[starts]  # as if every word began at 0
    counts = np.diff(np.searchsorted(starts, begins))
    text_begins = np.repeat(begins[:-1], counts)
    return BatchWords(counts, starts - text_begins, ends - text_begins, codes)


def _merge(parts: list[BatchWords], groups: tuple[list[int], list[int]]) -> BatchWords:
    """The words of a batch from those of its groups of texts (`groups[g]`: the positions of the texts
    of `parts[g]` in the batch), in the batch's order."""
    documents = sum(map(len, groups))
    counts = np.zeros(documents, np.int64)
    source_begins = np.zeros(documents, np.int64)  # where each text's words are in the parts joined
    taken = 0
    for part, group in zip(parts, groups, strict=True):
        counts[group] = part.counts
        source_begins[group] = part.offsets[:-1] + taken
        taken += part.starts.size
    begins = np.zeros(documents, np.int64)
    np.cumsum(counts[:-1], out=begins[1:])
    index = np.repeat(source_begins - begins, counts) + np.arange(taken)  # (T,) batch word -> joined word
    joined = BatchWords.join(parts)
    return BatchWords(counts, joined.starts[index], joined.ends[index], joined.codes[index])

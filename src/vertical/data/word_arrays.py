"""The words of a batch of texts as numpy arrays: where each word starts and ends, and a code for it.

The same words as `vertical.data.words.words` (the regular expression
``[CJK]|[^\\W_]+(?:['’.-][^\\W_]+)*``), found without a Python object per word: the batch is one
array of code points (UTF-32; bytes when it is ASCII), a table gives each code point its class
(letter or digit, no-space script, joining mark), and a compiled loop (numba) walks the
points once. The regular expression's finditer, in words: a *chain* is a run of letters and digits
joined by single marks (``'``, ``’``, ``.``, ``-`` with a letter or digit on both sides); in a
chain, every no-space-script character before the first other letter or digit is a word of its
own and the rest of the chain from that letter on is one word (``"中文abc"`` -> 中, 文, abc;
``"abc中文"`` -> abc中文); a no-space-script character that is no letter (``・``) is a word alone.

Word codes are 64-bit polynomial hashes of the characters, sum of (point + 1) * M^i over the
word's points (two different words of a batch share a code with probability ~10^-12): what the
Gopher repetition rules and MinHash need to tell words apart, without the strings. The
benchmark corpus (2.1 kB a text, 30% Chinese) is split in ~19 µs a text with the codes, ~11 µs
for the counts alone (~70 and ~30 µs with the dozen numpy passes this module used before the
loops; the regular expression took ~230 µs for a 2.6 kB English text). ASCII texts have no
character of a no-space script: there a word starts at a letter or digit that neither follows
one nor follows a mark that follows one, a test of three characters without a branch, so their
counts take ~0.7 ns a character (~2.3 µs a 2.6 kB text, 8.8 with the walk) and their bounds
~1.2 (two passes: the classes, then the tests with stores that need no branch).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vertical.unicode_scripts import NO_SPACE_SCRIPTS

_ALNUM, _NO_SPACE, _JOIN = 1, 2, 4
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd, as the base of a polynomial hash mod 2^64 must be
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


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the batch joined by `_SEPARATOR` as code points, two separators before the first text and
    after the last, (D + 1,) where each text begins, then where the last ends)."""
    joined = _SEPARATOR * 2 + _SEPARATOR.join(texts) + _SEPARATOR * 2
    if joined.isascii():
        points = np.frombuffer(joined.encode("ascii"), np.uint8)
    else:
        points = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    begins = np.full(len(texts) + 1, 2, np.int64)
    np.cumsum(lengths + 1, out=begins[1:])
    begins[1:] += 2
    begins[-1] -= 1  # no separator after the last text
    return points, begins


@functools.cache
def _loops():
    """The compiled loops over a batch's code points: (bounds_into, codes_into). numba is imported
    only here, so importing the stage stays cheap; its cache makes this a load after the first
    process. Two loops, not one: a store of the codes inside the walk made the walk itself ~3x
    slower (~15 against ~5 ns a character)."""
    import numba

    alnum_bit, no_space_bit, join_bit = np.uint8(_ALNUM), np.uint8(_NO_SPACE), np.uint8(_JOIN)
    multiplier, one = _MULTIPLIER, np.uint64(1)

    zero, lower, digits, letters = np.uint8(48), np.uint8(32), np.uint8(10), np.uint8(26)
    small_a, one_bit = np.uint8(97), np.uint8(1)

    @numba.njit(cache=True, nogil=True)
    def bounds_into(points, begins, ascii, table, starts, ends):  # (N,), (D + 1,), (D,), table, (N + 1,) x2
        """Writes the words' starts and ends into the first W places; see the module docstring."""
        found, flags = 0, np.empty(points.size, np.uint8)
        for text in range(ascii.size):
            if ascii[text]:  # see `_ascii_count_loop`; a word also ends where none goes on
                begin = begins[text] - 2
                window = points[begin : begins[text + 1] + 2]  # two characters either side
                for k in range(window.size):  # bit 1: letter or digit, bit 2: joining mark
                    x = np.uint8(window[k])
                    alnum = np.uint8(x - zero) < digits or np.uint8((x | lower) - small_a) < letters
                    flags[k] = np.uint8(alnum) | (np.uint8(x == 39 or x == 45 or x == 46) << one_bit)
                ending = found
                for k in range(window.size - 4):  # stores without a branch, kept when counted
                    a, b, c, d, e = flags[k], flags[k + 1], flags[k + 2], flags[k + 3], flags[k + 4]
                    starts[found] = begin + k + 2
                    found += (c & 1) & ~(b | ((b >> 1) & a)) & 1
                    ends[ending] = begin + k + 3
                    ending += (c & 1) & ~(d | ((d >> 1) & e)) & 1
                continue
            i, n = begins[text], begins[text + 1]
            while i < n:
                kind = table[points[i]]
                if not kind & alnum_bit:
                    if kind & no_space_bit:  # a no-space-script character that is no letter
                        starts[found], ends[found] = i, i + 1
                        found += 1
                    i += 1
                    continue
                end = i + 1  # the chain [i, end): letters and digits, and marks between two of them
                while end < n:
                    kind = table[points[end]]
                    if kind & alnum_bit:
                        end += 1
                    elif (
                        kind & join_bit
                        and end + 1 < n
                        and table[points[end - 1]] & alnum_bit
                        and table[points[end + 1]] & alnum_bit
                    ):
                        end += 1
                    else:
                        break
                other = i  # the first letter or digit of the chain of no no-space script
                while other < end:
                    kind = table[points[other]]
                    if kind & alnum_bit and not kind & no_space_bit:
                        break
                    if kind & no_space_bit:
                        starts[found], ends[found] = other, other + 1
                        found += 1
                    other += 1
                if other < end:
                    starts[found], ends[found] = other, end
                    found += 1
                i = end
        return found

    @numba.njit(cache=True, nogil=True)
    def codes_into(points, starts, ends, codes):  # (N,), (W,), (W,), (W,)
        """codes[w]: the sum of (point + 1) * M^i over the points of word w, mod 2^64."""
        for word in range(starts.size):
            code, power = np.uint64(0), one
            for k in range(starts[word], ends[word]):
                code += (np.uint64(points[k]) + one) * power
                power *= multiplier
            codes[word] = code

    return bounds_into, codes_into


def _bounds(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(code points (N,), where each text begins (D + 1,), starts and ends (W,) in the points, and
    how many words each text has (D,))."""
    points, begins = _code_points(texts)
    table = _ascii_classes() if points.dtype == np.uint8 else _classes()
    ascii = np.fromiter(map(str.isascii, texts), np.bool_, len(texts))
    # one place more than there can be words: the loop stores each start and end before it counts it
    starts, ends = np.empty(points.size + 1, np.int64), np.empty(points.size + 1, np.int64)
    found = _loops()[0](points, begins, ascii, table, starts, ends)
    starts, ends = starts[:found], ends[:found]
    return points, begins, starts, ends, np.diff(np.searchsorted(starts, begins))


@dataclass(frozen=True)
class BatchWords:
    """The words of a batch of D texts, T words in all, in order of text, then of position."""

    counts: np.ndarray  # (D,) words of each text
    starts: np.ndarray  # (T,) where each word starts in its text (characters)
    ends: np.ndarray  # (T,) where it ends
    codes: np.ndarray  # (T,) uint64: equal words, equal codes

    def of(self, index: int) -> BatchWords:
        """The words of text `index` alone (views into these arrays)."""
        return self.texts(index, index + 1)

    def texts(self, first: int, stop: int) -> BatchWords:
        """The words of texts `first` to `stop` - 1 (views into these arrays)."""
        offsets = self.offsets
        window = slice(offsets[first], offsets[stop])
        return BatchWords(self.counts[first:stop], self.starts[window], self.ends[window], self.codes[window])

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


@functools.cache
def _ascii_count_loop():
    """The compiled count of the words of ASCII texts: no character there is of a no-space
    script, so a word starts at each letter or digit that neither follows one nor follows a mark
    that follows one: a test of the three characters ending there, ~0.7 against ~3 ns a character
    for the walk of `_loops`."""
    import numba

    zero, lower, digits, letters = np.uint8(48), np.uint8(32), np.uint8(10), np.uint8(26)
    small_a = np.uint8(97)

    @numba.njit(cache=True, nogil=True)
    def ascii_counts_into(points, begins, counts):  # (N,) uint8, (D + 1,), (D,); two of no class first
        for text in range(counts.size):
            window = points[begins[text] - 2 : begins[text + 1]]  # the text and the two characters before
            found = 0
            for k in range(window.size - 2):  # from 0, with uint8 wrap-around: 3x faster than signed tests
                c, b, a = window[k + 2], window[k + 1], window[k]  # this character and the two before
                c_alnum = np.uint8(c - zero) < digits or np.uint8((c | lower) - small_a) < letters
                b_alnum = np.uint8(b - zero) < digits or np.uint8((b | lower) - small_a) < letters
                a_alnum = np.uint8(a - zero) < digits or np.uint8((a | lower) - small_a) < letters
                b_joins = b == 39 or b == 45 or b == 46  # ' - .
                found += np.int64(c_alnum and not b_alnum and not (b_joins and a_alnum))
            counts[text] = found

    return ascii_counts_into


def _ascii_word_counts(texts: Sequence[str]) -> np.ndarray:
    points, begins = _code_points(texts)
    counts = np.empty(len(texts), np.int64)
    _ascii_count_loop()(points, begins, counts)
    return counts


def word_counts(texts: Sequence[str]) -> np.ndarray:
    """(D,) how many words each text has (as `vertical.data.words.count_words`)."""
    ascii_texts = [index for index, text in enumerate(texts) if text.isascii()]
    if ascii_texts and len(ascii_texts) < len(texts):  # a mixed batch: each kind apart
        ascii_set = set(ascii_texts)
        others = [index for index in range(len(texts)) if index not in ascii_set]
        counts = np.empty(len(texts), np.int64)
        counts[ascii_texts] = _ascii_word_counts([texts[index] for index in ascii_texts])
        counts[others] = word_counts([texts[index] for index in others])
        return counts
    if ascii_texts:
        return _ascii_word_counts(texts)
    pieces = _pieces(texts)
    if pieces is not None:
        return np.concatenate([word_counts(piece) for piece in pieces])
    return _bounds(texts)[-1]


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
    points, begins, starts, ends, counts = _bounds(texts)
    codes = np.empty(starts.size, np.uint64)
    _loops()[1](points, starts, ends, codes)
    text_begins = np.repeat(begins[:-1], counts)
    return BatchWords(counts, starts - text_begins, ends - text_begins, codes)

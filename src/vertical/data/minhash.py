"""MinHash signatures of a batch of documents, with datatrove's permutations, in one compiled loop.

A document's signature is, for each of H permutations, the minimum over its shingle hashes x of
(a * x + b) mod 2^61 - 1, where a * x + b wraps at 2^64 as datatrove's numpy arithmetic does
(`MinhashDedupSignature.get_signature`). In numpy that formula is seven passes over an
(shingles, H) uint64 array and a `minimum.reduceat`, ~230 ns a shingle with 48 permutations, the
largest single cost of the data stage; the same arithmetic as one numba loop, each value reduced
and compared while it is in a register, is ~35 ns. numba is imported and the loop compiled (or
loaded from numba's cache beside this file) on the first call, so importing the stage stays cheap.
"""

from __future__ import annotations

import functools

import numpy as np

_MERSENNE = (1 << 61) - 1


@functools.cache
def _signature_loop():
    """The compiled loop (numba's cache makes this a load after the first process)."""
    import numba

    mersenne, shift, largest = np.uint64(_MERSENNE), np.uint64(61), np.uint64(np.iinfo(np.uint64).max)

    @numba.njit(cache=True, nogil=True)
    def signatures_into(shingles, counts, a, b, out):  # (N,), (D,), (H,), (H,), (D, H)
        begin = 0
        for document in range(counts.size):
            row = out[document]
            for h in range(a.size):
                row[h] = largest
            for s in range(begin, begin + counts[document]):
                x = shingles[s]
                for h in range(a.size):
                    value = a[h] * x + b[h]  # mod 2^64
                    # x mod (2^61 - 1) = (x & p) + (x >> 61), less p when that reaches p: 2^61 = 1 mod p
                    value = (value & mersenne) + (value >> shift)
                    value = value - mersenne if value >= mersenne else value
                    row[h] = min(row[h], value)
            begin += counts[document]

    return signatures_into


def minhash_signatures(shingles: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(D, H) uint64 signatures: per document, the minimum over its shingles of (a * x + b) mod 2^61 - 1.

    Args:
        shingles: (N,) uint64 shingle hashes of every document, one document after the other.
        counts: (D,) how many shingles each document has; one without any gets a row of the
            largest uint64.
        a, b: (1, H) uint64 permutation parameters, as datatrove's `MinhashDedupSignature.parameters`.
    """
    out = np.empty((counts.size, a.shape[-1]), np.uint64)
    _signature_loop()(
        np.ascontiguousarray(shingles, np.uint64),
        np.ascontiguousarray(counts, np.int64),
        np.ascontiguousarray(a, np.uint64).ravel(),
        np.ascontiguousarray(b, np.uint64).ravel(),
        out,
    )
    return out


@functools.cache
def _shingle_loop():
    import numba

    @numba.njit(cache=True, nogil=True)
    def shingles_into(word_hashes, word_counts, ngram, multipliers, out):  # (T,), (D,), (P,), (S,) -> S
        written, begin = 0, 0
        for document in range(word_counts.size):
            count = word_counts[document]
            # a text of fewer than `ngram` words is one shingle of all its words; one of none, none
            last = begin + count - ngram + 1 if count >= ngram else begin + min(count, 1)
            width = ngram if count >= ngram else count
            for start in range(begin, last):
                value = np.uint64(0)
                for position in range(width):
                    value += word_hashes[start + position] * multipliers[position]  # mod 2^64
                out[written] = value
                written += 1
            begin += count
        return written

    return shingles_into


def word_shingles(
    word_hashes: np.ndarray, word_counts: np.ndarray, ngram: int, multipliers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """((S,) uint64 shingle hashes, (D,) how many each document has): each n-gram of `ngram`
    consecutive words of a document, as the sum of word hash x `multipliers[position]` mod 2^64.

    Args:
        word_hashes: (T,) uint64 hashes of every document's words, one document after the other.
        word_counts: (D,) how many words each document has.
        multipliers: (P,) uint64, P >= `ngram`, one per position in an n-gram.
    """
    word_counts = np.ascontiguousarray(word_counts, np.int64)
    counts = np.where(word_counts >= ngram, word_counts - ngram + 1, np.minimum(word_counts, 1))
    out = np.empty(int(counts.sum()), np.uint64)
    hashes, multipliers = np.ascontiguousarray(word_hashes, np.uint64), np.ascontiguousarray(multipliers)
    _shingle_loop()(hashes, word_counts, ngram, multipliers, out)
    return out, counts

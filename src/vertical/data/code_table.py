"""A table from 64-bit codes to 64-bit values, looked up a whole array at a time by a compiled loop.

MinHash needs, for every word of a batch, the hash of its normalised form, remembered by the
word's code (`vertical.data.word_arrays`) from batch to batch. A Python dict looked up per
distinct word after a `pandas.factorize` of the batch's codes cost ~45 ns a word (~130 µs an
earnings call); open addressing in numpy arrays, probed by a numba loop, is a few ns a word.
The value 0 means "not there": a code whose value is 0 is simply looked up again (and its value
worked out again) each time.
"""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def _loops():
    """(lookup, insert), compiled on first use (numba's cache makes this a load after that)."""
    import numba

    golden = np.uint64(0x9E3779B97F4A7C15)

    @numba.njit(cache=True, nogil=True)
    def lookup(codes, keys, values, used, shift, out):  # (T,), (S,), (S,), (S,), -, (T,)
        mask = keys.size - 1
        for i in range(codes.size):
            code = codes[i]
            slot = np.int64((code * golden) >> shift)
            out[i] = 0
            while used[slot]:
                if keys[slot] == code:
                    out[i] = values[slot]
                    break
                slot = (slot + 1) & mask

    @numba.njit(cache=True, nogil=True)
    def insert(new_keys, new_values, keys, values, used, shift):  # -> how many keys were new
        mask, added = keys.size - 1, 0
        for i in range(new_keys.size):
            code = new_keys[i]
            slot = np.int64((code * golden) >> shift)
            while used[slot] and keys[slot] != code:
                slot = (slot + 1) & mask
            if not used[slot]:
                used[slot] = True
                keys[slot] = code
                added += 1
            values[slot] = new_values[i]
        return added

    return lookup, insert


class CodeTable:
    """uint64 code -> uint64 value (0: absent), kept at most half full."""

    def __init__(self, bits: int = 16) -> None:
        self._allocate(bits)

    def _allocate(self, bits: int) -> None:
        self._bits = bits
        self._keys = np.zeros(1 << bits, np.uint64)
        self._values = np.zeros(1 << bits, np.uint64)
        self._used = np.zeros(1 << bits, bool)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        self._allocate(16)

    def get(self, codes: np.ndarray) -> np.ndarray:
        """(T,) the value of each code, 0 where a code is not in the table."""
        out = np.empty(codes.size, np.uint64)
        lookup, _ = _loops()
        lookup(np.ascontiguousarray(codes, np.uint64), self._keys, self._values, self._used, self._shift, out)
        return out

    def put(self, codes: np.ndarray, values: np.ndarray) -> None:
        """Set the value of each of `codes` (distinct) to the matching one of `values`."""
        bits = self._bits
        while (self._size + codes.size) * 2 > (1 << bits):
            bits += 1
        if bits != self._bits:  # grow: the entries so far into arrays twice as large (or more)
            used = self._used
            old_keys, old_values = self._keys[used], self._values[used]
            self._allocate(bits)
            self._insert(old_keys, old_values)
        self._insert(np.ascontiguousarray(codes, np.uint64), np.ascontiguousarray(values, np.uint64))

    @property
    def _shift(self) -> np.uint64:
        return np.uint64(64 - self._bits)

    def _insert(self, codes: np.ndarray, values: np.ndarray) -> None:
        _, insert = _loops()
        self._size += insert(codes, values, self._keys, self._values, self._used, self._shift)

"""Leftmost-longest resolution of the word automaton's overlapping matches, in one compiled loop.

The word automaton reports every occurrence of every name in the scanned text (overlapping), each
name stored between two spaces (``" acme bank "``), so each occurrence starts and ends at word
boundaries. Kept, as a leftmost-longest scan would keep them: the occurrence that starts first,
the longest of those, then the same again after it. Two kept names may share the space between
them (``" acme bank "`` then ``" acme "`` in ``" acme bank acme "``): their words do not overlap.
That is why the automaton reports overlapping matches rather than its own leftmost-longest ones,
which would make adjacent names compete for that space (the linker used to double every space).

numba is imported and the loop compiled (or loaded from numba's cache beside this file) on the
first call, so importing the linker stays cheap.
"""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def _resolution_loop():
    """The compiled loop (numba's cache makes this a load after the first process)."""
    import numba

    @numba.njit(cache=True, nogil=True)
    def kept_rows(found):  # (M, 3) key, start, end -> (K,) rows kept, in order of start
        if found.shape[0] == 0:
            return np.empty(0, np.int64)
        starts, ends = found[:, 1], found[:, 2]
        longest = np.max(ends - starts) + 1
        # by start, then the longest first: one int64 sort key (no two rows share start and end)
        order = np.argsort(starts * longest + (longest - 1 - (ends - starts)))
        kept = np.empty(found.shape[0], np.int64)
        count, last_end = 0, np.int64(-(1 << 62))
        for row in order:
            # the words are [start + 1, end - 1): the next must begin at or after the last's end
            if starts[row] + 1 >= last_end - 1:
                kept[count] = row
                count += 1
                last_end = ends[row]
        return kept[:count]

    return kept_rows


def leftmost_longest(found: np.ndarray) -> np.ndarray:
    """The rows of `found` ((M, 3) int64: key, start, end of each occurrence, ends exclusive, every
    occurrence between two spaces) that a leftmost-longest scan keeps, in order of start."""
    return _resolution_loop()(np.ascontiguousarray(found, dtype=np.int64))

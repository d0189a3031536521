"""Leftmost-longest resolution of the word automaton's overlapping matches, and the kept ones'
offsets in their texts, in one compiled loop.

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
    def kept_mentions(found, text_starts, continuation):  # (M, 3), (D,), (C,) -> 4 x (K,)
        m = found.shape[0]
        document, begin = np.empty(m, np.int64), np.empty(m, np.int64)
        end, key = np.empty(m, np.int64), np.empty(m, np.int64)
        if m == 0:
            return document, begin, end, key
        starts, ends = found[:, 1], found[:, 2]
        longest = np.max(ends - starts) + 1
        # by start, then the longest first: one int64 sort key (no two rows share start and end)
        order = np.argsort(starts * longest + (longest - 1 - (ends - starts)))
        count, last_end = 0, np.int64(-(1 << 62))
        text, before_begin, before_end = 0, 0, 0  # kept rows go forward: so do these pointers
        for row in order:
            # the words are [start + 1, end - 1): the next must begin at or after the last's end
            if starts[row] + 1 < last_end - 1:
                continue
            last_end = ends[row]
            first, stop = starts[row] + 1, ends[row] - 1  # in bytes
            while before_begin < continuation.size and continuation[before_begin] < first:
                before_begin += 1
            before_end = max(before_end, before_begin)
            while before_end < continuation.size and continuation[before_end] < stop:
                before_end += 1
            first, stop = first - before_begin, stop - before_end  # in characters
            while text + 1 < text_starts.size and text_starts[text + 1] <= first:
                text += 1
            document[count], begin[count] = text, first - text_starts[text]
            end[count], key[count] = stop - text_starts[text], found[row, 0]
            count += 1
        return document[:count], begin[:count], end[:count], key[:count]

    return kept_mentions


def leftmost_longest(
    found: np.ndarray, text_starts: np.ndarray, continuation: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The occurrences a leftmost-longest scan keeps, as mentions.

    Args:
        found: (M, 3) int64: key, start, end (exclusive) of every occurrence in the scanned bytes,
            each between two spaces.
        text_starts: (D,) where each text begins in the scanned text, in characters.
        continuation: (C,) the positions of the scanned text's UTF-8 continuation bytes (none
            when it is ASCII), to count characters.

    Returns:
        (K,) arrays in order of start: the text of each mention, its start and end in that
        text's characters (the spaces around the key left out), and its key.
    """
    loop = _resolution_loop()
    return loop(np.ascontiguousarray(found, dtype=np.int64), text_starts, continuation.astype(np.int64))

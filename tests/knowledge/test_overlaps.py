"""Leftmost-longest resolution of overlapping occurrences, against a plain Python scan."""

from __future__ import annotations

import random

import numpy as np

from vertical.knowledge.overlaps import leftmost_longest

_NONE = np.zeros(0, np.int64)


def _plain(found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """(key, start, end) kept by a leftmost-longest scan: by start, the longest first; the words are
    [start + 1, end - 1) and must not overlap."""
    kept, last_end = [], None
    for key, start, end in sorted(found, key=lambda row: (row[1], row[1] - row[2])):
        if last_end is None or start + 1 >= last_end - 1:
            kept.append((key, start + 1, end - 1))
            last_end = end
    return kept


def _mentions(found, text_starts, continuation=_NONE) -> list[tuple[int, int, int, int]]:
    array = np.array(found, np.int64).reshape(-1, 3)
    columns = leftmost_longest(array, np.array(text_starts, np.int64), continuation)
    return list(zip(*(column.tolist() for column in columns), strict=True))


def test_resolution_matches_a_plain_scan():
    rng = random.Random(0)
    for _ in range(500):
        spans = {(s, s + rng.randint(3, 12)) for s in (rng.randrange(60) for _ in range(rng.randint(0, 25)))}
        found = sorted(((k, s, e) for k, (s, e) in enumerate(spans)), key=lambda row: row[2])  # by end
        # one ASCII text from character 1 (after the leading space)
        expected = [(0, start - 1, end - 1, key) for key, start, end in _plain(found)]
        assert _mentions(found, [1]) == expected


def test_adjacent_names_share_the_space_between_them():
    # " acme bank acme ": " acme bank " [0, 11), " acme " [10, 16), " bank acme " [5, 16)
    found = [(0, 0, 11), (1, 10, 16), (2, 5, 16)]
    assert _mentions(found, [1]) == [(0, 0, 9, 0), (0, 10, 14, 1)]


def test_offsets_in_each_text_in_characters():
    # " é acme | acme ": é is two bytes (the second, at 2, a continuation byte); texts at characters 1, 10
    found = [(7, 3, 9), (7, 10, 16)]
    assert _mentions(found, [1, 10], np.array([2])) == [(0, 2, 6, 7), (1, 0, 4, 7)]

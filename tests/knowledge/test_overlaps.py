"""Leftmost-longest resolution of overlapping occurrences, against a plain Python scan."""

from __future__ import annotations

import random

import numpy as np

from vertical.knowledge.overlaps import leftmost_longest


def _plain(found: list[tuple[int, int, int]]) -> list[int]:
    """Rows kept by a leftmost-longest scan: by start, the longest first; words [start + 1, end - 1)."""
    kept, last_end = [], None
    for row in sorted(range(len(found)), key=lambda r: (found[r][1], found[r][1] - found[r][2])):
        if last_end is None or found[row][1] + 1 >= last_end - 1:
            kept.append(row)
            last_end = found[row][2]
    return kept


def test_resolution_matches_a_plain_scan():
    rng = random.Random(0)
    for _ in range(500):
        spans = {(s, s + rng.randint(3, 12)) for s in (rng.randrange(60) for _ in range(rng.randint(0, 25)))}
        found = sorted(((k, s, e) for k, (s, e) in enumerate(spans)), key=lambda row: row[2])  # by end
        array = np.array(found, np.int64).reshape(-1, 3)
        assert leftmost_longest(array).tolist() == _plain(found)


def test_adjacent_names_share_the_space_between_them():
    # " acme bank acme ": " acme bank " [0, 11), " acme " [10, 16), " bank acme " [5, 16)
    found = np.array([[0, 0, 11], [1, 10, 16], [2, 5, 16]], np.int64)
    assert leftmost_longest(found).tolist() == [0, 1]

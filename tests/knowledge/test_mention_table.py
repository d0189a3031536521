"""Surfaces gathered from the texts' bytes are the texts' own slices, ASCII or not."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa

from vertical.knowledge.mention_table import surfaces


def test_surfaces_are_the_slices_of_the_texts():
    rng = random.Random(0)
    pool = [*"ab c-", "é", "中文", "€", "𝔘", "ß"]
    for ascii_only in (True, False):
        letters = pool[:5] if ascii_only else pool
        texts = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 12))) for _ in range(60)]
        rows = [
            (d, s, rng.randint(s, len(texts[d]))) for d in range(60) for s in [rng.randint(0, len(texts[d]))]
        ]
        document, start, end = (np.array(column, np.int64) for column in zip(*rows, strict=True))
        for column in (pa.array(texts), pa.array(["skipped", *texts])[1:]):  # a slice has an offset
            assert surfaces(column, document, start, end).to_pylist() == [texts[d][s:e] for d, s, e in rows]


def test_no_mentions_and_empty_texts():
    empty = np.zeros(0, np.int64)
    assert surfaces(pa.array(["", ""]), empty, empty, empty).to_pylist() == []
    one = np.zeros(1, np.int64)
    assert surfaces(pa.array([""]), one, one, one).to_pylist() == [""]

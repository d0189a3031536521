"""Gopher's repetition rules (Rae et al. 2021, "Scaling Language Models", table A1), vectorised.

datatrove's `GopherRepetitionFilter` implements the same rules with Python loops over joined
n-gram strings; on the benchmark corpus it took 45% of the whole stage. Here each word gets a
small integer, n-grams are rolling polynomial hashes in numpy, and "characters in duplicated
n-grams" is the coverage of the word positions that repeat an earlier n-gram (each character
counted once, as the paper defines it); rules on an empty text do not apply. Thresholds are the
paper's. Words are mixed-script
(`vertical.data.words`), so Chinese is measured by character n-grams.
"""

from __future__ import annotations

import re

import numpy as np
from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from vertical.data.words import words

_PARAGRAPHS = re.compile(r"\n{2,}")
_BASE = np.uint64(1_000_003)  # odd multiplier of the rolling hash (uint64 arithmetic wraps)

TOP_NGRAM_MAX_SHARE = ((2, 0.20), (3, 0.18), (4, 0.16))
DUPLICATE_NGRAM_MAX_SHARE = ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))


def _duplicates(parts: list[str]) -> tuple[int, int]:
    """(how many parts repeat an earlier one, how many characters those repeats have)."""
    seen: set[str] = set()
    count = characters = 0
    for part in parts:
        if part in seen:
            count += 1
            characters += len(part)
        else:
            seen.add(part)
    return count, characters


def repetition_problem(text: str, min_words: int = 0) -> str | None:
    """The first Gopher repetition rule `text` breaks; None when none, or it has under `min_words` words."""
    tokens = words(text)
    if not text or len(tokens) < max(min_words, 1):
        return None
    for name, parts, max_share, max_char_share in (
        ("paragraph", _PARAGRAPHS.split(text.strip()), 0.30, 0.20),
        ("line", text.split("\n"), 0.30, 0.20),
    ):
        count, characters = _duplicates(parts)
        if count / len(parts) > max_share:
            return f"duplicate_{name}s"
        if characters / len(text) > max_char_share:
            return f"duplicate_{name}_characters"
    if len(tokens) < 2:
        return None
    # Python's string hash differs between processes, but words are only compared within this text
    ids = np.fromiter(map(hash, tokens), np.int64, len(tokens)).view(np.uint64)
    lengths = np.fromiter(map(len, tokens), np.int64, len(tokens))
    ends = np.concatenate(([0], np.cumsum(lengths)))  # characters of words [i, j) = ends[j] - ends[i]
    top_limits, duplicate_limits = dict(TOP_NGRAM_MAX_SHARE), dict(DUPLICATE_NGRAM_MAX_SHARE)
    loosest_duplicate_limit = min(duplicate_limits.values())
    hashes = ids.copy()  # (W - n + 1,) hashes of the n-grams starting at each word
    for n in range(2, 11):
        with np.errstate(over="ignore"):
            hashes = hashes[:-1] * _BASE + ids[n - 1 :]
        if hashes.size == 0:
            break
        unique, first, counts = np.unique(hashes, return_index=True, return_counts=True)
        if n in top_limits:
            # of the most frequent n-grams, the first to occur (as datatrove's Counter.most_common):
            # np.unique orders by hash, which differs between processes
            top = int(counts.max())
            start = int(first[counts == top].min())
            if (ends[start + n] - ends[start]) * top / len(text) > top_limits[n]:
                return f"top_{n}_gram"
        if n in duplicate_limits:
            if len(unique) == len(hashes):
                break  # no n-gram repeats, so no longer one does either
            repeated = np.ones(len(hashes), bool)
            repeated[first] = False
            starts = np.flatnonzero(repeated)
            cover = np.zeros(len(tokens) + 1, np.int64)
            np.add.at(cover, starts, 1)
            np.add.at(cover, starts + n, -1)
            share = int(lengths[np.cumsum(cover[:-1]) > 0].sum()) / len(text)
            if share > duplicate_limits[n]:
                return f"duplicate_{n}_grams"
            if share <= loosest_duplicate_limit:
                break  # longer n-grams cover no more than this, and their limits are no lower
    return None


class RepetitionFilter(BaseFilter):
    """Drops documents of at least `min_words` words that break a Gopher repetition rule.

    Reasons are ``repetition_<rule>``; short texts repeat by chance and are left alone.
    """

    name = "repetition"

    def __init__(self, min_words: int = 50, exclusion_writer: DiskWriter | None = None) -> None:
        super().__init__(exclusion_writer)
        self.min_words = min_words

    def filter(self, document: DatatroveDocument) -> bool | tuple[bool, str]:
        problem = repetition_problem(document.text, self.min_words)
        return True if problem is None else (False, f"repetition_{problem}")

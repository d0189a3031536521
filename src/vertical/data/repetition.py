"""Gopher's repetition rules (Rae et al. 2021, "Scaling Language Models", table A1), over a batch.

datatrove's `GopherRepetitionFilter` implements the same rules with Python loops over joined
n-gram strings; on the benchmark corpus it took 45% of the whole stage, and a numpy version per
document still spent most of its time in small-array overhead. Here a batch of documents is one
set of arrays: each word gets an integer code unique to its document, the n-grams of every
length are grouped by `pandas.factorize` (a hash table, codes in order of first occurrence), and
an (n+1)-gram is looked at only where its n-gram repeats (one that does not repeat cannot either).
"Characters in duplicated n-grams" is the coverage of the word positions that repeat an earlier
n-gram (each character counted once, as the paper defines it); of equally frequent n-grams the
first to occur is the "most frequent" one (as datatrove's `Counter.most_common`); rules on an empty
text do not apply. Thresholds are the paper's. Words are mixed-script (`vertical.data.words`),
so Chinese is measured by character n-grams.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain

import numpy as np
import pandas as pd
from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.writers.disk_base import DiskWriter

from vertical.data.batch_filter import BatchFilter
from vertical.data.shared_words import batch_words_of
from vertical.data.word_arrays import BatchWords
from vertical.data.words import words

_PARAGRAPHS = re.compile(r"\n{2,}")

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


def _line_problem(text: str) -> str | None:
    # one paragraph repeats nothing: split into paragraphs only texts that have several
    paragraphs = _PARAGRAPHS.split(text.strip()) if "\n\n" in text else []
    for name, parts, max_share, max_char_share in (
        ("paragraph", paragraphs, 0.30, 0.20),
        ("line", text.split("\n"), 0.30, 0.20),
    ):
        if not parts:
            continue
        count, characters = _duplicates(parts)
        if count / len(parts) > max_share:
            return f"duplicate_{name}s"
        if characters / len(text) > max_char_share:
            return f"duplicate_{name}_characters"
    return None


def _ngram_problems(
    text_lengths: np.ndarray, word_counts: np.ndarray, lengths: np.ndarray, word_hashes: np.ndarray
) -> list[str | None]:
    """The first n-gram rule each text breaks (texts of two words or more), all texts at once.

    Args:
        text_lengths: (D,) characters of each text.
        word_counts: (D,) words of each text.
        lengths: (T,) characters of each word, the texts' words one after the other.
        word_hashes: (T,) uint64 codes of the words: equal words, equal codes.
    """
    documents = word_counts.size
    starts = np.concatenate(([0], np.cumsum(word_counts)))  # (D + 1,) first word of each document
    total = int(starts[-1])
    ends = np.concatenate(([0], np.cumsum(lengths)))  # characters of words [i, j) = ends[j] - ends[i]
    document_of = np.repeat(np.arange(documents, dtype=np.int64), word_counts)  # (T,)
    document_end = starts[1:][document_of]  # (T,) one past the last word of the word's document
    text_lengths = text_lengths.astype(np.float64)
    # word codes unique per document: the word's code mixed with the document's number; two
    # different words of a batch of ~10^6 share a code with probability ~10^-8
    hashes = word_hashes.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        hashes ^= document_of.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    word_codes, distinct = pd.factorize(hashes)
    word_codes = word_codes.astype(np.int64)
    width = np.int64(len(distinct))

    rules: list[tuple[str, np.ndarray]] = []  # (reason, (D,) broken) in the order the rules are tried
    top_limits, duplicate_limits = dict(TOP_NGRAM_MAX_SHARE), dict(DUPLICATE_NGRAM_MAX_SHARE)
    positions = np.arange(total, dtype=np.int64)  # where an n-gram starts that may repeat
    codes = word_codes  # (len(positions),) code of the (n-1)-gram starting there
    for n in range(2, 11):
        inside = positions + n <= document_end[positions]
        positions, codes = positions[inside], codes[inside]
        if positions.size:
            codes, _ = pd.factorize(codes * width + word_codes[positions + n - 1])  # first-occurrence order
            group_sizes = np.bincount(codes)
            first_seen = np.empty(codes.size, bool)  # is this the first occurrence of its n-gram?
            first_seen[0] = True
            first_seen[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
            group_start = positions[first_seen]  # (G,) where each n-gram first occurs, in code order
        else:
            group_sizes = group_start = np.zeros(0, np.int64)
            first_seen = np.zeros(0, bool)
        if n in top_limits:
            group_document = document_of[group_start]  # non-decreasing: documents come in order
            top = np.ones(documents, np.int64)  # an n-gram outside `positions` occurs once
            np.maximum.at(top, group_document, group_sizes)
            top_start = starts[:-1].copy()  # all n-grams once: the first one is the most frequent
            tied = np.flatnonzero(group_sizes == top[group_document])
            winners, first = np.unique(group_document[tied], return_index=True)  # the earliest of the tied
            repeated = top[winners] >= 2
            top_start[winners[repeated]] = group_start[tied[first[repeated]]]
            top_start = np.minimum(top_start, max(total - n, 0))  # documents without n-grams: never read
            characters = ends[top_start + n] - ends[top_start]
            rules.append(
                (f"top_{n}_gram", (word_counts >= n) & (characters * top / text_lengths > top_limits[n]))
            )
        if n in duplicate_limits:
            repeats = positions[~first_seen]
            cover = np.bincount(repeats, minlength=total + 1) - np.bincount(repeats + n, minlength=total + 1)
            covered = np.cumsum(cover[:-1]) > 0  # (T,) words inside a repeated n-gram
            shares = np.bincount(document_of[covered], weights=lengths[covered], minlength=documents)
            rules.append((f"duplicate_{n}_grams", shares / text_lengths > duplicate_limits[n]))
        if n >= 4 and not positions.size:
            break  # no n-gram repeats, so no longer one does either
        keep = group_sizes[codes] >= 2 if positions.size else np.zeros(0, bool)
        positions, codes = positions[keep], codes[keep]
    broken = np.vstack([mask for _, mask in rules])  # (rules, D)
    first_rule = np.argmax(broken, axis=0)
    return [rules[rule][0] if broken[rule, d] else None for d, rule in enumerate(first_rule.tolist())]


def _problems(
    texts: Sequence[str],
    word_counts: np.ndarray,
    lengths: np.ndarray,
    word_hashes: np.ndarray,
    min_words: int,
) -> list[str | None]:
    problems: list[str | None] = [None] * len(texts)
    pending = np.zeros(len(texts), bool)
    for index, (text, count) in enumerate(zip(texts, word_counts.tolist(), strict=True)):
        if not text or count < max(min_words, 1):
            continue
        problems[index] = _line_problem(text)
        pending[index] = problems[index] is None and count >= 2
    if pending.any():
        chosen = np.flatnonzero(pending)
        words_chosen = np.repeat(pending, word_counts)  # (T,) the words of the chosen texts
        text_lengths = np.fromiter((len(texts[i]) for i in chosen.tolist()), np.int64, chosen.size)
        found = _ngram_problems(
            text_lengths, word_counts[chosen], lengths[words_chosen], word_hashes[words_chosen]
        )
        for index, problem in zip(chosen.tolist(), found, strict=True):
            problems[index] = problem
    return problems


def repetition_problems(
    texts: Sequence[str], token_lists: Sequence[list[str]], min_words: int = 0
) -> list[str | None]:
    """The first Gopher repetition rule each text breaks; None when none, or it has under `min_words` words.

    `token_lists` are the texts' words (`vertical.data.words.words`).
    """
    word_counts = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
    total = int(word_counts.sum())
    flat = list(chain.from_iterable(token_lists))
    lengths = np.fromiter(map(len, flat), np.int64, total)
    hashes = np.fromiter(map(hash, flat), np.int64, total).view(np.uint64)  # consistent within a process
    return _problems(texts, word_counts, lengths, hashes, min_words)


def batch_repetition_problems(
    texts: Sequence[str], words: BatchWords, min_words: int = 0
) -> list[str | None]:
    """`repetition_problems` with the texts' words as arrays (`vertical.data.word_arrays`)."""
    return _problems(texts, words.counts, words.ends - words.starts, words.codes, min_words)


def repetition_problem(text: str, min_words: int = 0) -> str | None:
    """The first Gopher repetition rule `text` breaks; None when none, or it has under `min_words` words."""
    return repetition_problems([text], [words(text)], min_words)[0]


class RepetitionFilter(BatchFilter):
    """Drops documents of at least `min_words` words that break a Gopher repetition rule.

    Reasons are ``repetition_<rule>``; short texts repeat by chance and are left alone. Works on
    batches of `batch_size` documents.
    """

    name = "repetition"

    def __init__(
        self, min_words: int = 50, exclusion_writer: DiskWriter | None = None, batch_size: int = 256
    ) -> None:
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.min_words = min_words

    def filter_batch(self, batch: list[DatatroveDocument]) -> list[bool | tuple[bool, str]]:
        texts = [document.text for document in batch]
        problems = batch_repetition_problems(texts, batch_words_of(batch), self.min_words)
        return [True if problem is None else (False, f"repetition_{problem}") for problem in problems]

    def filter(self, document: DatatroveDocument) -> bool | tuple[bool, str]:
        return self.filter_batch([document])[0]

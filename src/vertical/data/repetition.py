"""Gopher's repetition rules (Rae et al. 2021, "Scaling Language Models", table A1), over a batch.

datatrove's `GopherRepetitionFilter` implements the same rules with Python loops over joined
n-gram strings; on the benchmark corpus it took 45% of the whole stage, and a numpy version per
document still spent most of its time in small-array overhead, and `pandas.factorize` over a
batch's n-grams still ~150 µs a document. Here a batch of documents is one set of arrays (the
words' codes, `vertical.data.word_arrays`) and one compiled loop (numba) goes through each
document once per n-gram length with an open-addressing hash table: each n-gram is numbered in
order of first occurrence, from the number of its (n-1)-gram and its last word, and an n-gram is
looked at only where its (n-1)-gram repeats (one that does not repeat cannot either): ~27 µs a
document of the benchmark corpus.
"Characters in duplicated n-grams" is the coverage of the word positions that repeat an earlier
n-gram (each character counted once, as the paper defines it); of equally frequent n-grams the
first to occur is the "most frequent" one (as datatrove's `Counter.most_common`); rules on an empty
text do not apply. Thresholds are the paper's. Words are mixed-script (`vertical.data.words`),
so Chinese is measured by character n-grams.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from itertools import chain

import numpy as np
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
    if len(set(map(len, parts))) == len(parts):
        return 0, 0  # parts of different lengths repeat nothing: no part is hashed (most texts)
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
    lines = text.split("\n")
    # one paragraph repeats nothing: split into paragraphs only texts that have several, those with
    # "\n\n" (an empty line between two others; faster than that two-character search)
    paragraphs = _PARAGRAPHS.split(text.strip()) if "" in lines[1:-1] else []
    for name, parts, max_share, max_char_share in (
        ("paragraph", paragraphs, 0.30, 0.20),
        ("line", lines, 0.30, 0.20),
    ):
        if not parts:
            continue
        count, characters = _duplicates(parts)
        if count / len(parts) > max_share:
            return f"duplicate_{name}s"
        if characters / len(text) > max_char_share:
            return f"duplicate_{name}_characters"
    return None


_RULES = tuple(f"top_{n}_gram" for n, _ in TOP_NGRAM_MAX_SHARE) + tuple(
    f"duplicate_{n}_grams" for n, _ in DUPLICATE_NGRAM_MAX_SHARE
)  # in the order they are tried: n = 2, 3, ..., 10


@functools.cache
def _ngram_loop():
    """The compiled loop of the n-gram rules (numba, imported here only; cached after the first process)."""
    import numba

    golden = np.uint64(0x9E3779B97F4A7C15)

    @numba.njit(cache=True, nogil=True)
    def first_rules(word_counts, lengths, codes, text_lengths, limits):
        """(D,) index into _RULES of the first rule each text breaks, -1 for none; see `_ngram_problems`."""
        documents = word_counts.size
        broken = np.full(documents, -1, np.int64)
        longest = max(word_counts.max(), 1) if documents else 1
        bits = 1
        while (1 << bits) < 2 * longest:
            bits += 1
        size, shift = 1 << bits, np.uint64(64 - bits)
        mask = size - 1
        keys, stamps, values = np.zeros(size, np.int64), np.zeros(size, np.int64), np.zeros(size, np.int64)
        positions, previous = np.empty(longest, np.int64), np.empty(longest, np.int64)
        current, counts, first = (
            np.empty(longest, np.int64),
            np.empty(longest, np.int64),
            np.empty(longest, np.int64),
        )
        word_ids, prefix = np.empty(longest, np.int64), np.empty(longest + 1, np.int64)
        stamp, begin = 0, 0
        for document in range(documents):
            words = word_counts[document]
            prefix[0] = 0  # prefix[i]: characters of the document's words [0, i)
            for i in range(words):
                prefix[i + 1] = prefix[i] + lengths[begin + i]
            stamp += 1  # each word's id: its order of first occurrence in the document
            distinct = 0
            for i in range(words):
                key = codes[begin + i]
                slot = np.int64((np.uint64(key) * golden) >> shift)  # open addressing; live slots: stamp
                while stamps[slot] == stamp and keys[slot] != key:
                    slot = (slot + 1) & mask
                if stamps[slot] != stamp:
                    stamps[slot], keys[slot], values[slot] = stamp, key, distinct
                    distinct += 1
                word_ids[i] = values[slot]
                positions[i], previous[i] = i, word_ids[i]
            live = words  # positions where an n-gram may repeat, with the id of their (n-1)-gram
            for n in range(2, 11):
                kept = 0
                for j in range(live):
                    if positions[j] + n <= words:
                        positions[kept], previous[kept] = positions[j], previous[j]
                        kept += 1
                live = kept
                stamp += 1  # each n-gram's id: its order of first occurrence
                groups = 0
                for j in range(live):
                    key = previous[j] * words + word_ids[positions[j] + n - 1]
                    slot = np.int64((np.uint64(key) * golden) >> shift)
                    while stamps[slot] == stamp and keys[slot] != key:
                        slot = (slot + 1) & mask
                    if stamps[slot] != stamp:
                        stamps[slot], keys[slot], values[slot] = stamp, key, groups
                        counts[groups], first[groups] = 0, positions[j]
                        groups += 1
                    current[j] = values[slot]
                    counts[current[j]] += 1
                rule = n - 2
                if n <= 4 and words >= n:  # the most frequent n-gram, the first to occur of equal ones
                    top, top_start = 1, 0
                    for group in range(groups):
                        if counts[group] > top:
                            top, top_start = counts[group], first[group]
                    characters = prefix[top_start + n] - prefix[top_start]
                    if characters * top / text_lengths[document] > limits[rule]:
                        broken[document] = rule
                        break
                elif n > 4:  # characters of the words inside an n-gram that repeats an earlier one
                    characters, reached = 0, 0
                    for j in range(live):
                        start = positions[j]
                        if first[current[j]] != start:
                            characters += prefix[start + n] - prefix[max(start, reached)]
                            reached = start + n
                    if characters / text_lengths[document] > limits[rule]:
                        broken[document] = rule
                        break
                    if not live:
                        break  # no n-gram repeats, so no longer one does either
                kept = 0
                for j in range(live):
                    if counts[current[j]] >= 2:
                        positions[kept], previous[kept] = positions[j], current[j]
                        kept += 1
                live = kept
            begin += words
        return broken

    return first_rules


def _ngram_problems(
    text_lengths: np.ndarray, word_counts: np.ndarray, lengths: np.ndarray, word_hashes: np.ndarray
) -> list[str | None]:
    """The first n-gram rule each text breaks (texts of two words or more), all texts at once, by
    the compiled loop of the module docstring.

    Args:
        text_lengths: (D,) characters of each text.
        word_counts: (D,) words of each text.
        lengths: (T,) characters of each word, the texts' words one after the other.
        word_hashes: (T,) uint64 codes of the words: equal words, equal codes.
    """
    limits = np.array([share for _, share in TOP_NGRAM_MAX_SHARE + DUPLICATE_NGRAM_MAX_SHARE], np.float64)
    broken = _ngram_loop()(
        np.ascontiguousarray(word_counts, np.int64),
        np.ascontiguousarray(lengths, np.int64),
        np.ascontiguousarray(word_hashes, np.uint64).view(np.int64),
        np.ascontiguousarray(text_lengths, np.float64),
        limits,
    )
    return [None if rule < 0 else _RULES[rule] for rule in broken.tolist()]


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

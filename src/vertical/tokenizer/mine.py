"""Mining domain terms: frequent words that the base tokenizer shreds into several pieces.

A general tokenizer splits domain words ("EBITDA" -> ``e ##bit ##da``, an invented company name
-> ``tu ##lk ##re``), so the model must compose their meaning from unrelated pieces. A word that
is frequent in the domain corpus and split into `min_pieces` or more is a candidate; candidates
are scored by the tokens they would save, ``(pieces - 1) * frequency``, and the best kept.

This is the first, English-only pass; the tokenizer issue adds n-grams, Chinese and [UNK] mining.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

WORD_PATTERN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """A mined term: the word as the tokenizer normalises it, how often it occurs, how it was split."""

    text: str
    frequency: int
    pieces: tuple[str, ...]

    @property
    def tokens_saved(self) -> int:
        return (len(self.pieces) - 1) * self.frequency


def normalized_word(tokenizer, word: str) -> str:
    """`word` as the tokenizer's normaliser sees it (lower-cased and accent-stripped for uncased BERT)."""
    normalizer = getattr(getattr(tokenizer, "backend_tokenizer", None), "normalizer", None)
    return normalizer.normalize_str(word) if normalizer is not None else word


def mine_terms(
    texts: Iterable[str], tokenizer, max_new_tokens: int, min_frequency: int = 20, min_pieces: int = 2
) -> list[Term]:
    """The best `max_new_tokens` terms of `texts` (see the module docstring), best first.

    Args:
        texts: the domain corpus, streamed.
        tokenizer: the base (fast) tokenizer.
        max_new_tokens: how many terms to keep at most.
        min_frequency: a word must occur this often.
        min_pieces: a word must be split into at least this many pieces.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(normalized_word(tokenizer, word) for word in WORD_PATTERN.findall(text))
    vocabulary = tokenizer.get_vocab()
    terms = []
    for word, frequency in counts.items():
        if frequency < min_frequency or word in vocabulary:
            continue
        pieces = tuple(tokenizer.tokenize(word))
        if len(pieces) >= min_pieces and tokenizer.unk_token not in pieces:
            terms.append(Term(word, frequency, pieces))
    terms.sort(key=lambda term: (-term.tokens_saved, term.text))
    return terms[:max_new_tokens]

"""Mining domain terms: what the base tokenizer shreds or cannot see at all.

A general tokenizer splits domain words ("EBITDA" -> ``e ##bit ##da``, an invented company name
-> ``tu ##lk ##re``) and maps many Chinese characters (险, 营 ...) to ``[UNK]``, so the model must
compose meaning from unrelated pieces, or sees nothing. Candidates, from the corpus and the
knowledge graph's entity labels:

- ``word``: an English (or other space-separated) word split into `min_pieces` or more pieces;
- ``ngram``: a run of 2..`ngram_max` words split into at least 3 pieces (off unless `ngram_max` > 1);
- ``zh_word``: a Chinese word (segmented with ``jieba``) of 2+ characters, split into `min_pieces`+;
- ``unk_char``: a character (of any script: full-width punctuation too) the base maps to ``[UNK]``.

Candidates are scored by the tokens they would save, ``(pieces - 1) * frequency``. Former
``[UNK]`` characters save no tokens but make text visible at all, so every one that occurs
`min_unk_frequency` times is kept first (ordered by frequency); the rest of `max_new_tokens` go
to the best-scoring words. Frequencies are counted on the tokenizer's normalised text, so terms
match the way the base tokenizer sees text (lower-cased for an uncased model).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from vertical.unicode_scripts import HAN, HAN_CHAR, HAN_RUN, LETTER_WORD

# A word: letters (not digits), an optional apostrophe part; CJK runs are handled apart.
CJK_CHAR, CJK_RUN, WORD_PATTERN = HAN_CHAR, HAN_RUN, LETTER_WORD  # the names this module's users know
NGRAM_MIN_PIECES = 3

TermKind = Literal["word", "ngram", "zh_word", "unk_char"]


@dataclass(frozen=True)
class Term:
    """A mined term: its text as the tokenizer normalises it, its corpus frequency, how it was split."""

    text: str
    frequency: int
    pieces: tuple[str, ...]
    kind: TermKind = "word"

    @property
    def tokens_saved(self) -> int:
        return (len(self.pieces) - 1) * self.frequency


def normalized_text(tokenizer, text: str) -> str:
    """`text` as the tokenizer's normaliser sees it (lower-cased and accent-stripped for uncased BERT).

    BERT's normaliser also puts spaces around CJK characters; they are removed again here so that
    Chinese text stays one run for the segmenter.
    """
    normalizer = getattr(getattr(tokenizer, "backend_tokenizer", None), "normalizer", None)
    if normalizer is None:
        return text
    # Normalise per character class: spaces the normaliser adds around CJK characters are undone.
    normalized = normalizer.normalize_str(text)
    return re.sub(f"(?<=[{HAN}]) +(?=[{HAN}])", "", normalized)


normalized_word = normalized_text  # the name the first pass used


def chinese_segmenter(user_words: Iterable[str] = ()):
    """A jieba segmenter of its own (the global one is left alone) that keeps `user_words` whole."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    for word in user_words:
        segmenter.add_word(word)
    return segmenter


@dataclass
class CorpusCounts:
    """Counts of the candidate units of a corpus, after normalisation."""

    words: Counter[str]
    ngrams: Counter[str]
    zh_words: Counter[str]
    chars: Counter[str]  # every character but spaces


def count_candidates(
    texts: Iterable[str], tokenizer, ngram_max: int = 1, zh_user_words: Iterable[str] = ()
) -> CorpusCounts:
    """Count words, word n-grams (2..`ngram_max`), jieba-segmented Chinese words and CJK characters.

    `zh_user_words` (entity labels) are kept whole by the segmenter.
    """
    counts = CorpusCounts(Counter(), Counter(), Counter(), Counter())
    segmenter = None
    for text in texts:
        text = normalized_text(tokenizer, text)
        words = WORD_PATTERN.findall(text)
        counts.words.update(words)
        if ngram_max > 1:
            # n-grams of adjacent words only: split on anything that is not a word or a single space
            for segment in re.split(r"[^\w' ’]+|\s{2,}", text):
                segment_words = WORD_PATTERN.findall(segment)
                for n in range(2, ngram_max + 1):
                    counts.ngrams.update(
                        " ".join(segment_words[i : i + n]) for i in range(len(segment_words) - n + 1)
                    )
        counts.chars.update(char for char in text if not char.isspace())  # [UNK] candidates, any script
        for run in CJK_RUN.findall(text):
            if segmenter is None:
                segmenter = chinese_segmenter(zh_user_words)
            counts.zh_words.update(word for word in segmenter.lcut(run) if len(word) >= 2)
    return counts


def _candidate(tokenizer, text: str, frequency: int, kind: TermKind, min_pieces: int) -> Term | None:
    pieces = tuple(tokenizer.tokenize(text))
    if len(pieces) < min_pieces:
        return None
    if kind == "word" and tokenizer.unk_token in pieces:
        return None  # a word of unknown characters: the characters are mined instead
    return Term(text, frequency, pieces, kind)


def mine_terms(
    texts: Iterable[str],
    tokenizer,
    max_new_tokens: int,
    min_frequency: int = 20,
    min_pieces: int = 2,
    ngram_max: int = 1,
    min_unk_frequency: int = 1,
    labels: Iterable[str] = (),
) -> list[Term]:
    """The best `max_new_tokens` terms of `texts` (see the module docstring), best first.

    Args:
        texts: the domain corpus, streamed.
        tokenizer: the base (fast) tokenizer.
        max_new_tokens: how many terms to keep at most.
        min_frequency: a word, n-gram or Chinese word must occur this often.
        min_pieces: a word or Chinese word must be split into at least this many pieces.
        ngram_max: longest word n-gram to consider; 1 mines single words only.
        min_unk_frequency: a former ``[UNK]`` character must occur this often.
        labels: entity labels from the knowledge graph; they are candidates even when rarer than
            `min_frequency` (they must still occur in the corpus).

    Returns:
        The kept terms: former ``[UNK]`` characters first, then by tokens saved.
    """
    label_set = {normalized_text(tokenizer, label).strip() for label in labels}
    counts = count_candidates(texts, tokenizer, ngram_max, [x for x in label_set if CJK_RUN.fullmatch(x)])
    vocabulary = tokenizer.get_vocab()
    unk = tokenizer.unk_token

    def frequent(text: str, frequency: int) -> bool:
        return frequency >= min_frequency or (text in label_set and frequency > 0)

    unk_chars = [
        Term(char, frequency, (unk,), "unk_char")
        for char, frequency in counts.chars.items()
        if frequency >= min_unk_frequency
        and unk is not None
        and char not in vocabulary
        and tokenizer.tokenize(char) == [unk]
    ]
    unk_chars.sort(key=lambda term: (-term.frequency, term.text))
    scored: list[Term] = []
    for source, kind, pieces_needed in (
        (counts.words, "word", min_pieces),
        (counts.ngrams, "ngram", max(min_pieces, NGRAM_MIN_PIECES)),
        (counts.zh_words, "zh_word", min_pieces),
    ):
        for text, frequency in source.items():
            if frequent(text, frequency) and text not in vocabulary:
                term = _candidate(tokenizer, text, frequency, kind, pieces_needed)
                if term is not None:
                    scored.append(term)
    scored.sort(key=lambda term: (-term.tokens_saved, term.text))
    return (unk_chars + scored)[:max_new_tokens]

"""Words of mixed English and Chinese text, for MinHash shingles, Gopher filters and token counts.

Chinese has no spaces between words; a dictionary segmenter (jieba, through spaCy) would add two
heavy dependencies and a model. Each Han character counts as one word instead, the usual choice
for character-level near-duplicate detection of Chinese; Latin words and numbers are runs of
letters and digits. datatrove accepts any `WordTokenizer`, so its MinHash and Gopher steps use this.
"""

from __future__ import annotations

from datatrove.utils.word_tokenizers import WordTokenizer

from vertical.unicode_scripts import sentences
from vertical.unicode_scripts import words as split_words


def words(text: str) -> list[str]:
    """The words of `text`: each CJK character, and each run of letters and digits."""
    return split_words(text)


def count_words(text: str) -> int:
    """How many words `text` has, counted as `words` does (the stage's token count)."""
    return len(split_words(text))


class MixedScriptTokenizer(WordTokenizer):
    """A datatrove `WordTokenizer` for English, Chinese and text that mixes them; needs no model."""

    def __init__(self) -> None:
        super().__init__("mixed")

    def word_tokenize(self, text: str) -> list[str]:
        return words(text)

    def sent_tokenize(self, text: str) -> list[str]:
        return sentences(text)

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        spans, start = [], 0
        for sentence in self.sent_tokenize(text):
            begin = text.index(sentence, start)
            start = begin + len(sentence)
            spans.append((begin, start))
        return spans

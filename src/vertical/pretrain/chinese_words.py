"""Chinese whole-word masking: the characters of a Chinese word share one word id.

A BERT tokenizer makes every Chinese character a word of its own, so whole-word masking would
mask single characters, and the model could fill 银 in 银行 from the 行 beside it. Chinese
whole-word masking (Cui et al., 2021, "Pre-Training with Whole Word Masking for Chinese BERT",
https://arxiv.org/abs/1906.08101) segments the text into words and masks all characters of a word
together. We segment with jieba (its own dictionary; the global segmenter is left alone) and
regroup the tokenizer's word ids by the character offsets of the tokens; text without Chinese
characters is left as it was.
"""

from __future__ import annotations

from functools import lru_cache

from vertical.unicode_scripts import HAN_CHAR, has_han


@lru_cache(maxsize=1)
def _segmenter():
    from vertical.tokenizer.mine import chinese_segmenter

    return chinese_segmenter()


def has_chinese(text: str) -> bool:
    """True when `text` holds at least one CJK ideograph."""
    return has_han(text)


def chinese_word_ids(text: str, offsets: list[tuple[int, int]], word_ids: list[int]) -> list[int]:
    """`word_ids` regrouped so that the tokens of one Chinese word (of 2+ characters) share an id.

    Args:
        text: the text the tokens come from.
        offsets: (T,) character span of each token, (0, 0) for special tokens.
        word_ids: (T,) the tokenizer's word index of each token, -1 for special tokens.

    Returns:
        (T,) word ids numbered 0, 1, 2 ... in order of first appearance, -1 kept for special tokens.
    """
    if not has_chinese(text):
        return word_ids
    word_start = {}  # character position -> start of the multi-character Chinese word it is in
    for word, start, end in _segmenter().tokenize(text):
        if end - start >= 2 and all(HAN_CHAR.match(c) for c in word):
            for position in range(start, end):
                word_start[position] = start
    regrouped, numbers = [], {}
    for (start, end), word_id in zip(offsets, word_ids, strict=True):
        if word_id < 0:
            regrouped.append(-1)
            continue
        key = ("zh", word_start[start]) if end > start and start in word_start else ("token-word", word_id)
        regrouped.append(numbers.setdefault(key, len(numbers)))
    return regrouped

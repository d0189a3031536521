"""How well a tokenizer fits a text: fertility, ``[UNK]`` rate and mean sequence length.

- ``fertility``: tokens per word, where a word is a run of letters in space-separated scripts and
  each Chinese character counts as one word (Rust et al. 2021, "How good is your tokenizer?").
- ``unk_rate``: the share of tokens that are the unknown token.
- ``mean_tokens_per_line``: tokens per text (a line of stdin, or a corpus document), without the
  special tokens the model adds.
"""

from __future__ import annotations

from collections.abc import Iterable

from vertical.unicode_scripts import HAN_CHAR, LETTER_WORD


def count_words(text: str) -> int:
    """Words of `text`: letter runs outside CJK, plus one per CJK character."""
    return len(LETTER_WORD.findall(text)) + len(HAN_CHAR.findall(text))


def tokenization_stats(tokenizer, texts: Iterable[str]) -> dict[str, float]:
    """Fertility, ``[UNK]`` rate, mean tokens per text and counts over `texts` (module docstring)."""
    words = tokens = unknown = lines = 0
    unk = tokenizer.unk_token
    for text in texts:
        pieces = tokenizer.tokenize(text)
        words += count_words(text)
        tokens += len(pieces)
        unknown += sum(1 for piece in pieces if piece == unk)
        lines += 1
    return {
        "fertility": round(tokens / max(words, 1), 4),
        "unk_rate": round(unknown / max(tokens, 1), 6),
        "mean_tokens_per_line": round(tokens / max(lines, 1), 2),
        "tokens": tokens,
        "words": words,
        "lines": lines,
    }

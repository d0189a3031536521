"""Closed-book question answering: greedy answers scored by exact match and token F1, SQuAD-style.

Answers are normalised as the SQuAD evaluation script does (Rajpurkar et al. 2016): lower case,
punctuation and the articles a/an/the removed, whitespace collapsed; Chinese is compared
character by character (CJK ideographs are tokens of their own), as CMRC 2018 does. Exact match is
1 when the normalised prediction equals the normalised reference; token F1 is the harmonic mean
of the precision and recall of their token multisets. Both are means over the test questions, so
the paired bootstrap resamples per-question (score, 1) rows.

The answers come from `vertical.instruct.answer.generate_answers` (greedy, the chat template's
end of turn as stop).
"""

from __future__ import annotations

import re
import string
from collections import Counter

from vertical.unicode_scripts import HAN_CHAR as CJK_CHAR

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation) | set("，。！？、；：“”‘’（）《》【】")


def normalise_answer(text: str) -> str:
    """Lower case, no punctuation, no English articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def answer_tokens(text: str) -> list[str]:
    """The normalised answer's tokens: words, and each CJK ideograph on its own."""
    tokens: list[str] = []
    for word in normalise_answer(text).split():
        run = ""
        for ch in word:
            if CJK_CHAR.match(ch):
                tokens.extend([run, ch] if run else [ch])
                run = ""
            else:
                run += ch
        if run:
            tokens.append(run)
    return tokens


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when the normalised answers are equal, else 0.0."""
    return float(normalise_answer(prediction) == normalise_answer(reference))


def token_f1(prediction: str, reference: str) -> float:
    """F1 of the token multisets of the normalised answers (1.0 when both are empty)."""
    predicted, gold = answer_tokens(prediction), answer_tokens(reference)
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def qa_metrics(predictions: dict) -> dict:
    """exact_match and token_f1 of a QA predictions record (``gold``, ``predicted``), with the samples."""
    gold, predicted = predictions["gold"], predictions["predicted"]
    em = [exact_match(p, g) for p, g in zip(predicted, gold, strict=True)]
    f1 = [token_f1(p, g) for p, g in zip(predicted, gold, strict=True)]
    count = max(len(gold), 1)
    return {
        "exact_match": round(sum(em) / count, 4),
        "token_f1": round(sum(f1) / count, 4),
        "examples": len(gold),
        "per_class": {},
        "samples": predictions.get("samples", []),
    }


def qa_counts(predictions: dict) -> dict[str, list[tuple[float, float]]]:
    """Per headline metric, the per-question (score, 1) rows the bootstrap resamples."""
    pairs = list(zip(predictions["predicted"], predictions["gold"], strict=True))
    return {
        "exact_match": [(exact_match(p, g), 1.0) for p, g in pairs],
        "token_f1": [(token_f1(p, g), 1.0) for p, g in pairs],
    }

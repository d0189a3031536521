"""Metrics of grounded answers: exact match, retrieval recall@k, citation precision, supported answers.

Answers are compared as the closed-book QA of the finetune stage compares them
(`vertical.evaluate.llm_qa`: SQuAD's normalisation, Rajpurkar et al. 2016), with the ``[n]``
citation markers taken out first and only the answer's first line kept (a model that goes on
writing after its answer is judged on the answer), so a closed-book exact match here is the one
the finetune stage reports. A retrieved passage or a cited source *contains* an answer when the
answer, lower-cased with punctuation as spaces, occurs in it as whole words; `anchors` (e.g. the
names of the entities the question is about) must occur too, so a passage about another mining
firm does not count for "which sector is Zorvex 3 in? mining".
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

from vertical.evaluate.llm_qa import exact_match as qa_exact_match
from vertical.retrieve.grounding import strip_citations

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation + "，。！？；：、“”‘’（）"})


def normalise_answer(text: str) -> str:
    """Lower case, punctuation as spaces, no English articles, single spaces (for whole-word search)."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def first_answer(generated: str) -> str:
    """The first non-empty line of a generated answer, citations removed."""
    for line in generated.splitlines():
        if line.strip():
            return strip_citations(line).strip()
    return ""


def exact_match(generated: str, reference: str) -> bool:
    """Whether the generated answer's first line equals the reference, both normalised as `llm_qa` does."""
    return qa_exact_match(first_answer(generated), reference) == 1.0


def contains_answer(text: str, answer: str, anchors: Sequence[str | Sequence[str]] = ()) -> bool:
    """Whether `text` holds the answer and every anchor as whole normalised words.

    An anchor is a name, or a sequence of names of which one is enough: the names of one entity
    (its label, aliases, ticker), since a passage may name the company the question asks about by
    any of them.
    """
    haystack = f" {normalise_answer(text)} "

    def found(needle: str) -> bool:
        needle = normalise_answer(needle)
        return bool(needle) and f" {needle} " in haystack

    alternatives = [[a] if isinstance(a, str) else list(a) for a in anchors]
    return found(answer) and all(any(found(name) for name in names) for names in alternatives)


def recall_at_k(relevant: Sequence[Sequence[bool]], k: int) -> float:
    """Share of questions with a relevant passage among their first `k` (``relevant[q][rank]``)."""
    if not relevant:
        return 0.0
    return sum(any(row[:k]) for row in relevant) / len(relevant)


def citation_precision(cited: Sequence[Sequence[str]], answers: Sequence[str]) -> float | None:
    """Share of all cited sources (texts, per question) that contain their question's answer.

    None when nothing was cited: a precision of no citations is undefined, not zero or one.
    """
    total = sum(len(sources) for sources in cited)
    if total == 0:
        return None
    hits = sum(
        contains_answer(text, answer)
        for sources, answer in zip(cited, answers, strict=True)
        for text in sources
    )
    return hits / total


def supported_share(
    correct: Sequence[bool], cited: Sequence[Sequence[str]], answers: Sequence[str]
) -> float | None:
    """Among correct answers, the share citing a source that contains the answer (None: none correct)."""
    rows = [(sources, answer) for ok, sources, answer in zip(correct, cited, answers, strict=True) if ok]
    if not rows:
        return None
    return sum(any(contains_answer(text, answer) for text in sources) for sources, answer in rows) / len(rows)

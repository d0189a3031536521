"""Documents cut into passages: windows of words with their character span in the document.

A passage is what the index stores, retrieves and cites: its document id and ``[start, end)``
character offsets let a reader find it in the curated corpus. Windows overlap by a few words so
that a sentence cut at a window edge is still whole in one of them. Chinese text, which has no
spaces, counts each ideograph as a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vertical.records import Document

# A word: a run of non-space characters that are not ideographs, or a single ideograph.
_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
PASSAGE_WORD = re.compile(f"[{_IDEOGRAPH}]|[^\\s{_IDEOGRAPH}]+")


def word_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each word of `text`, as passages count them."""
    return [match.span() for match in PASSAGE_WORD.finditer(text)]


@dataclass(frozen=True)
class Passage:
    """A span of a document: ``text == document.text[start:end]``."""

    document_id: str
    start: int
    end: int
    text: str


def split_passages(document: Document, words: int = 120, overlap: int = 20) -> list[Passage]:
    """The passages of one document, in order; a short document is one passage.

    Args:
        words: words per passage.
        overlap: words each passage repeats from the one before (less than `words`).
    """
    spans = word_spans(document.text)
    if not spans:
        return []
    step = max(1, words - min(overlap, words - 1))
    passages = []
    for first in range(0, len(spans), step):
        last = min(first + words, len(spans)) - 1
        start, end = spans[first][0], spans[last][1]
        passages.append(Passage(document.id, start, end, document.text[start:end]))
        if last == len(spans) - 1:
            break
    return passages


def iter_passages(documents: Iterable[Document], words: int = 120, overlap: int = 20) -> Iterator[Passage]:
    """`split_passages` over many documents."""
    for document in documents:
        yield from split_passages(document, words, overlap)

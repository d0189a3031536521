"""One word tokenisation per document, shared by every step that needs its words.

Counting tokens in, the Gopher repetition rules, MinHash shingles, leakage and counting tokens out
all need the words of a document (`vertical.data.words`); splitting the same text four times was a
fifth of the stage. `words_of` keeps the words in the document's metadata next to the text they
came from, and hands them out again while the text is the same object: a step that changes the
text makes a new string, so its words are recomputed by the next step that asks. Steps that leave
a text alone must therefore keep the very string (`clean_lines` and `strip_lines` do).

Between the two pipelines the curated parquet carries the count (`remember_word_count`).
"""

from __future__ import annotations

from datatrove.data import Document as DatatroveDocument

from vertical.data.words import words

_WORDS_KEY = "_words"  # (text, its words); never written: every writer of the stage picks its columns
_COUNT_KEY = "_word_count"  # (text, how many words)


def words_of(document: DatatroveDocument) -> list[str]:
    """The words of the document's text, computed once per text."""
    cached = document.metadata.get(_WORDS_KEY)
    if cached is not None and cached[0] is document.text:
        return cached[1]
    found = words(document.text)
    document.metadata[_WORDS_KEY] = (document.text, found)
    return found


def word_count_of(document: DatatroveDocument) -> int:
    """How many words the document's text has (the stage's token count)."""
    cached = document.metadata.get(_COUNT_KEY)
    if cached is not None and cached[0] is document.text:
        return cached[1]
    return len(words_of(document))


def remember_word_count(document: DatatroveDocument, count: int) -> None:
    """Record the word count of the document's current text, known from an earlier pipeline."""
    document.metadata[_COUNT_KEY] = (document.text, count)


def forget_words(document: DatatroveDocument) -> None:
    """Drop the cached words (after the last step that needs them, to free memory early)."""
    document.metadata.pop(_WORDS_KEY, None)

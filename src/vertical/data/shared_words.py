"""One word split per document text, shared by every step that needs its words.

The Gopher repetition rules, MinHash shingles and the token count out all need the words of a
document; splitting the same text several times was a fifth of the stage. `batch_words_of`
splits the documents of a batch whose words are not known yet in one call
(`vertical.data.word_arrays`: word positions and codes as arrays, no string per word) and keeps
each document's words in its metadata next to the text they came from; they are handed out again
while the text is the same object: a step that changes the text makes a new string, so its words
are recomputed by the next step that asks. Steps that leave a text alone must therefore keep the
very string (`clean_lines` and `strip_lines` do).

Between the two pipelines the curated parquet carries the count (`remember_word_count`).
"""

from __future__ import annotations

from collections.abc import Sequence

from datatrove.data import Document as DatatroveDocument

from vertical.data.word_arrays import BatchWords, batch_words, word_counts

_WORDS_KEY = "_words"  # (text, the BatchWords of its batch, its place there); never written
_COUNT_KEY = "_word_count"  # (text, how many words)


def _cached(document: DatatroveDocument) -> tuple[BatchWords, int] | None:
    cached = document.metadata.get(_WORDS_KEY)
    return cached[1:] if cached is not None and cached[0] is document.text else None


def batch_words_of(documents: Sequence[DatatroveDocument]) -> BatchWords:
    """The words of all `documents` (in order), splitting at once the texts not split before.

    A document keeps a reference to its batch's words and its place there, not views of its own
    (four arrays a document were ~3 µs to make and as much to join again); documents that follow
    each other in the batch that split them come back as one slice.
    """
    if not documents:
        return batch_words([])
    known = [_cached(document) for document in documents]
    missing = [index for index, words in enumerate(known) if words is None]
    if missing:
        found = batch_words([documents[index].text for index in missing])
        for position, index in enumerate(missing):
            known[index] = (found, position)
            documents[index].metadata[_WORDS_KEY] = (documents[index].text, found, position)
        if len(missing) == len(documents):
            return found
    runs: list[BatchWords] = []
    first = 0
    for index in range(1, len(known) + 1):  # cut where the next text is not the next of the same batch
        if index < len(known):
            (words, place), (before, place_before) = known[index], known[index - 1]  # type: ignore[misc]
            if words is before and place == place_before + 1:
                continue
        words, place = known[first]  # type: ignore[misc]
        runs.append(words.texts(place, place + index - first))
        first = index
    return BatchWords.join(runs)


def _cached_count(document: DatatroveDocument) -> int | None:
    cached = document.metadata.get(_COUNT_KEY)
    if cached is not None and cached[0] is document.text:
        return cached[1]
    words = _cached(document)
    return None if words is None else int(words[0].counts[words[1]])


def word_count_of(document: DatatroveDocument) -> int:
    """How many words the document's text has (the stage's token count)."""
    return word_counts_of([document])[0]


def word_counts_of(documents: Sequence[DatatroveDocument]) -> list[int]:
    """How many words each document has, counting at once those not known (no words are kept)."""
    counts = [_cached_count(document) for document in documents]
    missing = [index for index, count in enumerate(counts) if count is None]
    if missing:
        found = word_counts([documents[index].text for index in missing]).tolist()
        for index, count in zip(missing, found, strict=True):
            counts[index] = count
    return counts  # type: ignore[return-value]  # every entry is set now


def remember_word_count(document: DatatroveDocument, count: int) -> None:
    """Record the word count of the document's current text, known from an earlier pipeline."""
    document.metadata[_COUNT_KEY] = (document.text, count)


def forget_words(document: DatatroveDocument) -> None:
    """Drop the cached words (after the last step that needs them, to free memory early)."""
    document.metadata.pop(_WORDS_KEY, None)

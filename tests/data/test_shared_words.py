import random

from datatrove.data import Document

from vertical.data.shared_words import batch_words_of, word_counts_of
from vertical.data.word_arrays import batch_words


def _fields(words):
    return [getattr(words, f).tolist() for f in ("counts", "starts", "ends", "codes")]


def test_shared_words_of_documents_from_several_batches_are_those_of_a_fresh_split():
    rng = random.Random(0)
    vocabulary = ["rate", "bank", "利率", "上调", "e-mail", "3.5", "don't"]
    documents = [
        Document(text=" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 9))), id=str(i))
        for i in range(60)
    ]
    batch_words_of(documents[:25])  # two earlier batches split these
    batch_words_of(documents[25:50])
    documents[30].text = documents[30].text + " changed"  # a new string: split again
    chosen = [documents[i] for i in [0, 1, 2, 7, 8, 24, 25, 26, 30, 31, 55, 3]]  # runs, gaps, new ones
    texts = [document.text for document in chosen]
    assert _fields(batch_words_of(chosen)) == _fields(batch_words(texts))
    assert word_counts_of(chosen) == batch_words(texts).counts.tolist()
    assert _fields(batch_words_of(chosen[:1])) == _fields(batch_words(texts[:1]))

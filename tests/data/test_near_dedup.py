import os
import random
import re
import subprocess
import sys

import numpy as np
import pytest
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import MinhashDedupSignature

from vertical.data.minhash import minhash_signatures
from vertical.data.near_dedup import (
    WordShingleSignature,
    _batch_shingles,
    _normalised_word,
    _NormalisedWordHashes,
    _shingles_of_batch,
    lsh_bands,
    minhash_config,
    shingle_hashes,
    shingle_words,
)
from vertical.data.words import MixedScriptTokenizer, words


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
def test_lsh_bands_put_the_s_curve_at_the_threshold(threshold):
    bands, rows = lsh_bands(threshold)
    assert bands * rows <= 128
    assert abs((1 / bands) ** (1 / rows) - threshold) < 0.01
    # a pair well above the threshold is found almost surely, one well below it rarely
    assert 1 - (1 - min(threshold + 0.15, 0.99) ** rows) ** bands > 0.9
    assert 1 - (1 - (threshold - 0.2) ** rows) ** bands < 0.35


def _word_ngrams(text, n):
    tokens = words(re.sub(r"\d+", "0", text.lower()))
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def test_shingle_hashes_are_one_per_distinct_ngram_and_the_same_in_every_process():
    a = "The bank raised rates again; 央行宣布下调存款准备金率，释放长期资金。 Markets rose."
    b = a.replace("Markets rose", "Markets fell")
    ha, hb = (set(shingle_hashes(t, 5).ravel().tolist()) for t in (a, b))
    assert len(ha) == len(_word_ngrams(a, 5))  # one hash per distinct n-gram: no collisions
    exact = len(_word_ngrams(a, 5) & _word_ngrams(b, 5)) / len(_word_ngrams(a, 5) | _word_ngrams(b, 5))
    assert len(ha & hb) / len(ha | hb) == exact
    script = f"from vertical.data.near_dedup import shingle_hashes as s; print(s({a!r}, 5).ravel().tolist())"
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "123"})  # fmt: skip
    assert set(eval(other.stdout)) == ha  # noqa: S307 - our own list of ints


def test_a_text_shorter_than_the_ngram_is_one_shingle():
    assert shingle_hashes("two words", 5).shape == (1, 1)
    assert shingle_hashes("", 5).shape == (0, 1)


def test_documents_that_differ_only_in_figures_have_the_same_shingles():
    a = "Revenue rose 12% to 3.4 billion in 2023, the company said on Monday in Shanghai."
    b = "Revenue rose 15% to 3.9 billion in 2024, the company said on Monday in Shanghai."
    assert set(shingle_hashes(a, 5).ravel().tolist()) == set(shingle_hashes(b, 5).ravel().tolist())


def _mixed_texts():
    rng = random.Random(3)
    pieces = ["Bank", "RATE", "rose", "3.5%", "2024-01-02", "don't", "e-mail", "ΟΔΟΣ", "Σ", "İstanbul",
              "ǅemal", "央行", "降准", "ｆｕｌｌ", "١٢٣", "x", "\n", "  ", "-", "Straße"]  # fmt: skip
    for _ in range(300):
        yield " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))


def test_shingle_words_from_the_shared_words_are_those_of_a_fresh_split():
    for text in _mixed_texts():
        tokens, to_normalise = shingle_words(Document(text=text, id="x"))
        if to_normalise:
            tokens = [_normalised_word(token) for token in tokens]
        assert tokens == words(re.sub(r"\d+", "0", text.lower())), text


def test_batched_signatures_are_datatrove_s_per_document_ones(tmp_path):
    config = minhash_config(0.8, 5)
    step = WordShingleSignature(str(tmp_path), config=config, language=MixedScriptTokenizer())
    texts = list(_mixed_texts())
    documents = [Document(text=text, id=str(i)) for i, text in enumerate(texts)]
    tokens, to_normalise = zip(*map(shingle_words, documents), strict=True)
    shingles, counts = _shingles_of_batch(list(tokens), 5, list(to_normalise))
    a, b = step.parameters
    signatures = minhash_signatures(shingles, counts, a, b)
    for text, count, signature in zip(texts, counts, signatures, strict=True):
        alone = shingle_hashes(text, 5)
        assert count == len(alone)
        if count:
            reference = MinhashDedupSignature.get_signature(step, alone)  # datatrove's own arithmetic
            assert signature.tolist() == [value for bucket in reference for value in bucket]


def test_a_batch_with_texts_split_again_has_the_shingles_of_each_text_alone():
    texts = list(_mixed_texts())  # some with a Σ or an İ, whose lower case changes their words
    documents = [Document(text=text, id=str(i)) for i, text in enumerate(texts)]
    shingles, counts = _batch_shingles(documents, 5, _NormalisedWordHashes())
    assert counts.sum() == shingles.size
    begin = 0
    for text, count in zip(texts, counts.tolist(), strict=True):
        assert shingles[begin : begin + count].tolist() == shingle_hashes(text, 5).ravel().tolist(), text
        begin += count


def test_word_shingles_are_the_position_weighted_sums_of_each_ngram():
    from vertical.data.minhash import word_shingles

    rng = np.random.default_rng(0)
    multipliers = rng.integers(0, 2**64, 8, dtype=np.uint64) | np.uint64(1)
    counts = np.array([0, 1, 4, 5, 6, 30, 0, 2, 5])
    hashes = rng.integers(0, 2**64, counts.sum(), dtype=np.uint64)
    expected, begin = [], 0
    for count in counts.tolist():
        words = [int(h) for h in hashes[begin : begin + count]]
        starts = range(count - 4) if count >= 5 else range(min(count, 1))
        width = 5 if count >= 5 else count
        for start in starts:
            expected.append(sum(words[start + p] * int(multipliers[p]) for p in range(width)) % 2**64)
        begin += count
    shingles, shingle_counts = word_shingles(hashes, counts, 5, multipliers)
    assert shingles.tolist() == expected
    assert shingle_counts.tolist() == [0, 1, 1, 1, 2, 26, 0, 1, 1]

"""The text the word automaton scans: same length as the original, a batch in one pass as text by text,
byte offsets back to characters."""

from __future__ import annotations

import random

import numpy as np

from vertical.knowledge.scanned_text import continuation_bytes, normalise_words, scanned_bytes, text_starts


def test_normalise_words_keeps_length_for_any_text():
    for text in ("Plain ASCII, text!", "İstanbul Straße «ok»", "中文Text混合"):
        assert len(normalise_words(text)) == len(text)


def test_a_batch_is_normalised_in_one_pass_as_text_by_text():
    rng = random.Random(0)
    pool = [*"aZ9 _-|.,", "ΣΑΣ", "İ", "中文", "é", "“x”", "\x01", "\x00", "ǅ", "ß", "Ⅻ", "ｆ"]
    for _ in range(5000):
        texts = [
            "".join(rng.choice(pool) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(1, 4))
        ]
        expected = " " + " | ".join(normalise_words(t) for t in texts) + " "
        assert scanned_bytes(texts) == expected.encode("utf-8"), texts


def test_offsets_map_back_to_the_characters_of_each_text():
    texts = ["Straße «Acme»", "plain", "", "中文 Bank"]
    scanned = scanned_bytes(texts)
    starts = text_starts(texts)
    decoded = scanned.decode("utf-8")
    for text, start in zip(texts, starts.tolist(), strict=True):
        assert decoded[start : start + len(text)] == normalise_words(text)
    spaces = np.flatnonzero(np.frombuffer(scanned, np.uint8) == 32)
    characters = [i for i, c in enumerate(decoded) if c == " "]
    continuation = continuation_bytes(scanned, len(decoded))
    assert (spaces - np.searchsorted(continuation, spaces)).tolist() == characters

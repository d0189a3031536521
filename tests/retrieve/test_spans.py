"""Random spans of a passage (Contriever's cropping): consecutive words, within the share asked."""

from __future__ import annotations

import random

from vertical.retrieve.spans import random_span, two_spans

TEXT = "Voman Group (VMQ) rose 3.2% on Tuesday as the lender reported higher deposits at its branches."


def test_a_span_is_consecutive_words_of_the_text_within_the_asked_share():
    rng = random.Random(0)
    words = TEXT.split()
    for _ in range(200):
        span = random_span(TEXT, rng, 0.3, 0.6)
        assert span in TEXT and span == span.strip()
        assert round(0.3 * len(words)) <= len(span.split()) <= round(0.6 * len(words))


def test_the_two_spans_are_drawn_independently_and_a_short_text_keeps_a_word():
    rng = random.Random(1)
    pairs = [two_spans(TEXT, rng, 0.2, 0.5) for _ in range(50)]
    assert any(a != b for a, b in pairs)
    assert random_span("deposits", rng, 0.1, 0.2) == "deposits"
    assert random_span("", rng, 0.1, 0.2) == ""

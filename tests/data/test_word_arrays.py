import random

from vertical.data.word_arrays import batch_words, word_counts
from vertical.unicode_scripts import words

PIECES = ["Bank", "RATE", "rose", "3.5%", "2024-01-02", "don't", "e-mail", "ΟΔΟΣ", "Σ", "İstanbul", "ǅemal",
          "央行", "降准", "ｆｕｌｌ", "١٢٣", "x", "\n", "  ", "-", "Straße", "中文abc", "abc中文", "中.中abc",
          "a.-b", "a..b", "・", "ー", "a’b", "a\u0301b", "'", ".", "..", "_", "ab中.cd", "😀", "𠀀x",
          "a-", "-b", "カタカナ", "한국어"]  # fmt: skip


def _texts(seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    texts = ["".join(rng.choice(PIECES + [" "] * 5) for _ in range(rng.randint(0, 40))) for _ in range(1500)]
    return texts + ["", "a", "中", "-", "a-b", "plain ascii words, don't split e-mail 3.5 times."]


def test_the_words_are_those_of_the_regular_expression():
    texts = _texts()
    found = batch_words(texts)
    for index, text in enumerate(texts):
        mine = found.of(index)
        assert [text[b:e] for b, e in zip(mine.starts.tolist(), mine.ends.tolist(), strict=True)] == words(
            text
        )
    assert word_counts(texts).tolist() == [len(words(text)) for text in texts]
    ascii_only = [text for text in texts if text.isascii()]  # the bytes path
    assert word_counts(ascii_only).tolist() == [len(words(text)) for text in ascii_only]
    found = batch_words(ascii_only)  # an ASCII batch: bytes, not code points
    for index, text in enumerate(ascii_only):
        mine = found.of(index)
        assert [text[b:e] for b, e in zip(mine.starts.tolist(), mine.ends.tolist(), strict=True)] == words(
            text
        )


def test_equal_words_have_equal_codes_and_different_words_different_ones():
    texts = _texts(2)
    found = batch_words(texts)
    seen: dict[int, str] = {}
    for index, text in enumerate(texts):
        mine = found.of(index)
        for begin, end, code in zip(
            mine.starts.tolist(), mine.ends.tolist(), mine.codes.tolist(), strict=True
        ):
            assert seen.setdefault(code, text[begin:end]) == text[begin:end]
    assert len(seen) == len({w for text in texts for w in words(text)})
    # a word's code does not depend on where it is or what batch it is in
    assert batch_words(["x rate"]).codes[1] == batch_words(["rate"]).codes[0]


def test_a_batch_too_large_for_one_pass_is_split_in_pieces_with_the_same_words(monkeypatch):
    from vertical.data import word_arrays

    texts = _texts(3)
    whole = batch_words(texts)
    monkeypatch.setattr(word_arrays, "_MAX_CHARACTERS", 100)
    pieces = batch_words(texts)
    for field in ("counts", "starts", "ends", "codes"):
        assert getattr(pieces, field).tolist() == getattr(whole, field).tolist()
    assert word_counts(texts).tolist() == whole.counts.tolist()

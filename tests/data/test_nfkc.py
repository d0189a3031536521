import random
import unicodedata

from vertical.data.nfkc import _tables, nfkc


def test_every_character_of_the_plane_normalises_as_unicodedata_does():
    for point in range(0x10000):
        if not 0xD800 <= point < 0xE000:
            character = chr(point)
            assert nfkc(character) == unicodedata.normalize("NFKC", character), hex(point)


def test_texts_of_changing_and_combining_characters_normalise_as_unicodedata_does():
    may_combine, _, changes = _tables()
    combining = [chr(p) for p in range(0x300, 0x3100) if may_combine.match(chr(p))]
    pool = list(changes) + combining + list("abc 中文，。ガカｶﾞ") * 40 + ["\U0001d400", "\U00020000"]
    rng = random.Random(0)
    for _ in range(20_000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 8)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), [hex(ord(c)) for c in text]


def test_a_normalised_text_comes_back_as_the_same_string():
    text = "招商银行股价上涨 " + "x" * 5
    assert nfkc(text) is text


def test_no_changed_character_becomes_one_that_changes():
    _, _, changes = _tables()
    assert not [c for c, normal in changes.items() if any(n in changes for n in normal)]


def test_the_characters_left_out_of_the_scan_neither_combine_nor_change():
    from vertical.data.nfkc import _MAY_COMBINE_OR_CHANGE

    may_combine, changing, _ = _tables()
    left_out = [chr(p) for p in range(0x110000) if not 0xD800 <= p < 0xE000]
    left_out = [c for c in left_out if not _MAY_COMBINE_OR_CHANGE.match(c)]
    assert len(left_out) > 20_000
    assert not [c for c in left_out if may_combine.match(c) or changing.match(c)]
    assert all(unicodedata.normalize("NFKC", c) == c for c in left_out)

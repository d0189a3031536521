"""The one definition of script ranges and word splitting."""

from __future__ import annotations

from vertical.unicode_scripts import HAN_CHAR, LETTER_WORD, NO_SPACE_CHAR, has_han, tagging_tokens, words


def test_han_covers_the_extensions_and_compatibility_blocks():
    for character in ("中", "㐀", "豈", "\U00020000", "\U0002a6d6", "\U0002f800"):
        assert HAN_CHAR.fullmatch(character), hex(ord(character))
    for character in ("a", "あ", "한", "。", "1"):
        assert not HAN_CHAR.fullmatch(character), character


def test_kana_and_hangul_are_written_without_spaces_but_are_not_han():
    assert NO_SPACE_CHAR.fullmatch("あ") and NO_SPACE_CHAR.fullmatch("한") and NO_SPACE_CHAR.fullmatch("ｱ")
    assert not has_han("かな한국")
    assert has_han("bank 银行")


def test_words_split_each_ideograph_and_keep_joined_latin_words():
    assert words("招商银行 don't pay 3.5%") == ["招", "商", "银", "行", "don't", "pay", "3.5"]
    assert words("\U00020000\U00020001x") == ["\U00020000", "\U00020001", "x"]


def test_tagging_tokens_keep_symbols_as_tokens():
    assert tagging_tokens("BRCA1 突变, (rare)") == ["BRCA1", "突", "变", ",", "(", "rare", ")"]


def test_letter_words_leave_out_ideographs_and_digits():
    assert LETTER_WORD.findall("bank's 银行 loans2024") == ["bank's", "loans"]

"""Quality filters: length, share of symbols, language by script.

`QualityFilter` is ours: datatrove's language filter needs a fastText model from the hub, and its
Gopher quality filter has English word-length and stop-word rules that reject Chinese. The
language test here is by script, which tells English from Chinese without a model: a document is
Chinese when at least `zh_min_han_share` of its letters are Han characters, English when at least
`en_min_latin_share` are Latin. Gopher's repetition rules are in `vertical.data.repetition`.
"""

from __future__ import annotations

import re
from typing import Literal

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.writers.disk_base import DiskWriter

from vertical.data.batch_filter import BatchFilter
from vertical.unicode_scripts import HAN_CHAR

_HAN = HAN_CHAR
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LETTER = re.compile(r"[^\W\d_]")
# symbols: neither a letter, a digit, whitespace, nor ordinary punctuation of English or Chinese
_SYMBOL = re.compile(r"[^\w\s.,;:!?'\"()\[\]%$€£¥/&+\-—–“”‘’。，、；：！？（）《》「」『』【】…·]")

Language = Literal["any", "en", "zh"]


def script_language(text: str, zh_min_han_share: float = 0.3, en_min_latin_share: float = 0.7) -> str:
    """ "zh", "en" or "other", by the share of Han and Latin characters among the letters."""
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return "other"
    han = len(_HAN.findall(text))
    if han / letters >= zh_min_han_share:
        return "zh"
    if len(_LATIN.findall(text)) / letters >= en_min_latin_share:
        return "en"
    return "other"


# the ASCII characters `_SYMBOL` matches, to count them at C speed in ASCII text
_ASCII_SYMBOLS = bytes(c for c in range(128) if _SYMBOL.match(chr(c)))
# Every character `_SYMBOL` matches, and few of a Chinese or Wikipedia text: a class of ranges
# that the regular expression engine scans ~3x faster than `_SYMBOL`'s \w and \s (a test goes
# through all of Unicode). `_SYMBOL` then counts among these alone.
_MAY_BE_SYMBOL = re.compile(
    r"[^0-9A-Za-z_\t\n\x0b\x0c\r\x1c-\x1f .,;:!?'\"()\[\]%$/&+\-\u4e00-\u9fff"
    r"。，、；：！？（）《》「」『』【】…·—–“”‘’€£¥]"
)


def symbol_share(text: str) -> float:
    """Share of the characters of `text` that are symbols (see `_SYMBOL`)."""
    if not text:
        return 0.0
    if text.isascii():
        encoded = text.encode("ascii")
        return (len(encoded) - len(encoded.translate(None, _ASCII_SYMBOLS))) / len(text)
    return len(_SYMBOL.findall("".join(_MAY_BE_SYMBOL.findall(text)))) / len(text)  # 12 -> 4 µs, Chinese


class QualityFilter(BatchFilter):
    """Drops documents that are too short or long, mostly symbols, or in another language.

    Reasons in the drop log: ``too_short``, ``too_long``, ``symbols``, ``language``.
    """

    name = "quality"

    def __init__(
        self,
        min_chars: int = 20,
        max_chars: int = 1_000_000,
        max_symbol_share: float = 0.3,
        language: Language = "any",
        exclusion_writer: DiskWriter | None = None,
    ) -> None:
        super().__init__(exclusion_writer)
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.max_symbol_share = max_symbol_share
        self.language = language

    def filter(self, document: DatatroveDocument) -> bool | tuple[bool, str]:
        text = document.text
        if len(text) < self.min_chars:
            return False, "too_short"
        if len(text) > self.max_chars:
            return False, "too_long"
        if symbol_share(text) > self.max_symbol_share:
            return False, "symbols"
        if self.language != "any" and script_language(text) != self.language:
            return False, "language"
        return True

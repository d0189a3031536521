"""The text the entity linker's word automaton scans: a batch of texts normalised into one bytes object.

Every character that is not a letter or digit of a spaced script becomes a space and letters are
lower-cased, with the length in characters kept (so a mention's character offsets are those of the
original text); the texts of a batch are joined by ``" | "`` (no name holds a ``|``, so none
crosses it) between a leading and a trailing space::

    scanned_bytes(["Acme's", "Bank"]) == b" acme s | bank "

ASCII texts, nearly all of a corpus in English, take one `bytes.translate` of the joined batch;
the few others (a pound sign, an accent) are normalised apart, over their code points, and put
back in their places. The result is UTF-8; `continuation_bytes` maps its byte offsets back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

from vertical.unicode_scripts import NO_SPACE_SCRIPTS

# Everything that separates words for the word automaton: not a letter or digit, or a CJK character.
SEPARATOR = re.compile(f"[\\W_{NO_SPACE_SCRIPTS}]")


def lower_same_length(text: str) -> str:
    """Lower case with the same length (``İ`` lower-cases to two characters; keep the first)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(character.lower()[:1] for character in text)


# For ASCII text, one bytes.translate does both steps (an order of magnitude faster than the regex).
_ASCII_TABLE = bytes(
    (c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122) else 32) for c in range(256)
)


def normalise_words(text: str) -> str:
    """The text as the word automaton sees it: lower case, separators as spaces, same length."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    return SEPARATOR.sub(" ", lower_same_length(text))


# A batch is normalised in one pass: its texts joined by "\x00\x01\x00", which becomes " | ".
_JOIN = "\x00\x01\x00"
_ASCII_JOIN_TABLE = _ASCII_TABLE[:1] + b"|" + _ASCII_TABLE[2:]


@functools.cache
def _separators() -> np.ndarray:
    """(0x110000,) bool: the code points `SEPARATOR` matches (lone surrogates count as separators)."""
    points = np.arange(0x110000, dtype=np.uint32)
    points[0xD800:0xE000] = 32
    every = points.tobytes().decode("utf-32-le")
    table = np.zeros(0x110000, bool)
    for match in re.finditer(f"(?:{SEPARATOR.pattern})+", every):
        table[match.start() : match.end()] = True
    table[0xD800:0xE000] = True
    return table


def _joined_wide(joined: str) -> str | None:
    """A batch joined by `_JOIN`, normalised over its code points: its texts joined by " | "; None
    when lower case changes its length."""
    lowered = joined.lower()  # the same as text by text: no cased letter crosses a \x00
    if len(lowered) != len(joined):
        return None
    points = np.frombuffer(lowered.encode("utf-32-le"), np.uint32).copy()  # (N,)
    bars = points == 1
    points[_separators()[points]] = 32
    points[bars] = 124  # "|"
    return points.tobytes().decode("utf-32-le")


def non_ascii(texts: Sequence[str]) -> list[int]:
    """The positions of the texts that are not ASCII (``str.isascii`` reads a flag: no pass over the text)."""
    return [index for index, text in enumerate(texts) if not text.isascii()]


def scanned_bytes(texts: Sequence[str], wide: Sequence[int] | None = None) -> bytes:
    """``(" " + " | ".join(normalise_words(text) for text in texts) + " ").encode()``, the batch's
    ASCII texts in one `translate` of the whole batch and its others (`wide`, the positions of
    `non_ascii`, computed when not given) over their code points, put in their places (a few: a
    pound sign or an accent in one text of a thousand took the whole batch through the code points,
    4x slower); text by text when a text holds a \x01 or lower case changes the length."""
    joined = _JOIN.join(texts)
    if joined.count("\x01") == len(texts) - 1:
        if joined.isascii():
            return b" " + joined.encode("ascii").translate(_ASCII_JOIN_TABLE) + b" "
        wide = non_ascii(texts) if wide is None else wide
        normalised = _joined_wide(_JOIN.join([texts[index] for index in wide]))
        if normalised is not None:
            # the whole batch translated (its wide texts' bytes wrongly), then the wide texts'
            # bytes replaced by their normalised ones: where each begins is where it begins in
            # characters, plus the extra bytes of the wide texts before it
            translated = joined.encode("utf-8", "surrogatepass").translate(_ASCII_JOIN_TABLE)
            lengths = np.fromiter(map(len, texts), np.int64, len(texts))
            character_starts = np.concatenate(([0], np.cumsum(lengths + 3)))[wide].tolist()
            pieces, taken, extra = [b" "], 0, 0
            for index, start, piece in zip(wide, character_starts, normalised.split(" | "), strict=True):
                begin = start + extra  # no normalised text holds a "|"
                encoded = piece.encode("utf-8")
                original = len(texts[index].encode("utf-8", "surrogatepass"))
                pieces += [translated[taken:begin], encoded]
                taken, extra = begin + original, extra + original - len(texts[index])
            pieces += [translated[taken:], b" "]
            return b"".join(pieces)
    return (" " + " | ".join([normalise_words(text) for text in texts]) + " ").encode("utf-8")


def text_starts(texts: Sequence[str]) -> np.ndarray:
    """(D,) int64: where each text begins in `scanned_bytes(texts)`, in characters."""
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    starts = np.ones(len(texts), np.int64)
    np.cumsum(lengths[:-1] + 3, out=starts[1:])
    starts[1:] += 1
    return starts


def continuation_bytes(scanned: bytes, characters: int) -> np.ndarray:
    """(C,) int64: the positions of the UTF-8 continuation bytes of `scanned`, a text of `characters`
    characters (none when it is ASCII): a byte offset less those before it is a character offset."""
    if len(scanned) == characters:
        return np.zeros(0, np.int64)
    return np.flatnonzero((np.frombuffer(scanned, np.uint8) & 0xC0) == 0x80)

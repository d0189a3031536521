"""Unicode NFKC of mostly normalised text, without normalising the whole text each time.

`unicodedata.normalize("NFKC", ...)` decomposes and recomposes every character: ~80 ns a
character, ~110 µs for a 1.4 kB Chinese document whose only change is its full-width commas. Most
texts need nothing (`unicodedata.is_normalized` says so in ~1 µs), and where no character can
combine with its neighbours, NFKC works character by character: each character that changes is
replaced by its own NFKC, found by one regular-expression scan. A character can combine with the
one before it only when its decomposition starts with a combining mark (canonical combining class
not 0) or with the second character of a canonical composition (Hangul vowels and trailing
consonants, Indic vowel signs, the kana voicing marks); a text holding one of those, or any
character outside the Basic Multilingual Plane, is normalised whole, as before. The result is
always `unicodedata.normalize("NFKC", text)` (a test checks every character of the plane).
"""

from __future__ import annotations

import functools
import re
import unicodedata


def _character_class(characters: list[str]) -> str:
    """A regular-expression class of `characters` (sorted), written as ranges."""
    ranges: list[tuple[int, int]] = []
    for point in sorted(map(ord, characters)):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges
    )


@functools.cache
def _tables() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """(characters that may combine with the one before, characters that change, what they become)."""
    plane = [chr(point) for point in range(0x80, 0x10000) if not 0xD800 <= point < 0xE000]
    seconds = set()  # second characters of canonical compositions
    for character in plane:
        decomposition = unicodedata.decomposition(character).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            seconds.add(chr(int(decomposition[1], 16)))
    seconds |= {chr(point) for point in range(0x1161, 0x1176)} | {
        chr(point) for point in range(0x11A8, 0x11C3)
    }
    combining, changes = [], {}
    for character in plane:
        first = unicodedata.normalize("NFKD", character)[:1]
        if unicodedata.combining(first) or first in seconds or unicodedata.combining(character):
            combining.append(character)
            continue
        normal = unicodedata.normalize("NFKC", character)
        if normal != character:
            changes[character] = normal
    may_combine = re.compile(f"[{_character_class(combining)}\U00010000-\U0010ffff]")
    return may_combine, re.compile(f"[{_character_class(list(changes))}]"), changes


# ASCII, the CJK ideographs and the ideographic comma and full stop neither combine nor change (a
# test): scanning for everything else, a class of three ranges, is ~3x faster than the two large
# classes of `_tables`, which then read only the characters found (few in a Chinese text)
_MAY_COMBINE_OR_CHANGE = re.compile(r"[^\x00-\x7f\u3001\u3002\u4e00-\u9fff]")


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, faster on text that needs little; see the module docstring."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    may_combine, changing, changes = _tables()
    candidates = "".join(set(_MAY_COMBINE_OR_CHANGE.findall(text)))
    if may_combine.search(candidates) is not None:
        return unicodedata.normalize("NFKC", text)
    # each distinct changing character replaced throughout by `str.replace`: no changed form holds a
    # changing character (a test), and one call a match of `re.sub` was ~2 µs a Chinese document more
    for character in changing.findall(candidates):
        text = text.replace(character, changes[character])
    return text

"""Phone numbers: Chinese mobile and landline, North American, and international (+country) numbers.

- Chinese mobile: 11 digits starting 13-19, optionally +86, optionally split 3-4-4.
- Chinese landline: an area code 0xx or 0xxx (in brackets or followed by a space or dash) and a
  7-8 digit number; without the separator an 11-12 digit run is too ambiguous to take.
- North American: (AAA) BBB-CCCC or AAA-BBB-CCCC with area and exchange starting 2-9.
- International: + or 00, a country code, then groups of digits, 8 to 15 digits in all.

A number right after an order, invoice, reference or tracking label (英文或中文) is that
reference, not a phone, and is left alone.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from vertical.data.pii.entity import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM, PersonalData, follows_reference_label

_CN_PREFIX = r"(?:(?:\+|00)86[ -]?)?"
# Each pattern begins with a lookahead for the first character a match can have: checking that
# before the lookbehinds halves the time of a scan (the lookbehinds alone are tried at every position).
_STARTS = r"(?=[\d(+])"
_NOT_IN_RUN = r"(?<!\d[ -])"  # not the tail of a longer run of digit groups ("6222 0212 3456 ...")
_NO_MORE_GROUPS = r"(?![ -]?\d)(?![-.]\d)"
_CN_MOBILE = re.compile(
    _STARTS
    + _NOT_IN_RUN
    + NOT_AFTER_ALNUM
    + _CN_PREFIX
    + r"1[3-9]\d(?:[ -]?\d{4}){2}"
    + NOT_BEFORE_ALNUM
    + _NO_MORE_GROUPS
)
_CN_LANDLINE = re.compile(
    _STARTS
    + _NOT_IN_RUN
    + NOT_AFTER_ALNUM
    + _CN_PREFIX
    + r"(?:\(0\d{2,3}\) ?|0\d{2,3}[ -])\d{3,4}[ -]?\d{4}"
    + NOT_BEFORE_ALNUM
    + _NO_MORE_GROUPS
)
_NORTH_AMERICAN = re.compile(
    _STARTS
    + _NOT_IN_RUN
    + NOT_AFTER_ALNUM
    + r"(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[-. ])[2-9]\d{2}[-. ]\d{4}"
    + NOT_BEFORE_ALNUM
    + _NO_MORE_GROUPS
)
_INTERNATIONAL = re.compile(
    _STARTS
    + _NOT_IN_RUN
    + r"(?<![A-Za-z0-9+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){2,6}"
    + NOT_BEFORE_ALNUM
    + _NO_MORE_GROUPS
)
_PATTERNS = {
    "zh": (_CN_MOBILE, _CN_LANDLINE, _INTERNATIONAL),
    "en": (_NORTH_AMERICAN, _INTERNATIONAL),
    "auto": (_CN_MOBILE, _CN_LANDLINE, _NORTH_AMERICAN, _INTERNATIONAL),
}


def _digits(value: str) -> int:
    return sum(c.isdigit() for c in value)


def find_phones(
    text: str, language: str = "auto", pos: int = 0, endpos: int = sys.maxsize
) -> Iterator[PersonalData]:
    """Phone numbers in `text` (those inside `text[pos:endpos]`, seen in the whole text); `language`
    ("en", "zh", "auto") chooses the national formats."""
    for pattern in _PATTERNS[language]:
        for match in pattern.finditer(text, pos, endpos):
            value = match.group()
            if not 7 <= _digits(value) <= 15:
                continue
            if follows_reference_label(text, match.start()):
                continue
            yield PersonalData("PHONE", match.start(), match.end(), value)

"""The pre-checks of the personal-data detectors, answered for ASCII text from its *shape*.

Before a detector runs, `vertical.data.pii.detect` looks for what each of its matches holds (7
digits at most two separators apart, two capitals and two digits, a dotted quad). As regular
expressions these scans try a match at every digit or capital: on an earnings call (18 kB,
figures throughout) the three took ~800 µs, more than the detectors. An ASCII text's shape, one
`bytes.translate` mapping every digit to ``0``, capital to ``A``, dot to ``.``, colon to ``:``,
other separator of phone numbers (`` ()+-``) to ``s`` and anything else to ``x``, answers the
same three questions with a substring test and two regular expressions over the shape's
alphabet (~80 µs). Each answer is exactly the original regular expression's (a test compares them).
"""

from __future__ import annotations

import re

_TABLE = bytes(
    ord("0") if "0" <= chr(c) <= "9"
    else ord("A") if "A" <= chr(c) <= "Z"
    else c if chr(c) in ".:"
    else ord("s") if chr(c) in " ()+-"
    else ord("x")
    for c in range(256)
)  # fmt: skip
# The detectors' patterns in the shape's alphabet: a regular expression over it runs 5-10x faster
# than the original over the text (it starts at a literal and meets few candidates).
_SEVEN_DIGIT_RUN = re.compile(rb"0(?:[s.]{0,2}0){6,}")  # the whole run, as the original's finditer
_DOTTED_QUAD = re.compile(rb"0\.0{1,3}\.0{1,3}\.0")
_TWO_COLONS = re.compile(rb":[0Ax]{0,4}:")  # hex digits are 0, A or x in the shape


def ascii_shape(text: str) -> bytes | None:
    """The shape of `text` (see the module docstring), or None when it is not ASCII."""
    if not text.isascii():
        return None
    return text.encode("ascii").translate(_TABLE)


# Every digit outside ASCII is in this class (a test goes through all of Unicode); Chinese text,
# Latin letters with accents and common punctuation are not.
_MAY_BE_OTHER_DIGIT = re.compile(r"[^\x00-\u065f\u3000-\u303f\u4e00-\u9fff\uff00-\uff0f\uff1a-\uffef]")
_DIGIT = re.compile(r"\d")


def text_shape(text: str) -> bytes | None:
    """The shape of `text`, also of a text that is not ASCII but has no digit outside ASCII: each
    other character is one ``x`` (it is neither a digit, a capital A-Z nor a separator), so the
    shape's places are the text's and its answers the original expressions'. None otherwise."""
    if text.isascii():
        return text.encode("ascii").translate(_TABLE)
    if _DIGIT.search("".join(_MAY_BE_OTHER_DIGIT.findall(text))) is not None:
        return None
    return text.encode("ascii", "replace").translate(_TABLE)  # "?" for each other character: "x"


def seven_digit_runs(shape: bytes) -> list[tuple[int, int]]:
    """(start, end) of each match of ``\\d(?:[ ()+.\\-]{0,2}\\d){6,}`` in the text, in order."""
    return [match.span() for match in _SEVEN_DIGIT_RUN.finditer(shape)]


def has_iban_start(shape: bytes) -> bool:
    """Whether the text has two capitals and two digits in a row, as ``[A-Z]{2}\\d\\d``."""
    return b"AA00" in shape


def may_have_ip(shape: bytes) -> bool:
    """Whether the text has what every address `vertical.data.pii.ip.find_ips` finds holds: a
    dotted quad (``\\d\\.\\d{1,3}\\.\\d{1,3}\\.\\d``) or two colons with at most four hex digits
    between (an IPv6 address's first two groups), as ``:[^.: ()+\\-]{0,4}:`` in the text. A
    transcript's many "Speaker:" colons made its IPv6 scan run over the whole text."""
    return _TWO_COLONS.search(shape) is not None or _DOTTED_QUAD.search(shape) is not None

"""Payment card numbers: 13 to 19 digits (groups of digits split by spaces or dashes), Luhn validated.

The Luhn checksum (ISO/IEC 7812) rejects nine random numbers in ten; an issuer prefix (Visa 4,
Mastercard 51-55 and 2221-2720, Amex 34/37, Discover 6011/65, UnionPay 62, JCB 35, Diners 30/36/38)
with the lengths that issuer uses rejects most of the rest, and a number right after an order,
invoice or tracking label is left alone, so order, invoice and tracking numbers stay as they are.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from vertical.data.pii.entity import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM, PersonalData, follows_reference_label

_CANDIDATE = re.compile(
    r"(?=\d)" + NOT_AFTER_ALNUM + r"(?<![\d.,][ -])\d(?:[ -]?\d){12,18}" + NOT_BEFORE_ALNUM + r"(?![.,]\d)"
)
# issuer prefix -> the lengths its numbers have
_ISSUERS = (
    (re.compile(r"4"), (13, 16, 19)),  # Visa
    (re.compile(r"5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)"), (16,)),  # Mastercard
    (re.compile(r"3[47]"), (15,)),  # American Express
    (re.compile(r"6011|65"), (16, 17, 18, 19)),  # Discover
    (re.compile(r"62"), (16, 17, 18, 19)),  # UnionPay
    (re.compile(r"35"), (16, 17, 18, 19)),  # JCB
    (re.compile(r"3[068]"), (14, 15, 16, 17, 18, 19)),  # Diners Club
)


def luhn_valid(digits: str) -> bool:
    """True when `digits` pass the Luhn checksum."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """True for digits with a known issuer prefix, a length that issuer uses, and a valid Luhn checksum."""
    issued = any(prefix.match(digits) and len(digits) in lengths for prefix, lengths in _ISSUERS)
    return issued and luhn_valid(digits)


def find_cards(text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[PersonalData]:
    """Payment card numbers in `text` (those inside `text[pos:endpos]`)."""
    for match in _CANDIDATE.finditer(text, pos, endpos):
        value = match.group()
        separators = set(re.findall(r"[ -]", value))
        if len(separators) > 1:
            continue  # "1234-5678 9012" mixes separators: not how cards are written
        if follows_reference_label(text, match.start()):
            continue
        if is_card_number(re.sub(r"[ -]", "", value)):
            yield PersonalData("CARD", match.start(), match.end(), value)

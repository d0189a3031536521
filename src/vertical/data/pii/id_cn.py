"""Chinese resident identity card numbers (GB 11643-1999): 18 characters, checksum validated.

Layout: 6-digit region (first digit 1-8), 8-digit birth date, 3-digit sequence, and a check
character by ISO 7064 MOD 11-2 over the first 17 digits (``X`` for 10). A date that does not
exist or a wrong check character rejects the number, which keeps 18-digit order and bank
serial numbers out.
"""

from __future__ import annotations

import datetime
import re
import sys
from collections.abc import Iterator

from vertical.data.pii.entity import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM, PersonalData

_CANDIDATE = re.compile(
    r"(?=[1-8])" + NOT_AFTER_ALNUM + r"[1-8]\d{5}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx]" + NOT_BEFORE_ALNUM
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_cn_check_character(first17: str) -> str:
    """The check character of the first 17 digits of an ID number."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_cn(number: str) -> bool:
    """True for an 18-character number with a real birth date and the right check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born > datetime.date.today():
        return False
    return id_cn_check_character(number[:17]) == number[17].upper()


def find_id_cn(text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[PersonalData]:
    """Valid Chinese resident ID numbers in `text` (those inside `text[pos:endpos]`)."""
    for match in _CANDIDATE.finditer(text, pos, endpos):
        if is_valid_id_cn(match.group()):
            yield PersonalData("ID_CN", match.start(), match.end(), match.group())

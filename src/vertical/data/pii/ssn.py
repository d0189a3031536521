"""US social security numbers written AAA-GG-SSSS (or with spaces), with the SSA's validity rules.

Area 000, 666 and 900-999, group 00 and serial 0000 are never issued, so such numbers are not
matched; nine digits without separators are too ambiguous (order numbers) and are left alone.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from vertical.data.pii.entity import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM, PersonalData

_SSN = re.compile(
    r"(?=\d)" + NOT_AFTER_ALNUM + r"(?<![#-])(\d{3})([- ])(\d{2})\2(\d{4})" + NOT_BEFORE_ALNUM + r"(?!-\d)"
)


def find_ssns(text: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[PersonalData]:
    """Valid US social security numbers in `text` (those inside `text[pos:endpos]`)."""
    for match in _SSN.finditer(text, pos, endpos):
        area, _, group, serial = match.groups()
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            continue
        yield PersonalData("SSN", match.start(), match.end(), match.group())

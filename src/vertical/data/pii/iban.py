"""International bank account numbers (ISO 13616): country, check digits, account; mod 97 validated.

The number is rearranged (first four characters to the end), letters become 10..35, and the
whole must leave 1 modulo 97. The length must be the one of the country where it is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from vertical.data.pii.entity import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM, PersonalData

_CANDIDATE = re.compile(
    r"(?=[A-Z])"
    + NOT_AFTER_ALNUM
    + r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
    + NOT_BEFORE_ALNUM
)
_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
    "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "AE": 23, "SA": 24, "TR": 26, "IL": 23, "BR": 29,
}  # fmt: skip


def is_valid_iban(iban: str) -> bool:
    """True when `iban` (no spaces) has its country's length and passes the mod-97 check."""
    expected = _LENGTHS.get(iban[:2])
    if (expected is not None and len(iban) != expected) or not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def find_ibans(text: str) -> Iterator[PersonalData]:
    """Valid IBANs in `text`."""
    for match in _CANDIDATE.finditer(text):
        value = match.group()
        if is_valid_iban(value.replace(" ", "")):
            yield PersonalData("IBAN", match.start(), match.end(), value)

"""E-mail addresses (RFC 5322's common form: local part, @, a domain with a dot and a letter TLD)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vertical.data.pii.entity import PersonalData

_EMAIL = re.compile(
    r"(?=[A-Za-z0-9])(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)


def find_emails(text: str) -> Iterator[PersonalData]:
    """E-mail addresses in `text`."""
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        yield PersonalData("EMAIL", match.start(), match.end(), match.group())

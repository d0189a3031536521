"""URLs that carry a user name and password (``scheme://user:secret@host/...``): the whole URL is redacted."""

from __future__ import annotations

import re
from collections.abc import Iterator

from vertical.data.pii.entity import PersonalData

_URL_WITH_CREDENTIALS = re.compile(
    r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s/:@]+:[^\s/@]+@[^\s<>\"'，。；）)]+"
)


def find_url_credentials(text: str) -> Iterator[PersonalData]:
    """URLs with credentials in `text`."""
    if "://" not in text or "@" not in text:
        return
    for match in _URL_WITH_CREDENTIALS.finditer(text):
        value = match.group().rstrip(".,;:!?")
        yield PersonalData("URL_CREDENTIALS", match.start(), match.start() + len(value), value)

"""A piece of personal data found in a text: its type, where it is, and what it is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalData:
    """A span `text[start:end]` of type `kind` (EMAIL, PHONE, ID_CN, CARD, IBAN, IP, SSN, URL_CREDENTIALS)."""

    kind: str
    start: int
    end: int
    value: str

    @property
    def placeholder(self) -> str:
        """What replaces the span when redacting: ``<EMAIL>``, ``<PHONE>`` ..."""
        return f"<{self.kind}>"


# Digits or Latin letters must not touch a match on either side; Chinese characters may
# ("电话13812345678" is a phone number), which is why \b and \w are not used.
NOT_AFTER_ALNUM = r"(?<![0-9A-Za-z])"
NOT_BEFORE_ALNUM = r"(?![0-9A-Za-z])"

"""Redaction of personal data in what the API sends back (``vertical serve --redact``).

The detectors are the data stage's (`vertical.data.pii`: e-mail, phone, card, IBAN, IP, SSN,
Chinese ID, credentials in URLs; English and Chinese formats). With redaction on, a text the API
echoes back and every entity string it returns have each piece of personal data replaced by its
typed placeholder (``<EMAIL>``, ``<PHONE>``, ...). Character offsets keep pointing into the text
the client sent, which the client has; only the strings the server writes are redacted.
"""

from __future__ import annotations

from dataclasses import dataclass

from vertical.data.pii import PersonalData, find_personal_data, redact_text


@dataclass(frozen=True)
class Redactor:
    """Redacts when `enabled`; otherwise every method gives its input back unchanged."""

    enabled: bool = False

    def find(self, text: str) -> list[PersonalData]:
        """The personal data in `text` (none when disabled), sorted and not overlapping."""
        return find_personal_data(text) if self.enabled else []

    def text(self, text: str) -> str:
        """`text` with its personal data replaced by placeholders."""
        return redact_text(text) if self.enabled else text

    def span(self, text: str, start: int, end: int, found: list[PersonalData]) -> str:
        """``text[start:end]``, each part of it that `found` (from ``find(text)``) covers replaced.

        A piece of personal data that only partly overlaps the span still hides the part inside
        it: a tagger's entity cut in the middle of a phone number must not leak half the number.
        """
        parts, position = [], start
        for item in found:
            if item.end <= start or item.start >= end:
                continue
            parts.append(text[position : max(position, item.start)])
            parts.append(item.placeholder)
            position = min(end, item.end)
        parts.append(text[position:end])
        return "".join(parts)

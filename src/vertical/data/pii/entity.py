"""A piece of personal data found in a text: its type, where it is, and what it is."""

from __future__ import annotations

import re
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

_REFERENCE_LABEL = re.compile(
    r"(?:\b(?:order|invoice|inv|ref(?:erence)?|tracking|po|sku|ticket)(?:\s*(?:no\.?|number|num|id))?|#"
    r"|订单|发票|单号|编号|合同|流水号|快递单?)[\s.:#：号码]*$",
    re.I,
)


def follows_reference_label(text: str, start: int) -> bool:
    """True when the number at `start` comes right after an order, invoice, reference or tracking label
    (English or Chinese): it is that reference, not personal data."""
    return _REFERENCE_LABEL.search(text, max(0, start - 20), start) is not None

"""Text normalisation and the simplest quality filter.

`normalize_text` applies Unicode NFKC (full-width forms and ligatures to their plain forms, which
matters for Chinese and PDF-extracted text), removes control characters and collapses runs of
whitespace. The data issue deepens this stage (HTML, boilerplate, Gopher filters).
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC, no control characters, single spaces, no leading or trailing space."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def too_short(text: str, min_chars: int) -> bool:
    """True when the cleaned text has fewer than `min_chars` characters."""
    return len(text) < min_chars

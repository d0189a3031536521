"""All personal-data detectors together: find, resolve overlaps, redact.

Detectors run in order of how specific they are (a URL with credentials before the e-mail inside
it, an IBAN or a Chinese ID before a card number or a phone made of the same digits); a later
match that overlaps an earlier one is discarded. Every type is looked for in every language (an
English e-mail can quote a Chinese ID, a Chinese one a US SSN); `language` only chooses the
national phone formats: "en" North American, "zh" Chinese mobile and landline, "auto" both,
international (+country) numbers always.

Phones, cards, US SSNs and Chinese IDs all hold a run of 7 digits or more (at most two separators
apart), so these four detectors scan only *windows*: each such run widened by `_MARGIN` characters
on both sides. A text that passes the check is mostly words (a 2.6 kB paragraph with one phone
number), and its seven full scans were 7% of the data stage: the detectors took 24.7 µs a
document of the benchmark corpus, 11.7 with windows. A window
holds every match of its run with the characters its lookarounds read (the lookbehinds see the
text before the window; the lookaheads stop at its end, hence the margin after the run), and
windows that touch are merged, so each scan finds what the scan of the whole text finds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Literal

from vertical.data.pii.card import find_cards
from vertical.data.pii.email import find_emails
from vertical.data.pii.entity import PersonalData
from vertical.data.pii.iban import find_ibans
from vertical.data.pii.id_cn import find_id_cn
from vertical.data.pii.ip import find_ips
from vertical.data.pii.phone import find_phones
from vertical.data.pii.shapes import has_iban_start, may_have_ip, seven_digit_runs, text_shape
from vertical.data.pii.ssn import find_ssns
from vertical.data.pii.url_credentials import find_url_credentials

_DIGIT_OR_AT = re.compile(r"[\d@]")
# What a detector's every match holds, looked for first (in an ASCII text's shape, `shapes.py`,
# else by these patterns): the check costs a fraction of the detector, and text full of figures
# (earnings calls) seldom passes it. Phones, cards, US SSNs and Chinese
# IDs have 7 digits or more, never more than two separators apart (") " in "(555) 123-4567").
_SEVEN_DIGITS = re.compile(r"\d(?:[ ()+.\-]{0,2}\d){6,}")
_IBAN_START = re.compile(r"[A-Z]{2}\d\d")
# Every character that [\d@] matches is in this class (a test goes through all of Unicode), and
# Chinese text is not: the regular expression engine scans a class of ranges 3x faster than \d
# (3.5 against 10.2 µs a Chinese document).
_MAY_BE_DIGIT_OR_AT = re.compile(
    r"[^\x00-\x2f\x3a-\x3f\x41-\u065f\u3000-\u303f\u4e00-\u9fff\uff00-\uff0f\uff1a-\uffef]"
)


def _has_digit_or_at(text: str) -> bool:
    """Whether `text` has a digit (any script's) or an @: ASCII text by a substring test per
    character (memchr; 0.7 µs for 2.6 kB), other text from its first character that may be one."""
    if text.isascii():
        return any(character in text for character in "0123456789@")
    candidate = _MAY_BE_DIGIT_OR_AT.search(text)
    return candidate is not None and _DIGIT_OR_AT.search(text, candidate.start()) is not None


PiiLanguage = Literal["auto", "en", "zh"]
KINDS = ("URL_CREDENTIALS", "EMAIL", "IBAN", "ID_CN", "CARD", "SSN", "IP", "PHONE")

Detector = Callable[[str], Iterator[PersonalData]]
WindowedDetector = Callable[[str, int, int], Iterator[PersonalData]]  # (text, pos, endpos)
# Characters a window reaches past its run of digits: more than a match holds before its first
# digit ("+", "(") or after its last ("X" of an ID), plus what the lookaheads read (2)
_MARGIN = 16


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a dict key per call
class _Needs:
    """What every match of a detector holds: a pattern to look for (None: no check), and the same
    question answered from an ASCII text's shape (`vertical.data.pii.shapes`)."""

    pattern: re.Pattern[str] | None
    in_shape: Callable[[bytes], bool]


_IBAN = _Needs(_IBAN_START, has_iban_start)
_IP = _Needs(None, may_have_ip)  # find_ips checks for a dotted quad or colons itself


def _detectors(language: PiiLanguage) -> list[tuple[Detector, _Needs | None] | WindowedDetector]:
    """The detectors in order: each with what every one of its matches holds (or None), or alone
    when it scans the windows around runs of 7 digits."""

    def phones(text: str, pos: int, endpos: int) -> Iterator[PersonalData]:
        return find_phones(text, language, pos, endpos)

    return [
        (find_url_credentials, None),
        (find_emails, None),
        (find_ibans, _IBAN),
        find_id_cn,
        find_cards,
        find_ssns,
        (find_ips, _IP),
        phones,
    ]


_BY_LANGUAGE = {language: _detectors(language) for language in ("auto", "en", "zh")}


def digit_run_windows(text: str, shape: bytes | None = None) -> list[tuple[int, int]]:
    """(pos, endpos) of the windows of `text` around its runs of 7 digits (see the module
    docstring), in order, none touching another; `shape`: the text's `text_shape` if known."""
    if shape is not None:
        runs = seven_digit_runs(shape)
    else:
        runs = [match.span() for match in _SEVEN_DIGITS.finditer(text)]
    windows: list[tuple[int, int]] = []
    for start, end in runs:
        start, end = max(0, start - _MARGIN), min(len(text), end + _MARGIN)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def find_personal_data(text: str, language: PiiLanguage = "auto") -> list[PersonalData]:
    """Non-overlapping personal data in `text`, in order of position."""
    if not _has_digit_or_at(text):
        return []  # every detector needs a digit or an @
    taken: list[PersonalData] = []
    present: dict[_Needs, bool] = {}
    shape = text_shape(text)
    windows: list[tuple[int, int]] | None = None
    for entry in _BY_LANGUAGE[language]:
        if isinstance(entry, tuple):
            detector, needs = entry
            if needs is not None:
                if needs not in present:
                    if shape is not None:
                        present[needs] = needs.in_shape(shape)
                    else:
                        present[needs] = needs.pattern is None or needs.pattern.search(text) is not None
                if not present[needs]:
                    continue
            candidates = detector(text)
        else:
            if windows is None:
                windows = digit_run_windows(text, shape)
            candidates = chain.from_iterable(entry(text, pos, endpos) for pos, endpos in windows)
        for found in candidates:
            if all(found.end <= other.start or found.start >= other.end for other in taken):
                taken.append(found)
    return sorted(taken, key=lambda found: found.start)


def redact(text: str, found: list[PersonalData]) -> str:
    """`text` with each found span replaced by its placeholder (`found` sorted, not overlapping)."""
    parts, position = [], 0
    for item in found:
        parts.append(text[position : item.start])
        parts.append(item.placeholder)
        position = item.end
    parts.append(text[position:])
    return "".join(parts)


def redact_text(text: str, language: PiiLanguage = "auto") -> str:
    """`text` with its personal data replaced by typed placeholders (``<EMAIL>``, ``<PHONE>`` ...)."""
    return redact(text, find_personal_data(text, language))

"""Exact deduplication: a document whose normalised text was seen before is dropped.

The key is the sha1 of the lower-cased text with all whitespace removed, so copies that differ
only in case or spacing count as the same. Keys take 20 bytes each: ten million documents hold
about 200 MB. Near-duplicate detection (MinHash) is the data issue's.
"""

from __future__ import annotations

import hashlib
import re

_WHITESPACE = re.compile(r"\s+")


def dedup_key(text: str) -> bytes:
    """The key under which two texts count as exact duplicates."""
    return hashlib.sha1(_WHITESPACE.sub("", text.lower()).encode("utf-8")).digest()


class ExactDeduplicator:
    """Remembers the keys seen so far and tells whether a text repeats one."""

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def is_duplicate(self, text: str) -> bool:
        """True when an equal text was offered before; otherwise remember this one."""
        key = dedup_key(text)
        if key in self._seen:
            return True
        self._seen.add(key)
        return False

"""Exact deduplication: a document whose normalised text was seen before is dropped.

The key is the 64-bit xxh3 (`xxhash`, seed 0: the same in every process and on every machine)
of the lower-cased text with all whitespace removed, so copies that differ only in case or
spacing count as the same; xxh3 hashes 2.6 kB in ~0.08 µs, blake2b took ~3. A key costs about
70 bytes of memory in a Python set: ten million documents hold about 700 MB. The set lives in
one datatrove task, so with several tasks exact copies in different tasks survive this step;
near deduplication (`vertical.data.near_dedup`, which sees all tasks) removes them, since an
exact copy has the same MinHash signature.
"""

from __future__ import annotations

import xxhash
from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.writers.disk_base import DiskWriter

from vertical.data.batch_filter import BatchFilter

# the ASCII characters str.split() splits on, to delete them from ASCII bytes at C speed
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())


def dedup_key(text: str) -> int:
    """The key under which two texts count as exact duplicates."""
    if text.isascii():  # the same bytes as below, without a list of words
        folded = text.encode("ascii").lower().translate(None, _ASCII_SPACE)
    else:
        # str.split() splits on exactly the characters the regular expression's \s matches, faster
        folded = "".join(text.lower().split()).encode("utf-8")
    return xxhash.xxh3_64_intdigest(folded)


class ExactDeduplicator:
    """Remembers the keys seen so far and tells whether a text repeats one."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def is_duplicate(self, text: str) -> bool:
        """True when an equal text was offered before; otherwise remember this one."""
        key = dedup_key(text)
        if key in self._seen:
            return True
        self._seen.add(key)
        return False


class ExactDedupFilter(BatchFilter):
    """datatrove step: keeps the first of documents with the same `dedup_key`; reason ``exact_duplicate``."""

    name = "exact dedup"

    def __init__(self, exclusion_writer: DiskWriter | None = None) -> None:
        super().__init__(exclusion_writer)
        self.deduplicator = ExactDeduplicator()

    def filter(self, document: DatatroveDocument) -> bool | tuple[bool, str]:
        if self.deduplicator.is_duplicate(document.text):
            return False, "exact_duplicate"
        return True

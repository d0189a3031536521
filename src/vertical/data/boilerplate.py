"""Boilerplate lines: lines that repeat across many documents (footers, disclaimers, menus).

A corpus is streamed, so the step learns what boilerplate is from the first `sample_documents`
documents of its task (held in memory, a few MB), then removes those lines from every
multi-line document, the sample included. A line counts when it appears in at least
`min_share` of the sampled documents and in at least `min_documents` of them. One-line
documents are left alone (a repeated one-line document is a duplicate, which dedup handles);
a document that is nothing but boilerplate is dropped with reason ``boilerplate``.
"""

from __future__ import annotations

import collections
import itertools
from collections import Counter
from collections.abc import Iterator

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.writers.disk_base import DiskWriter

from vertical.data.batch_filter import BatchFilter
from vertical.data.shared_words import forget_words


def boilerplate_keys(texts: list[str], min_share: float, min_documents: int) -> set[int]:
    """Keys of the lines that occur in enough of `texts` (each text counted once per line).

    A key is Python's hash of the case-folded line: the keys are made and used in one process
    (one datatrove task), where that hash is the same for the same string.
    """
    seen: Counter[int] = Counter()
    for text in texts:
        seen.update(set(map(hash, text.casefold().split("\n"))))
    needed = max(min_documents, int(min_share * len(texts) + 0.999999))
    return {key for key, count in seen.items() if count >= needed}


def key_lengths(texts: list[str], keys: set[int]) -> set[int]:
    """The lengths of the case-folded lines of `texts` whose key is in `keys`, reading the texts
    only until every key has been met (each is in a share of them)."""
    lengths: set[int] = set()
    met: set[int] = set()
    for text in texts:
        for line in text.casefold().split("\n"):
            key = hash(line)
            if key in keys and key not in met:
                met.add(key)
                lengths.add(len(line))
        if len(met) == len(keys):
            break
    return lengths


def strip_lines(text: str, keys: set[int], lengths: set[int] | None = None) -> str:
    """`text` without the lines whose key is in `keys` (one-line texts are returned as they are).

    `lengths`, those of the keys' lines (`key_lengths`), spare the case folding and hashing of
    every ASCII line of another length (ASCII case folding keeps the length): ~5 -> ~1.5 µs a
    2.6 kB English text, whose lines are rarely as long as a footer.
    """
    if not keys or "\n" not in text:
        return text
    lines = text.split("\n")
    if lengths is None:
        folded = text.casefold().split("\n")  # case folding is character by character, never to a "\n"
        kept = [line for line, key in zip(lines, map(hash, folded), strict=True) if key not in keys]
    else:
        kept = [
            line
            for line in lines
            if (line.isascii() and len(line) not in lengths) or hash(line.casefold()) not in keys
        ]
    return text if len(kept) == len(lines) else "\n".join(kept)  # the same string when nothing went


class RemoveBoilerplateLines(BatchFilter):
    """datatrove step: removes lines repeated across documents; see the module docstring."""

    name = "boilerplate lines"

    def __init__(
        self,
        sample_documents: int = 10_000,
        min_share: float = 0.01,
        min_documents: int = 5,
        exclusion_writer: DiskWriter | None = None,
    ) -> None:
        super().__init__(exclusion_writer)
        self.sample_documents = sample_documents
        self.min_share = min_share
        self.min_documents = min_documents
        self.keys: set[int] = set()
        self.lengths: set[int] = set()  # of the keys' case-folded lines

    def filter(self, document: DatatroveDocument) -> bool | tuple[bool, str]:
        stripped = strip_lines(document.text, self.keys, self.lengths)
        if not stripped.strip():
            return False, "boilerplate"
        if len(stripped) != len(document.text):
            self.stat_update("lines_removed")
        document.text = stripped
        return True

    def run(self, data: Iterator[DatatroveDocument], rank: int = 0, world_size: int = 1):
        data = iter(data)
        sample = []
        for document in itertools.islice(data, self.sample_documents):
            forget_words(document)  # their words (~30 bytes a character) would make the sample ~15x bigger
            sample.append(document)
        multi_line = [d.text for d in sample if "\n" in d.text]
        self.keys = boilerplate_keys(multi_line, self.min_share, self.min_documents) if multi_line else set()
        self.lengths = key_lengths(multi_line, self.keys) if self.keys else set()
        self.stat_update("boilerplate_lines", value=len(self.keys))
        del multi_line
        queue = collections.deque(sample)
        del sample

        def replay() -> Iterator[DatatroveDocument]:
            # let go of each sampled document as it leaves: later steps attach its words to it
            while queue:
                yield queue.popleft()
            yield from data

        yield from super().run(replay(), rank, world_size)

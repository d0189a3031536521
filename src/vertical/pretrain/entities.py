"""Entity mentions in training text, as the entity masking of masked-LM training needs them.

Two sources of mentions, both answering ``spans(text, document_id)``:

* `MentionFinder` finds the known names of a recipe's `entities` file (company names, trade terms)
  in a text: case-insensitive, on word boundaries (none for Chinese, which has no spaces), longest
  name first where names overlap. Meant for a few thousand names.
* `LinkedMentions` reads what the knowledge stage's Aho-Corasick linker found in the corpus
  (``spans.parquet``), by document id: the way to use a whole ontology's names.

`token_entity_ids` turns character spans into the per-token mention index the collator masks by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from vertical.unicode_scripts import HAN, HAN_CHAR

_LETTER_OF_WORDS = f"[^\\W{HAN}]"  # a word character that is not an ideograph


def _bounded(name: str) -> str:
    """`name` as a pattern that matches whole words only where its script has words.

    A Latin name must not start or end inside a Latin word ("Voman" is not in "Vomans") but may touch
    Chinese ("Voman与"); Chinese has no spaces, so 瀚璟集团 matches in 瀚璟集团发布 too.
    """
    start = "" if HAN_CHAR.match(name[0]) else rf"(?<!{_LETTER_OF_WORDS})"
    end = "" if HAN_CHAR.match(name[-1]) else rf"(?!{_LETTER_OF_WORDS})"
    return f"{start}{re.escape(name)}{end}"


class MentionFinder:
    """Finds mentions of a fixed list of names in text.

    Example:
        >>> MentionFinder(["Voman Group", "Voman"]).spans("Voman Group and voman")
        [(0, 11), (16, 21)]
    """

    def __init__(self, names: Iterable[str]) -> None:
        unique = sorted({name.strip() for name in names if name and name.strip()}, key=len, reverse=True)
        self.names = unique
        alternation = "|".join(_bounded(name) for name in unique)
        self._pattern = re.compile(alternation, re.IGNORECASE) if unique else None

    def spans(self, text: str, document_id: str | None = None) -> list[tuple[int, int]]:
        """Character (start, end) of each mention, left to right, never overlapping."""
        if self._pattern is None:
            return []
        return [match.span() for match in self._pattern.finditer(text)]


class LinkedMentions:
    """The knowledge stage's mentions (``spans.parquet``: document_id, start, end, ...) by document.

    Holds (start, end) pairs of the corpus in memory: about 40 bytes a mention.
    """

    def __init__(self, spans_file: Path) -> None:
        import pyarrow.parquet as pq

        table = pq.read_table(spans_file, columns=["document_id", "start", "end"])
        by_document: dict[str, list[tuple[int, int]]] = {}
        for document_id, start, end in zip(
            table.column("document_id").to_pylist(),
            table.column("start").to_pylist(),
            table.column("end").to_pylist(),
            strict=True,
        ):
            by_document.setdefault(document_id, []).append((start, end))
        self._by_document = {key: _without_overlaps(value) for key, value in by_document.items()}
        self.mentions = sum(len(value) for value in self._by_document.values())

    def spans(self, text: str, document_id: str | None = None) -> list[tuple[int, int]]:
        """Character (start, end) of each mention of document `document_id`, left to right."""
        return self._by_document.get(document_id, []) if document_id is not None else []


def _without_overlaps(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def token_entity_ids(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> list[int]:
    """The mention index of each token (-1 outside mentions) from token character offsets.

    Args:
        offsets: (start, end) of each token in the text, (0, 0) for special tokens.
        spans: (start, end) of each mention, sorted and not overlapping.
    """
    ids = [-1] * len(offsets)
    mention = 0
    for position, (start, end) in enumerate(offsets):
        if end <= start:  # special token
            continue
        while mention < len(spans) and spans[mention][1] <= start:
            mention += 1
        if mention < len(spans) and spans[mention][0] <= start and end <= spans[mention][1]:
            ids[position] = mention
    return ids

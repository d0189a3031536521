"""Entity mentions in training text, as the entity masking of masked-LM training needs them.

Two sources of mentions, both answering ``spans(text, document_id)``:

* `NameMentions` finds the known names of a recipe's `entities` file (company names, trade terms)
  in a text with the knowledge stage's `EntityLinker`: case-insensitive, on word boundaries (none
  for Chinese, which has no spaces), longest name first where names overlap.
* `LinkedMentions` reads what the knowledge stage's Aho-Corasick linker found in the corpus
  (``spans.parquet``), by document id: the way to use a whole ontology's names.

`token_entity_ids` turns character spans into the per-token mention index the collator masks by.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from vertical.knowledge.linker import EntityLinker
from vertical.records import Entity


class NameMentions:
    """Finds mentions of a fixed list of names in text, with the knowledge stage's `EntityLinker`.

    The same Aho-Corasick matching as the linked corpus: case-insensitive, Latin names on word
    boundaries (a lower-case name also in its plural), Chinese names inside running text, the longest
    name where names overlap.

    Example:
        >>> NameMentions(["Voman Group", "Voman"]).spans("Voman Group and voman")
        [(0, 11), (16, 21)]
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted({name.strip() for name in names if name and name.strip()}, key=len, reverse=True)
        entities = [Entity(id=f"name:{index}", label=name) for index, name in enumerate(self.names)]
        self._linker = EntityLinker(entities, language=None, min_name_length=1)

    def spans(self, text: str, document_id: str | None = None) -> list[tuple[int, int]]:
        """Character (start, end) of each mention, left to right, never overlapping."""
        if not self.names:
            return []
        return [(span.start, span.end) for span in self._linker.link(text)]


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

"""Entity mentions in training text, as the entity masking of masked-LM training needs them.

`MentionFinder` finds the known names (company names, trade terms, an ontology's labels) in a
text: case-insensitive, on word boundaries, longest name first where names overlap. It is meant for
the few thousand names of a recipe's entity list; the knowledge stage's Aho-Corasick linker does
the same at the scale of a whole ontology.

`token_entity_ids` turns character spans into the per-token mention index the collator masks by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


class MentionFinder:
    """Finds mentions of a fixed list of names in text.

    Example:
        >>> MentionFinder(["Voman Group", "Voman"]).spans("Voman Group and voman")
        [(0, 11), (16, 21)]
    """

    def __init__(self, names: Iterable[str]) -> None:
        unique = sorted({name.strip() for name in names if name and name.strip()}, key=len, reverse=True)
        self.names = unique
        alternation = "|".join(re.escape(name) for name in unique)
        self._pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE) if unique else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character (start, end) of each mention, left to right, never overlapping."""
        if self._pattern is None:
            return []
        return [match.span() for match in self._pattern.finditer(text)]


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

"""Two random spans of one passage: the positive pair of the retrieval encoder's adaptation.

Contriever's independent cropping (Izacard et al. 2021, "Unsupervised Dense Information Retrieval
with Contrastive Learning", section 3.2): each view is a span of consecutive words drawn on its own,
its length a random share of the passage, so two views of a passage may overlap, nest or be
disjoint. Spans of one passage are about the same thing (an entity, a fact); spans of two passages
usually are not, and an encoder trained to tell them apart learns what the corpus's texts are about,
including which of its words (a name, a ticker) go together.
"""

from __future__ import annotations

import random

from vertical.retrieve.passages import word_spans


def random_span(text: str, rng: random.Random, shortest: float, longest: float) -> str:
    """A span of consecutive words of `text`, between `shortest` and `longest` of its words (at least one)."""
    spans = word_spans(text)
    if not spans:
        return text
    low = max(1, round(shortest * len(spans)))
    high = max(low, round(longest * len(spans)))
    length = rng.randint(low, high)
    first = rng.randint(0, len(spans) - length)
    return text[spans[first][0] : spans[first + length - 1][1]]


def two_spans(text: str, rng: random.Random, shortest: float, longest: float) -> tuple[str, str]:
    """Two spans of `text` drawn independently (`random_span`)."""
    return random_span(text, rng, shortest, longest), random_span(text, rng, shortest, longest)

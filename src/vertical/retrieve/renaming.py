"""A text's entities named by another of their names: the knowledge graph's synonyms as augmentation.

The knowledge stage's entity table knows that "Voman Group", "Voman" and "VMQ" (a ticker, an alias
predicate) name one company. Spans that name an entity by one name or another are positives of each
other in the retrieval encoder's adaptation only if something tells it so; rewriting a span with a
different name of each entity it mentions does, with the linker of the knowledge stage finding the
mentions (`vertical.knowledge.linker`). A question asking by ticker then lands near the passages
that use the name. The same augmentation as entity replacement in data augmentation for retrieval
(e.g. Zhang et al. 2020's synonym replacement, here with the graph's names as the synonyms).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from vertical.knowledge.linker import EntityLinker
from vertical.records import Entity


def entity_names(entity: Entity) -> list[str]:
    """Every name of `entity`: its label, then its aliases, without repeats."""
    return list(dict.fromkeys([entity.label, *(alias.text for alias in entity.aliases)]))


class EntityRenamer:
    """Rewrites texts with other names of the entities they mention.

    Args:
        linker: the knowledge stage's linker; only its entities with two names or more are renamed.
        probability: the chance that each mention is renamed.
    """

    def __init__(self, linker: EntityLinker, probability: float) -> None:
        self.linker = linker
        self.probability = probability
        named = {e.id: entity_names(e) for e in linker.entities}
        self.names = {entity: names for entity, names in named.items() if len(names) > 1}

    def rename(self, texts: Sequence[str], rng: random.Random) -> list[str]:
        """`texts` with each mention of a many-named entity replaced, at `probability`, by another name."""
        renamed = []
        for text, spans in zip(texts, self.linker.link_batch(list(texts)), strict=True):
            for span in sorted(spans, key=lambda s: s.start, reverse=True):  # right to left: offsets hold
                names = self.names.get(span.entity_id)
                if names is None or rng.random() >= self.probability:
                    continue
                others = [n for n in names if n.lower() != span.surface.lower()] or names
                text = text[: span.start] + rng.choice(others) + text[span.end :]
            renamed.append(text)
        return renamed

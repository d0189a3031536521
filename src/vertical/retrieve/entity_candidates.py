"""Passages that name a question's entities, as candidates beside the dense search's.

The reranker (`vertical.retrieve.rerank`) can only reorder what the dense search fetched, and a
dense encoder that does not read the corpus's language fetches passages about the question's
company no better than chance: all-MiniLM-L6-v2 maps most Chinese characters to ``[UNK]``. The
knowledge stage's linker reads whatever language the entity table is written in, so the passages
that name *every* entity linked in the question join the candidates: the nearest of them by the
same encoder (its cosine is their score, as for the dense hits), at most as many as the reranker
takes. `EntityPostings` maps each entity to the passages naming it; one linker pass over the
index builds it, again when the index has grown, like the reranker's term statistics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from vertical.retrieve.index import Hit, PassageIndex


@dataclass(frozen=True)
class EntityPostings:
    """entity id -> ids of the passages of an index that name it (by any of its names).

    Attributes:
        passages: how many passages the index held when this was built.
    """

    passages: int
    naming: dict[str, tuple[int, ...]]

    @classmethod
    def of(cls, index: PassageIndex, linker) -> EntityPostings:
        ids = list(index.passages)
        texts = [index.passages[i].text for i in ids]
        mentions = linker.link_columns(texts, [str(i) for i in ids])
        naming: dict[str, set[int]] = defaultdict(set)
        positions = mentions.column("document").to_pylist()
        for position, entity in zip(positions, mentions.column("entity_id").to_pylist(), strict=True):
            naming[entity].add(ids[position])
        return cls(len(ids), {entity: tuple(sorted(found)) for entity, found in naming.items()})

    def naming_all(self, entity_ids: Collection[str]) -> list[int]:
        """Ids of the passages that name every one of `entity_ids` (none when it is empty), ascending."""
        if not entity_ids:
            return []
        lists = sorted((self.naming.get(entity, ()) for entity in set(entity_ids)), key=len)
        common = set(lists[0]).intersection(*lists[1:])
        return sorted(common)


def with_entity_candidates(
    index: PassageIndex, query: np.ndarray, hits: Sequence[Hit], passage_ids: Sequence[int], most: int
) -> list[Hit]:
    """`hits` and the nearest `most` of the passages `passage_ids` not among them, by cosine, best first.

    Args:
        query: the question's unit vector (D,), as the dense search used it.
    """
    taken = {(hit.passage.document_id, hit.passage.start) for hit in hits}
    extra = [i for i in passage_ids if (index.passages[i].document_id, index.passages[i].start) not in taken]
    if not extra or most <= 0:
        return list(hits)
    vectors = index.vectors.reconstruct_batch(np.asarray(extra, dtype=np.int64))
    scores = vectors @ np.asarray(query, dtype=np.float32)
    nearest = np.argsort(-scores, kind="stable")[:most]
    added = [Hit(index.passages[extra[j]], float(scores[j])) for j in nearest]
    return sorted([*hits, *added], key=lambda hit: -hit.score)

"""Reranking dense candidates of a question: passages naming its entities first, then words and dense rank.

A dense encoder knows what a passage is *about*, less well *which* entity it names: "What sector is
Voman Group in?" lands near passages of every company's sector, and a ticker's market news that
names the company once can rank above the company's own profile. Three signals, in this order:

1. **Entities**: the knowledge stage's linker finds the question's entities; a candidate that names
   all of them (by any of their names: label, alias, ticker) comes before one that does not.
2. **Words**: BM25 (Robertson and Zaragoza 2009; k1 1.2, b 0.75) over the question's words
   *without* its entity mentions (those are step 1's business), so the relation it asks about
   ("sector", "headquartered") decides among the passages about the entity. Document frequencies
   come from every passage of the index.
3. **Fusion**: reciprocal rank fusion (Cormack et al. 2009, k = 60) of the BM25 rank and the dense
   rank: a passage both rank high comes first, one signal alone cannot push a passage from last
   to first.

Chinese text counts each ideograph as a word, as the passages do.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from vertical.unicode_scripts import NO_SPACE_SCRIPTS

_TERM = re.compile(f"[{NO_SPACE_SCRIPTS}]|[^\\W_{NO_SPACE_SCRIPTS}]+")
FUSION_K = 60  # reciprocal rank fusion's constant (Cormack et al. 2009)
BM25_K1 = 1.2
BM25_B = 0.75


def terms(text: str) -> list[str]:
    """The lower-cased words of `text` (a no-space-script character is a word)."""
    return _TERM.findall(text.lower())


def _without_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    kept, last = [], 0
    for start, end in sorted(spans):
        kept.append(text[last:start])
        last = max(last, end)
    kept.append(text[last:])
    return " ".join(kept)


@dataclass
class TermStatistics:
    """Document frequencies and the mean length (in words) of a set of passages, for BM25."""

    passages: int = 0
    mean_length: float = 0.0
    frequency: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, texts: Sequence[str]) -> TermStatistics:
        frequency: Counter = Counter()
        words = 0
        for text in texts:
            found = terms(text)
            words += len(found)
            frequency.update(set(found))
        return cls(len(texts), words / len(texts) if texts else 0.0, frequency)

    def idf(self, term: str) -> float:
        df = self.frequency.get(term, 0)
        return math.log(1.0 + (self.passages - df + 0.5) / (df + 0.5))

    def bm25(self, query: Sequence[str], text: str) -> float:
        """BM25 of `text` for the distinct `query` terms."""
        words = terms(text)
        counts = Counter(words)
        norm = BM25_K1 * (1.0 - BM25_B + BM25_B * len(words) / (self.mean_length or 1.0))
        score = 0.0
        for term in set(query):
            tf = counts.get(term, 0)
            if tf:
                score += self.idf(term) * tf * (BM25_K1 + 1.0) / (tf + norm)
        return score


def rerank_order(
    question: str,
    candidates: Sequence[str],
    statistics: TermStatistics,
    linker=None,
    mentions: Sequence | None = None,
) -> list[int]:
    """The positions of `candidates` (dense order, best first) in reranked order; see the module docstring.

    Args:
        linker: the knowledge stage's `EntityLinker`, or None (no entity step; BM25 over all the
            question's words).
        mentions: the linker's spans of `question` when the caller has them (None: linked here).
    """
    if mentions is None:
        mentions = linker.link(question) if linker is not None else []
    wanted = {span.entity_id for span in mentions}
    query = terms(_without_spans(question, [(s.start, s.end) for s in mentions]))
    named = [True] * len(candidates)
    if wanted:
        linked = linker.link_batch(list(candidates))
        named = [wanted <= {span.entity_id for span in spans} for spans in linked]
    lexical = [statistics.bm25(query, text) for text in candidates] if query else [0.0] * len(candidates)
    by_words = sorted(range(len(candidates)), key=lambda i: (-lexical[i], i))
    word_rank = {position: rank for rank, position in enumerate(by_words, start=1)}

    def fused(i: int) -> float:
        return 1.0 / (FUSION_K + i + 1) + 1.0 / (FUSION_K + word_rank[i])

    return sorted(range(len(candidates)), key=lambda i: (not named[i], -fused(i), i))

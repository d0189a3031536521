"""A question to its sources: the nearest passages of the index and the graph facts of its entities.

`Retriever.retrieve` gives numbered `Source`s, passages first: the numbers are what the grounded
prompt shows and what an answer cites (``[1]``, ``[2]``). With ``rerank_candidates`` the dense
search fetches that many candidates and `vertical.retrieve.rerank` orders them (passages naming the
question's entities first, BM25 and dense ranks fused) before the best `top_k` are kept; with
``entity_candidates`` the passages naming all the question's linked entities join those candidates
(`vertical.retrieve.entity_candidates`: what an encoder that cannot read the language misses).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from vertical.retrieve.encoder import TextEncoder, load_encoder
from vertical.retrieve.entity_candidates import EntityPostings, with_entity_candidates
from vertical.retrieve.facts import GraphFacts
from vertical.retrieve.index import PassageIndex, load_index, read_identity
from vertical.retrieve.rerank import TermStatistics, rerank_order


@dataclass(frozen=True)
class Source:
    """One numbered piece of evidence: a passage of the corpus or a fact of the graph.

    Attributes:
        number: its number in the prompt, from 1.
        kind: ``passage`` or ``fact``.
        text: the passage, or the fact's sentence.
        document_id, start, end: where a passage is in the curated corpus (characters).
        subject, predicate, object: a fact's triple.
        score: a passage's cosine similarity to the question (None for facts).
    """

    number: int
    kind: Literal["passage", "fact"]
    text: str
    document_id: str | None = None
    start: int | None = None
    end: int | None = None
    subject: str | None = None
    predicate: str | None = None
    object: str | None = None
    score: float | None = None

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass
class Retriever:
    """The index, the encoder that made it, and (optionally) the graph facts.

    Attributes:
        rerank_candidates: dense candidates the reranker orders (0: the dense order as it is).
        linker: the knowledge stage's entity linker for the reranker (None: the facts' linker, if any).
        entity_candidates: with reranking and a linker, the passages naming all the question's
            linked entities join the dense candidates (the nearest `rerank_candidates` of them).
    """

    index: PassageIndex
    encoder: TextEncoder
    facts: GraphFacts | None = None
    top_k: int = 5
    max_facts: int = 8
    rerank_candidates: int = 0
    linker: object = None
    entity_candidates: bool = True
    _statistics: TermStatistics | None = field(default=None, repr=False)
    _postings: EntityPostings | None = field(default=None, repr=False)

    def passages(self, questions: list[str], k: int | None = None, rerank: bool = True) -> list[list[Source]]:
        """The `k` best passages of each question, numbered from 1, best first: reranked when the
        retriever reranks and `rerank`, else the nearest by the encoder alone."""
        k = k or self.top_k
        fetch = max(k, self.rerank_candidates) if rerank and self.rerank_candidates > 0 else k
        vectors = self.encoder.embed(questions)
        hits = self.index.search(vectors, fetch)
        if fetch > k:
            hits = [
                self._reranked(q, vector, row)[:k]
                for q, vector, row in zip(questions, vectors, hits, strict=True)
            ]
        return [
            [
                Source(
                    n,
                    "passage",
                    h.passage.text,
                    h.passage.document_id,
                    h.passage.start,
                    h.passage.end,
                    score=round(h.score, 4),
                )
                for n, h in enumerate(row, start=1)
            ]
            for row in hits
        ]

    def _reranked(self, question: str, vector, hits: list) -> list:
        statistics = self._statistics
        if statistics is None or statistics.passages != len(self.index):  # built, or grown since
            statistics = TermStatistics.of([p.text for p in self.index.passages.values()])
            self._statistics = statistics
        linker = self.linker or (self.facts.linker if self.facts is not None else None)
        mentions = linker.link(question) if linker is not None else []
        if mentions and self.entity_candidates:
            postings = self._postings
            if postings is None or postings.passages != len(self.index):
                postings = self._postings = EntityPostings.of(self.index, linker)
            naming = postings.naming_all({span.entity_id for span in mentions})
            hits = with_entity_candidates(self.index, vector, hits, naming, self.rerank_candidates)
        order = rerank_order(question, [h.passage.text for h in hits], statistics, linker, mentions)
        return [hits[i] for i in order]

    def retrieve(self, question: str, k: int | None = None, with_facts: bool = True) -> list[Source]:
        """Passages, then graph facts (when it has them and `with_facts`), numbered in that order."""
        sources = self.passages([question], k)[0]
        if with_facts and self.facts is not None and self.max_facts > 0:
            for fact in self.facts.facts(question, self.max_facts):
                sources.append(
                    Source(
                        len(sources) + 1,
                        "fact",
                        fact.sentence,
                        subject=fact.subject,
                        predicate=fact.predicate,
                        object=fact.object,
                    )
                )
        return sources


def load_retriever(
    index_dir: Path,
    facts: GraphFacts | None = None,
    top_k: int = 5,
    max_facts: int = 8,
    rerank_candidates: int = 0,
    linker=None,
    entity_candidates: bool = True,
) -> Retriever:
    """The index in `index_dir` with the encoder it names (loaded from its folder, which may be
    relative to `index_dir`: the retrieve stage's adapted ``../encoder``)."""
    identity = read_identity(index_dir) or {}
    index = load_index(index_dir)
    encoder_dir = Path(index_dir) / identity["encoder_dir"]  # an absolute folder stays itself
    encoder = load_encoder(encoder_dir, identity["pooling"], int(identity["max_length"]))
    return Retriever(index, encoder, facts, top_k, max_facts, rerank_candidates, linker, entity_candidates)

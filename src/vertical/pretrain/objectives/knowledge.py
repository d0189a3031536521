"""Knowledge-graph objective: KEPLER-style TransE over entity descriptions encoded by the model itself.

Reference: Wang et al. 2021, "KEPLER: A Unified Model for Knowledge Embedding and Pre-trained
Language Representation"; the score is TransE's (Bordes et al. 2013).

Each entity is represented by the encoder's mean-pooled embedding of its text (its description, or
its name when the graph has none), so the graph trains the same weights the tasks later use. Each
relation has a learned vector r. For a true triple (h, r, t) and a corrupted one (h, r, t') whose
tail is a random other entity, with d(h, r, t) = || h + r - t ||_2:

    loss = mean( max(0, margin + d(h, r, t) - d(h, r, t')) )

Inputs (tokenized by `TripleBatcher`): ``kg_head_*``, ``kg_tail_*``, ``kg_negative_*``
(input_ids and attention_mask, (K, T)) and ``kg_relation`` (K,). Returns a scalar.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from vertical.pretrain.objectives.contrastive import mean_pooled


def transe_distance(head: torch.Tensor, relation: torch.Tensor, tail: torch.Tensor) -> torch.Tensor:
    """|| head + relation - tail ||_2 row by row: (K, H) x3 -> (K,)."""
    return (head + relation - tail).norm(p=2, dim=-1)


def transe_margin_loss(
    head: torch.Tensor, relation: torch.Tensor, tail: torch.Tensor, negative_tail: torch.Tensor, margin: float
) -> torch.Tensor:
    """mean(max(0, margin + d(h, r, t) - d(h, r, t'))) over the K triples; see the module docstring."""
    positive = transe_distance(head, relation, tail)
    negative = transe_distance(head, relation, negative_tail)
    return torch.relu(margin + positive - negative).mean()


class KnowledgeEmbedding(nn.Module):
    """TransE over encoder-embedded entity texts, with learned relation vectors.

    Args:
        encoder: the base model, shared with the other objectives.
        relations: how many relations the graph has.
        hidden_size: the encoder's hidden size.
        margin: of the margin loss.
    """

    def __init__(self, encoder: nn.Module, relations: int, hidden_size: int, margin: float = 1.0) -> None:
        super().__init__()
        self.encoder = encoder
        self.relations = nn.Embedding(relations, hidden_size)
        nn.init.normal_(self.relations.weight, std=0.02)
        self.margin = margin

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return mean_pooled(hidden, attention_mask)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        head = self.embed(batch["kg_head_input_ids"], batch["kg_head_attention_mask"])
        tail = self.embed(batch["kg_tail_input_ids"], batch["kg_tail_attention_mask"])
        negative = self.embed(batch["kg_negative_input_ids"], batch["kg_negative_attention_mask"])
        relation = self.relations(batch["kg_relation"])
        return transe_margin_loss(head, relation, tail, negative, self.margin)


@dataclass(frozen=True)
class EntityTriples:
    """The graph as the knowledge objective needs it: entity texts and (head, relation, tail) indices."""

    texts: list[str]  # entity index -> its description, or its name
    relations: list[str]  # relation index -> predicate IRI
    triples: list[tuple[int, int, int]]


def read_entity_triples(knowledge_dir: Path) -> EntityTriples:
    """Entity texts from the knowledge stage's ``entities.parquet`` and the triples between entities
    from its store (literal objects and names are left out)."""
    import pyarrow.parquet as pq

    from vertical.knowledge.store import close_store, open_store

    table = pq.read_table(Path(knowledge_dir) / "entities.parquet", columns=["id", "label", "description"])
    ids = table.column("id").to_pylist()
    texts = [
        description or label
        for label, description in zip(
            table.column("label").to_pylist(), table.column("description").to_pylist(), strict=True
        )
    ]
    index = {iri: position for position, iri in enumerate(ids)}
    relations: dict[str, int] = {}
    triples = []
    store = open_store(Path(knowledge_dir) / "store")
    try:
        for quad in store.quads_for_pattern(None, None, None):
            head, tail = index.get(quad.subject.value), index.get(getattr(quad.object, "value", None))
            predicate = quad.predicate.value
            if head is None or tail is None or predicate.endswith(("#type", "#label", "#comment")):
                continue
            triples.append((head, relations.setdefault(predicate, len(relations)), tail))
    finally:
        close_store(store)
    return EntityTriples(texts, list(relations), sorted(set(triples)))


class TripleBatcher:
    """Draws `size` random triples and a corrupted tail for each, tokenized for `KnowledgeEmbedding`.

    Args:
        graph: the entities and triples.
        tokenizer: the model's tokenizer.
        size: triples per training batch.
        max_length: tokens per entity text.
    """

    def __init__(
        self,
        graph: EntityTriples,
        tokenizer,
        size: int = 16,
        max_length: int = 32,
    ) -> None:
        if not graph.triples:
            raise ValueError("the knowledge graph has no triples between two entities")
        self.graph = graph
        self.tokenizer = tokenizer
        self.size = size
        self.max_length = max_length

    def __call__(self, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Draw a batch of triples; `generator` is the random source (the collator passes its own)."""
        picks = torch.randint(len(self.graph.triples), (self.size,), generator=generator).tolist()
        chosen = [self.graph.triples[pick] for pick in picks]
        # a random other entity for each tail: offset by 1..n-1, so never the tail itself
        entities = len(self.graph.texts)
        offsets = torch.randint(1, max(2, entities), (self.size,), generator=generator).tolist()
        negatives = [(tail + offset) % entities for (_, _, tail), offset in zip(chosen, offsets, strict=True)]
        batch = {"kg_relation": torch.tensor([relation for _, relation, _ in chosen])}
        for role, entities in (
            ("head", [h for h, _, _ in chosen]),
            ("tail", [t for _, _, t in chosen]),
            ("negative", negatives),
        ):
            encoded = self.tokenizer(
                [self.graph.texts[e] for e in entities],
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            )
            batch[f"kg_{role}_input_ids"] = encoded["input_ids"]
            batch[f"kg_{role}_attention_mask"] = encoded["attention_mask"]
        return batch

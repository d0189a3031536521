"""Sentence-order prediction (ALBERT SOP, Lan et al. 2020; a harder variant of BERT's NSP).

Each document is cut at the word boundary nearest its middle into two consecutive segments A and
B; half of the pairs are swapped. The model reads ``[CLS] A [SEP] B [SEP]`` (or ``[CLS] B [SEP] A
[SEP]``) and a small head on the ``[CLS]`` state says whether the order is the original one
(label 0) or swapped (label 1). It teaches discourse coherence: which statement leads to which.

`sentence_order_pairs` builds the pairs from tokenized documents (it runs in the collator);
`SentenceOrder` is the objective. Inputs: ``sop_input_ids``, ``sop_attention_mask``,
``sop_token_type_ids`` (B, T) and ``sop_labels`` (B,). Returns the cross-entropy (a scalar).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _split_point(word_ids: list[int]) -> int | None:
    """Index in the content tokens where a new word starts nearest the middle; None if one word."""
    starts = [i for i in range(1, len(word_ids)) if word_ids[i] != word_ids[i - 1]]
    if not starts:
        return None
    middle = len(word_ids) / 2
    return min(starts, key=lambda i: abs(i - middle))


def sentence_order_pairs(
    examples: list[dict], cls_id: int, sep_id: int, pad_id: int, generator: torch.Generator | None
) -> dict[str, torch.Tensor]:
    """Segment pairs for SOP from tokenized documents (``input_ids`` and ``word_ids``, -1 on specials).

    Documents of one word give an in-order pair of that word and nothing; every pair keeps the
    example's own tokens, so no document is read twice.
    """
    rows, types, labels = [], [], []
    swaps = torch.rand(len(examples), generator=generator) < 0.5
    for example, swap in zip(examples, swaps.tolist(), strict=True):
        content = [(t, w) for t, w in zip(example["input_ids"], example["word_ids"], strict=True) if w >= 0]
        tokens, words = [t for t, _ in content], [w for _, w in content]
        cut = _split_point(words)
        first, second = (tokens[:cut], tokens[cut:]) if cut else (tokens, [])
        swap = swap and bool(second)
        if swap:
            first, second = second, first
        rows.append([cls_id, *first, sep_id, *second, sep_id])
        types.append([0] * (len(first) + 2) + [1] * (len(second) + 1))
        labels.append(int(swap))
    length = max(len(row) for row in rows)
    input_ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    token_type_ids = torch.zeros((len(rows), length), dtype=torch.long)
    attention_mask = torch.zeros((len(rows), length), dtype=torch.long)
    for index, (row, kinds) in enumerate(zip(rows, types, strict=True)):
        input_ids[index, : len(row)] = torch.tensor(row)
        token_type_ids[index, : len(row)] = torch.tensor(kinds)
        attention_mask[index, : len(row)] = 1
    return {
        "sop_input_ids": input_ids,
        "sop_attention_mask": attention_mask,
        "sop_token_type_ids": token_type_ids,
        "sop_labels": torch.tensor(labels),
    }


class SentenceOrder(nn.Module):
    """In order or swapped? A linear head on the encoder's ``[CLS]`` state (training-only, not saved)."""

    def __init__(self, encoder: nn.Module, hidden_size: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(hidden_size, 2)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=batch["sop_input_ids"],
            attention_mask=batch["sop_attention_mask"],
            token_type_ids=batch["sop_token_type_ids"],
        ).last_hidden_state  # (B, T, H)
        return F.cross_entropy(self.head(hidden[:, 0]).float(), batch["sop_labels"])

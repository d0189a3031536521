"""Contrastive sentence objective: unsupervised SimCSE with the NT-Xent loss.

References: Gao, Yao and Chen 2021, "SimCSE: Simple Contrastive Learning of Sentence Embeddings"
(two dropout views of the same sentence are a positive pair, the other sentences of the batch are
negatives); the NT-Xent loss of Chen et al. 2020 (SimCLR).

For 2N views z_1..z_2N, where z_i and z_j are the two views of one sentence:

    l(i, j) = -log( exp(sim(z_i, z_j) / t) / sum_{k != i} exp(sim(z_i, z_k) / t) )

with sim the cosine similarity and t the temperature; the loss is the mean of l over all 2N
anchors. It keeps the encoder's sentence embeddings spread out and meaningful while masked-LM
training changes it, which is what retrieval and classification on top of the vertical model use.

Inputs: ``input_ids`` and ``attention_mask`` (B, T) of *unmasked* text; the encoder runs twice in
training mode (dropout on), sentence vectors are the mean of the last hidden states over real
tokens. Returns a scalar.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def nt_xent(first: torch.Tensor, second: torch.Tensor, temperature: float) -> torch.Tensor:
    """NT-Xent over the pairs (first[n], second[n]); see the module docstring.

    Args:
        first, second: (N, H) two views of N items.
        temperature: t > 0.
    """
    views = F.normalize(torch.cat([first, second]), dim=-1)  # (2N, H)
    similarity = views @ views.T / temperature  # (2N, 2N)
    size = first.shape[0]
    similarity = similarity.masked_fill(
        torch.eye(2 * size, dtype=torch.bool, device=views.device), float("-inf")
    )
    positives = torch.cat([torch.arange(size, 2 * size), torch.arange(0, size)]).to(views.device)  # (2N,)
    return F.cross_entropy(similarity.float(), positives)


def mean_pooled(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T, H) hidden states to (B, H): the mean over tokens where `attention_mask` is 1."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class ContrastiveSentences(nn.Module):
    """Unsupervised SimCSE on an encoder: two dropout views per sentence, NT-Xent between them.

    Args:
        encoder: the base model (``model.base_model`` of a masked-LM model), shared with the other
            objectives.
        temperature: of the NT-Xent loss (SimCSE used 0.05).
    """

    def __init__(self, encoder: nn.Module, temperature: float = 0.05) -> None:
        super().__init__()
        self.encoder = encoder
        self.temperature = temperature

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        views = [
            mean_pooled(
                self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state,
                attention_mask,
            )
            for _ in range(2)
        ]
        return nt_xent(views[0], views[1], self.temperature)

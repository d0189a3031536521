"""Class weights against imbalance, and the weighted losses the `Trainer` uses with them.

``balanced`` follows scikit-learn's ``compute_class_weight("balanced")``: class ``c`` weighs
``n / (C * n_c)``, so every class contributes the same total weight to the loss (King & Zeng 2001).
A multi-label task weighs each label's positive term by ``negatives / positives``, the
``pos_weight`` of ``BCEWithLogitsLoss``. Written here because scikit-learn's function refuses a
class that is absent (a tag like ``I-Gene`` that training never shows), and no library turns the
weights into a `Trainer` loss.

Example:
    >>> weights = balanced_weights([0, 0, 0, 1], classes=2)  # tensor([0.6667, 2.0000])
    >>> loss = WeightedCrossEntropy(weights)   # Trainer(..., compute_loss_func=loss)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional

IGNORED = -100  # label of positions the loss skips (sub-word pieces after a word's first)


def balanced_weights(label_ids: Sequence[int], classes: int) -> torch.Tensor:
    """(C,) weights ``n / (C_present * n_c)`` of the class ids in `label_ids` (-100 is left out).

    A class that never occurs gets weight 0: it is never a target, so its weight is never used.
    """
    ids = torch.as_tensor([i for i in label_ids if i != IGNORED], dtype=torch.long)
    counts = torch.bincount(ids, minlength=classes).double()  # (C,)
    present = int((counts > 0).sum())
    weights = torch.where(counts > 0, len(ids) / (present * counts.clamp(min=1)), torch.zeros_like(counts))
    return weights.float()


def positive_weights(indicators: Sequence[Sequence[int]]) -> torch.Tensor:
    """(C,) ``negatives / positives`` of each label over (N, C) 0/1 rows.

    A label every example has (no negatives) keeps weight 1; a label no example has cannot occur,
    since labels come from the training data.
    """
    rows = torch.as_tensor(indicators, dtype=torch.double)  # (N, C)
    positives = rows.sum(dim=0)
    negatives = len(rows) - positives
    weights = torch.where(negatives > 0, negatives / positives.clamp(min=1), torch.ones_like(positives))
    return weights.float()


class WeightedCrossEntropy(nn.Module):
    """Cross-entropy with a weight per class: ``sum_i w[y_i] * -log p_i[y_i] / sum_i w[y_i]``.

    Works for sequence classification (logits (B, C), labels (B,)) and token classification
    (logits (B, T, C), labels (B, T) with -100 where the loss skips). Called by the `Trainer` as
    ``compute_loss_func(outputs, labels, num_items_in_batch)``.
    """

    def __init__(self, weights: torch.Tensor):
        super().__init__()
        self.register_buffer("weights", torch.as_tensor(weights, dtype=torch.float))

    def forward(self, outputs, labels: torch.Tensor, num_items_in_batch=None) -> torch.Tensor:
        logits = outputs["logits"].float()
        return functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]),
            labels.reshape(-1),
            weight=self.weights.to(logits.device),
            ignore_index=IGNORED,
        )


class WeightedBinaryCrossEntropy(nn.Module):
    """Binary cross-entropy per label with ``pos_weight`` on the positive term, mean over (B, C).

    With every weight 1 it is the loss transformers computes for ``multi_label_classification``.
    """

    def __init__(self, pos_weight: torch.Tensor):
        super().__init__()
        self.register_buffer("pos_weight", torch.as_tensor(pos_weight, dtype=torch.float))

    def forward(self, outputs, labels: torch.Tensor, num_items_in_batch=None) -> torch.Tensor:
        logits = outputs["logits"].float()  # (B, C)
        return functional.binary_cross_entropy_with_logits(
            logits, labels.float(), pos_weight=self.pos_weight.to(logits.device)
        )

"""The knowledge-distillation loss: soft targets at a temperature plus the usual cross-entropy.

Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural Network" (2015)::

    loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T))
         + (1 - alpha) * CE(student, gold)

The KL term is averaged over the batch (``reduction="batchmean"``, the mathematical KL divergence
per example); the ``T^2`` keeps its gradients on the same scale as the cross-entropy's whatever the
temperature (the soft-target gradients shrink as ``1 / T^2``).

Example:
    >>> import torch
    >>> loss = DistillationLoss(temperature=2.0, alpha=0.5)
    >>> student, teacher = torch.zeros(4, 3), torch.zeros(4, 3)
    >>> round(float(loss(student, teacher, torch.tensor([0, 1, 2, 0]))), 4)  # KL 0, CE log 3, times 0.5
    0.5493
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class DistillationLoss(nn.Module):
    """Soft-target KL at `temperature` weighted by `alpha`, plus cross-entropy weighted by ``1 - alpha``.

    Args:
        temperature: T > 0; higher flattens both distributions, so the student learns more of the
            teacher's ranking of the wrong classes.
        alpha: weight of the soft-target term in [0, 1]; 1 is soft targets only, 0 plain fine-tuning.
    """

    def __init__(self, temperature: float = 2.0, alpha: float = 0.5) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        self.temperature = temperature
        self.alpha = alpha

    def forward(
        self, student_logits: torch.Tensor, teacher_logits: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        """The loss of a batch.

        Args:
            student_logits: (B, C) the student's logits.
            teacher_logits: (B, C) the teacher's logits (no gradient flows into them).
            labels: (B,) gold class indices.

        Returns:
            A scalar tensor.
        """
        t = self.temperature
        student_log_probs = F.log_softmax(student_logits / t, dim=-1)  # (B, C)
        teacher_log_probs = F.log_softmax(teacher_logits.detach() / t, dim=-1)  # (B, C)
        soft = F.kl_div(student_log_probs, teacher_log_probs, reduction="batchmean", log_target=True)
        hard = F.cross_entropy(student_logits, labels)
        return self.alpha * t * t * soft + (1.0 - self.alpha) * hard

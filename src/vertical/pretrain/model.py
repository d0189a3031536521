"""The module the Trainer trains during pretraining: objectives around one Hugging Face model.

It returns ``{"loss": weighted sum}`` as the Trainer expects. Later objectives (sentence order,
contrastive, knowledge) join as further weighted terms.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from vertical.pretrain.objectives.mlm import SparseMaskedLM


class PretrainingModel(nn.Module):
    """Weighted objectives around a masked-LM model.

    Args:
        masked_lm: a ``...ForMaskedLM`` model; after training, save it with ``save_pretrained``.
        mlm_weight: weight of the masked-LM loss.
    """

    # The Trainer reads this attribute of the model it resumes; the keys our state_dict leaves out
    # (tied and shared weights) need no special handling when loaded back non-strictly.
    _keys_to_ignore_on_save = None

    def __init__(self, masked_lm: nn.Module, mlm_weight: float = 1.0) -> None:
        super().__init__()
        self.masked_lm = masked_lm
        self.mlm = SparseMaskedLM(masked_lm)
        self.mlm_weight = mlm_weight

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor, **_: Any
    ) -> dict[str, torch.Tensor]:
        loss = self.mlm_weight * self.mlm(input_ids, attention_mask, labels)
        return {"loss": loss}

    def state_dict(self, *args: Any, **kwargs: Any) -> dict[str, torch.Tensor]:
        """The parameters once each: tied weights (the MLM decoder is the word embedding) and the
        objectives' references to the same model are kept under their first name only, so the
        Trainer can write checkpoints as safetensors and load them back (non-strictly) for resume."""
        state = super().state_dict(*args, **kwargs)
        seen: set[int] = set()
        unique = type(state)()
        for key, tensor in state.items():
            identity = tensor.untyped_storage().data_ptr() if tensor.numel() else id(tensor)
            if identity in seen:
                continue
            seen.add(identity)
            unique[key] = tensor
        return unique

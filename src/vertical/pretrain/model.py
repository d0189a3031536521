"""The module the Trainer trains during pretraining: weighted objectives around one Hugging Face model.

It returns ``{"loss": weighted sum}`` as the Trainer expects and keeps each objective's own loss
for the logs (`ObjectiveLossLogger` adds their means to every Trainer log line). The objectives
share the model's weights; only the masked-LM model is saved.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import TrainerCallback

from vertical.pretrain.objectives.contrastive import ContrastiveSentences
from vertical.pretrain.objectives.knowledge import KnowledgeEmbedding
from vertical.pretrain.objectives.mlm import SparseMaskedLM
from vertical.pretrain.objectives.sentence_order import SentenceOrder


class PretrainingModel(nn.Module):
    """Weighted objectives around a masked-LM model.

    Args:
        masked_lm: a ``...ForMaskedLM`` model; after training, save it with ``save_pretrained``.
        mlm_weight: weight of the masked-LM loss.
        contrastive_weight: weight of the SimCSE NT-Xent loss (0 leaves it out); the batch must then
            carry ``original_input_ids``, the unmasked text.
        temperature: of the contrastive loss.
        knowledge_weight: weight of the KEPLER-style TransE loss (0 leaves it out); the batch must then
            carry the ``kg_*`` tensors of a `TripleBatcher`.
        relations: how many relations the knowledge graph has.
        margin: of the TransE margin loss.
        sop_weight: weight of sentence-order prediction (0 leaves it out); the batch must then carry
            the ``sop_*`` tensors of `sentence_order_pairs`.
    """

    # The Trainer reads this attribute of the model it resumes; the keys our state_dict leaves out
    # (tied and shared weights) need no special handling when loaded back non-strictly.
    _keys_to_ignore_on_save = None

    def __init__(
        self,
        masked_lm: nn.Module,
        mlm_weight: float = 1.0,
        contrastive_weight: float = 0.0,
        temperature: float = 0.05,
        knowledge_weight: float = 0.0,
        relations: int = 0,
        margin: float = 1.0,
        sop_weight: float = 0.0,
    ) -> None:
        super().__init__()
        self.masked_lm = masked_lm
        self.mlm = SparseMaskedLM(masked_lm)
        self.weights = {
            "mlm": mlm_weight,
            "contrastive": contrastive_weight,
            "knowledge": knowledge_weight,
            "sop": sop_weight,
        }
        self.sop = SentenceOrder(masked_lm.base_model, masked_lm.config.hidden_size) if sop_weight else None
        self.knowledge = (
            KnowledgeEmbedding(masked_lm.base_model, relations, masked_lm.config.hidden_size, margin)
            if knowledge_weight
            else None
        )
        self.contrastive = (
            ContrastiveSentences(masked_lm.base_model, temperature) if contrastive_weight else None
        )
        self._sums: dict[str, float] = {}
        self._counts: dict[str, int] = {}

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        labels: torch.Tensor,
        original_input_ids: torch.Tensor | None = None,
        **extra: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        losses = {}
        if self.weights["mlm"]:
            losses["mlm"] = self.mlm(input_ids, attention_mask, labels)
        if self.contrastive is not None:
            if original_input_ids is None:
                raise ValueError("the contrastive objective needs original_input_ids in the batch")
            losses["contrastive"] = self.contrastive(original_input_ids, attention_mask)
        if self.knowledge is not None:
            if "kg_relation" not in extra:
                raise ValueError(
                    "the knowledge objective needs the kg_* tensors of a TripleBatcher in the batch"
                )
            losses["knowledge"] = self.knowledge(extra)
        if self.sop is not None:
            if "sop_labels" not in extra:
                raise ValueError("sentence-order prediction needs the sop_* tensors in the batch")
            losses["sop"] = self.sop(extra)
        total = sum(self.weights[name] * loss for name, loss in losses.items())
        if self.training:
            for name, loss in losses.items():
                self._sums[name] = self._sums.get(name, 0.0) + float(loss.detach())
                self._counts[name] = self._counts.get(name, 0) + 1
        return {"loss": total, **{f"{name}_loss": loss.detach() for name, loss in losses.items()}}

    def objective_means(self) -> dict[str, float]:
        """Mean loss of each objective since the last call (for the logs), and reset."""
        means = {f"{name}_loss": round(self._sums[name] / self._counts[name], 4) for name in self._sums}
        self._sums, self._counts = {}, {}
        return means

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


class ObjectiveLossLogger(TrainerCallback):
    """Adds each objective's mean loss (``mlm_loss``, ``contrastive_loss``) to the Trainer's logs."""

    def __init__(self, model: PretrainingModel) -> None:
        self.model = model

    def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001 (Trainer's signature)
        if logs is not None and "loss" in logs:
            logs.update(self.model.objective_means())

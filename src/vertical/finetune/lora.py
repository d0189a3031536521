"""LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models") through `peft`.

The base weights are frozen and each adapted linear layer learns a low-rank update
``W + (alpha / r) * B @ A``; the task head is trained in full (peft's ``modules_to_save`` for
classification heads). Before saving, the update is merged into the weights, so the saved task
model is an ordinary transformers folder.
"""

from __future__ import annotations

import logging
from typing import Literal

from vertical.finetune.config import LoraConfig

log = logging.getLogger(__name__)


def add_lora(model, cfg: LoraConfig, kind: Literal["SEQ_CLS", "TOKEN_CLS", "CAUSAL_LM"]):
    """`model` wrapped with trainable LoRA adapters; only adapters and the head stay trainable."""
    from peft import LoraConfig as PeftLoraConfig
    from peft import TaskType, get_peft_model

    config = PeftLoraConfig(
        task_type=TaskType[kind],
        r=cfg.rank,
        lora_alpha=cfg.alpha,
        lora_dropout=cfg.dropout,
        target_modules=cfg.target_modules,
    )
    wrapped = get_peft_model(model, config)
    trainable = sum(p.numel() for p in wrapped.parameters() if p.requires_grad)
    total = sum(p.numel() for p in wrapped.parameters())
    log.info("LoRA: %d of %d parameters trainable (%.2f%%)", trainable, total, 100 * trainable / total)
    return wrapped


def merged(model):
    """The plain transformers model with any LoRA update merged into its weights."""
    return model.merge_and_unload() if hasattr(model, "merge_and_unload") else model

"""Trainer settings shared by both pretraining paths (masked LM in `train`, causal LM in `causal`).

A neutral module, so that neither path imports the other: the recipe's budget and schedule as
`TrainingArguments`, resuming from the last checkpoint of a work folder, the speed and perplexity
figures of the manifest, and "first process first" under torchrun.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from pathlib import Path
from typing import Literal

import torch
from transformers import Trainer, TrainingArguments
from transformers.trainer_utils import get_last_checkpoint

from vertical.models import quiet_transformers
from vertical.precision import trainer_precision_arguments
from vertical.pretrain.config import PretrainConfig

log = logging.getLogger(__name__)


def training_speed(result, resume_from: str | None, steps: int, tokens_seen: float) -> dict[str, float]:
    """This invocation's training time and its (non-padding) tokens per second; after a resume, of the
    steps that were left."""
    done_before = int(Path(resume_from).name.rsplit("-", 1)[-1]) if resume_from else 0
    seconds = result.metrics["train_runtime"]
    return {
        "train_seconds": round(seconds, 2),
        "tokens_per_second_approx": round(tokens_seen * (steps - done_before) / steps / max(seconds, 1e-9)),
    }


def training_arguments(
    cfg: PretrainConfig,
    checkpoints: Path,
    seed: int,
    sampling: Literal["group_by_length", "random"],
) -> TrainingArguments:
    """The Trainer's settings for a pretraining run: the recipe's budget and schedule, a
    checkpoint every ``save_steps`` (the last two kept) under `checkpoints`."""
    return TrainingArguments(
        output_dir=str(checkpoints),
        max_steps=cfg.steps,
        per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        warmup_steps=cfg.warmup_ratio,
        weight_decay=0.01,
        max_grad_norm=1.0,
        lr_scheduler_type="linear",
        **trainer_precision_arguments(cfg.precision),
        seed=seed,
        data_seed=seed,
        logging_steps=max(1, min(50, cfg.steps // 10)),
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=2,
        report_to="none",
        remove_unused_columns=False,
        train_sampling_strategy=sampling,
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),
        ddp_find_unused_parameters=False,  # every parameter takes part in every step
        disable_tqdm=False,
    )


def train_resuming(trainer: Trainer, checkpoints: Path):
    """Run `trainer`, resuming from the last checkpoint under `checkpoints` if there is one.

    Returns:
        The Trainer's result and the checkpoint resumed from (None for a fresh start).
    """
    resume_from = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    if resume_from:
        log.info("pretrain: resuming from %s", resume_from)
    with quiet_transformers():
        result = trainer.train(resume_from_checkpoint=resume_from)
    return result, resume_from


def first_process_first():
    """Under torchrun, let the first process of each machine go first; a no-op in one process."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return contextlib.nullcontext()
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available()).local_main_process_first()


def perplexity(loss: float | None) -> float | None:
    """exp(loss) rounded, None for None; a loss above 50 is capped (a random model's)."""
    return None if loss is None else round(math.exp(min(loss, 50.0)), 2)

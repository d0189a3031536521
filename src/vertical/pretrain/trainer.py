"""Trainer settings shared by both pretraining paths (masked LM in `train`, causal LM in `causal`).

A neutral module, so that neither path imports the other: the recipe's budget and schedule as
`TrainingArguments`, resuming from the last checkpoint of a work folder, the speed and perplexity
figures of the manifest, and "first process first" under torchrun.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import shutil
from pathlib import Path
from typing import Literal

import torch
from transformers import Trainer, TrainingArguments

from vertical.models import quiet_transformers
from vertical.precision import trainer_precision_arguments
from vertical.pretrain.config import PretrainConfig

log = logging.getLogger(__name__)
_CHECKPOINT = re.compile(r"checkpoint-\d+")


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
        report_to="none",  # the recipe's trackers are added as callbacks (vertical.tracking)
        remove_unused_columns=False,
        train_sampling_strategy=sampling,
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),
        ddp_find_unused_parameters=False,  # every parameter takes part in every step
        disable_tqdm=True,  # the build's live line shows the steps
    )


def _is_complete(checkpoint: Path) -> bool:
    """Whether the Trainer finished writing `checkpoint`: its state (written last) and the weights."""
    try:
        json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return any(checkpoint.glob("*.safetensors")) or any(checkpoint.glob("*.bin"))


def last_complete_checkpoint(checkpoints: Path) -> str | None:
    """The newest checkpoint under `checkpoints` that was written to the end, or None.

    A kill while a checkpoint is being written leaves a ``checkpoint-N`` folder without its state;
    resuming from it fails, so it is removed with a warning and the one before it is used.
    """
    if not checkpoints.is_dir():
        return None
    found = [p for p in checkpoints.iterdir() if p.is_dir() and _CHECKPOINT.fullmatch(p.name)]
    for checkpoint in sorted(found, key=lambda p: int(p.name.rsplit("-", 1)[1]), reverse=True):
        if _is_complete(checkpoint):
            return str(checkpoint)
        log.warning(
            "pretrain: %s was not written to the end (the run was stopped while saving it); "
            "skipping it and resuming from the one before",
            checkpoint.name,
        )
        shutil.rmtree(checkpoint, ignore_errors=True)
    return None


def train_resuming(trainer: Trainer, checkpoints: Path):
    """Run `trainer`, resuming from the last checkpoint under `checkpoints` if there is one.

    Returns:
        The Trainer's result and the checkpoint resumed from (None for a fresh start).
    """
    resume_from = last_complete_checkpoint(checkpoints)
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

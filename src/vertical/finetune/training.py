"""The training loop every task shares: the Hugging Face `Trainer` with the recipe's budget.

Only the data, the collator and the model differ between tasks; the schedule, precision, seed
and optional LoRA are the same, so a general-vs-vertical comparison differs in the base alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from transformers import Trainer, TrainingArguments

from vertical.finetune.lora import add_lora, merged
from vertical.models import quiet_transformers
from vertical.precision import trainer_precision_arguments
from vertical.recipe import TaskConfig


def train_model(
    model,
    tokenizer,
    train_set,
    collator,
    cfg: TaskConfig,
    work_dir: Path,
    seed: int,
    precision: Literal["auto", "fp32", "bf16"],
    kind: Literal["SEQ_CLS", "TOKEN_CLS", "CAUSAL_LM"],
):
    """Fine-tune `model` on `train_set`; returns (the trained plain model, loss curve [[step, loss]])."""
    torch.manual_seed(seed)
    if cfg.lora is not None:
        model = add_lora(model, cfg.lora, kind)
    steps_per_epoch = max(1, -(-len(train_set) // cfg.batch_size))
    arguments = TrainingArguments(
        output_dir=str(work_dir),
        num_train_epochs=cfg.epochs,
        per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        warmup_steps=0.1,  # a float is a share of all steps
        weight_decay=0.01,
        lr_scheduler_type="linear",
        **trainer_precision_arguments(precision),  # type: ignore[arg-type]
        seed=seed,
        data_seed=seed,
        logging_steps=max(1, min(50, steps_per_epoch // 5)),
        save_strategy="no",
        report_to="none",
        train_sampling_strategy="group_by_length",
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=train_set,
        data_collator=collator,
        processing_class=tokenizer,
    )
    with quiet_transformers():
        trainer.train()
    curve = [
        [entry["step"], round(float(entry["loss"]), 5)]
        for entry in trainer.state.log_history
        if "loss" in entry
    ]
    return merged(trainer.model), curve

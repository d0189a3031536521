"""The training loop every task shares: the Hugging Face `Trainer` with the recipe's budget.

Only the data, the collator and the model differ between tasks; the schedule, precision, seed
and optional LoRA are the same, so a general-vs-vertical comparison differs in the base alone.

With a validation set, the validation loss is computed after every epoch. With
``early_stopping_patience``, training stops once it has not improved for that many epochs and
the weights of the best epoch are restored (the `Trainer`'s ``load_best_model_at_end`` and
``EarlyStoppingCallback``; the epoch checkpoints are written under the work folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

from vertical.finetune.config import TaskConfig
from vertical.finetune.lora import add_lora, merged
from vertical.models import quiet_transformers
from vertical.precision import trainer_precision_arguments
from vertical.run import work_name
from vertical.tracking.callbacks import quiet_trainer, trainer_callbacks


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
    validation_set=None,
    loss=None,
):
    """Fine-tune `model` on `train_set`.

    Args:
        validation_set: scored (loss) after every epoch; needed for early stopping.
        loss: a ``compute_loss_func`` for the `Trainer` (class weights); None: the model's own loss.

    Returns:
        The trained plain model and its history: ``loss`` ([[step, training loss]]),
        ``validation_loss`` ([[step, loss]], empty without a validation set), ``epochs_trained``,
        ``stopped_early``, and with early stopping ``best_step`` and ``best_validation_loss``.
    """
    torch.manual_seed(seed)
    if cfg.lora is not None:
        model = add_lora(model, cfg.lora, kind)
    steps_per_epoch = max(1, -(-len(train_set) // cfg.batch_size))
    early_stopping = validation_set is not None and cfg.early_stopping_patience is not None
    validating: dict = {"save_strategy": "no"}
    if validation_set is not None:
        validating = {"eval_strategy": "epoch", "per_device_eval_batch_size": 64}
    if early_stopping:
        validating |= {
            "save_strategy": "epoch",
            "save_total_limit": 1,  # the Trainer keeps the best checkpoint besides the last
            "save_only_model": True,
            "load_best_model_at_end": True,
            "metric_for_best_model": "eval_loss",
            "greater_is_better": False,
        }
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
        report_to="none",  # the recipe's trackers are added as callbacks (vertical.tracking)
        train_sampling_strategy="group_by_length",
        dataloader_num_workers=0,
        disable_tqdm=True,  # the build's live line shows the steps
        label_names=["labels"],
        **validating,
    )
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=train_set,
        eval_dataset=validation_set,
        data_collator=collator,
        processing_class=tokenizer,
        compute_loss_func=loss,
        callbacks=[
            *([EarlyStoppingCallback(cfg.early_stopping_patience)] if early_stopping else []),
            *trainer_callbacks(tracking_name(work_dir)),
        ],
    )
    quiet_trainer(trainer)
    with quiet_transformers():
        trainer.train()
    return merged(trainer.model), training_history(trainer.state, early_stopping)


def tracking_name(work_dir: Path) -> str:
    """The training's name for the trackers, from its work folder: ``runs/demo/.work/finetune/sentiment/
    vertical/final`` -> ``finetune/sentiment/vertical/final`` (a search trial's folder names the trial)."""
    return work_name(work_dir) or f"finetune/{Path(work_dir).name}"


def training_history(state, early_stopping: bool) -> dict:
    """The training record of a finished `Trainer` state (see `train_model`)."""
    logged = state.log_history
    history = {
        "loss": [[entry["step"], round(float(entry["loss"]), 5)] for entry in logged if "loss" in entry],
        "validation_loss": [
            [entry["step"], round(float(entry["eval_loss"]), 5)] for entry in logged if "eval_loss" in entry
        ],
        "epochs_trained": round(float(state.epoch or 0.0), 3),
        "stopped_early": state.global_step < state.max_steps,
    }
    if early_stopping and state.best_model_checkpoint:
        history["best_step"] = int(Path(state.best_model_checkpoint).name.rsplit("-", 1)[-1])
        history["best_validation_loss"] = round(float(state.best_metric), 5)
    return history

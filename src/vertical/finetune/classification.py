"""Single-label sequence classification: fine-tune a base model with the Hugging Face `Trainer`.

The trained model is saved with ``save_pretrained`` (plain ``AutoModelForSequenceClassification``
loads it, labels included) and its predictions on the test examples are returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from datasets import Dataset
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

from vertical.models import load_sequence_classifier, load_tokenizer, quiet_transformers
from vertical.precision import trainer_precision_arguments
from vertical.recipe import TaskConfig
from vertical.records import Example


@dataclass(frozen=True)
class Predictions:
    """What a classifier said about the test examples."""

    labels: list[str]  # the label of each class index
    gold: list[int]  # (N,) true class of each test example
    predicted: list[int]  # (N,) predicted class
    probabilities: list[list[float]]  # (N, C)


def _encode(examples: list[Example], tokenizer, labels: list[str], max_length: int) -> Dataset:
    index = {label: position for position, label in enumerate(labels)}
    encoded = tokenizer([e.text for e in examples], truncation=True, max_length=max_length)
    return Dataset.from_dict(
        {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "labels": [index[e.label] for e in examples],
        }
    )


def train_classifier(
    cfg: TaskConfig,
    model_path: Path,
    train: list[Example],
    test: list[Example],
    labels: list[str],
    output_dir: Path,
    work_dir: Path,
    seed: int,
    precision: str = "auto",
) -> Predictions:
    """Fine-tune the model at `model_path` on `train`, save it to `output_dir`, predict `test`."""
    tokenizer = load_tokenizer(model_path)
    torch.manual_seed(seed)
    model = load_sequence_classifier(model_path, labels)
    train_set = _encode(train, tokenizer, labels, cfg.max_length)
    test_set = _encode(test, tokenizer, labels, cfg.max_length)
    arguments = TrainingArguments(
        output_dir=str(work_dir),
        num_train_epochs=cfg.epochs,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=max(cfg.batch_size, 64),
        learning_rate=cfg.learning_rate,
        warmup_steps=0.1,
        weight_decay=0.01,
        lr_scheduler_type="linear",
        **trainer_precision_arguments(precision),  # type: ignore[arg-type]
        seed=seed,
        data_seed=seed,
        logging_steps=50,
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
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
    )
    with quiet_transformers():
        trainer.train()
        logits = trainer.predict(test_set).predictions
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    logits = np.asarray(logits, dtype=np.float64)  # (N, C)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    return Predictions(
        labels=labels,
        gold=list(test_set["labels"]),
        predicted=logits.argmax(axis=1).tolist(),
        probabilities=probabilities.round(5).tolist(),
    )

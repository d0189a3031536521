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


def _encode(examples: list[Example], tokenizer, index: dict[str, int], max_length: int) -> Dataset:
    encoded = tokenizer([e.text for e in examples], truncation=True, max_length=max_length)
    return Dataset.from_dict(
        {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "labels": [index[e.label] for e in examples],
        }
    )


@torch.no_grad()
def predict_logits(model, tokenizer, texts: list[str], max_length: int, batch_size: int = 64) -> np.ndarray:
    """Class logits of each text, in the order given.

    Why not ``Trainer.predict``: in transformers 5 it reuses the length-grouped sampler of
    training, so its predictions come back in a shuffled order that no longer matches the data.
    Batches here are sorted by length too (less padding), and the order is restored.
    """
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    logits = np.zeros((len(texts), model.config.num_labels), dtype=np.float64)
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        batch = tokenizer(
            [texts[i] for i in chosen],
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        ).to(device)
        logits[chosen] = model(**batch).logits.float().cpu().numpy()
    return logits


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
    index = {label: position for position, label in enumerate(labels)}
    train_set = _encode(train, tokenizer, index, cfg.max_length)
    arguments = TrainingArguments(
        output_dir=str(work_dir),
        num_train_epochs=cfg.epochs,
        per_device_train_batch_size=cfg.batch_size,
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
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    logits = predict_logits(model, tokenizer, [e.text for e in test], cfg.max_length)  # (N, C)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    return Predictions(
        labels=labels,
        gold=[index[example.label] for example in test],
        predicted=logits.argmax(axis=1).tolist(),
        probabilities=probabilities.round(5).tolist(),
    )

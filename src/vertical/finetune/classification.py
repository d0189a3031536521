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
from transformers import DataCollatorWithPadding

from vertical.finetune.class_weights import WeightedCrossEntropy, balanced_weights
from vertical.finetune.config import TaskConfig
from vertical.finetune.training import train_model
from vertical.models import load_sequence_classifier, load_tokenizer
from vertical.records import Example


@dataclass(frozen=True)
class Predictions:
    """What a classifier said about the test examples."""

    labels: list[str]  # the label of each class index
    gold: list  # (N,) true class of each test example; multilabel: (N, C) 0/1 rows
    predicted: list  # (N,) predicted class; multilabel: (N, C) 0/1 rows
    probabilities: list[list[float]]  # (N, C) softmax; multilabel: sigmoid per label
    task_type: str = "classification"
    negative_label: str | None = None  # relation: the 'no relation' class


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


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def train_sequence_model(
    model,
    tokenizer,
    train_set: Dataset,
    validation_set: Dataset | None,
    test_texts: list[str],
    cfg: TaskConfig,
    work_dir: Path,
    seed: int,
    precision: str,
    output_dir: Path | None,
    loss=None,
) -> tuple[np.ndarray, dict]:
    """Train a sequence classifier (single- or multi-label: `loss` and the model's problem type say
    which), save it into `output_dir` when given, and score `test_texts`: their logits (N, C) and
    the training history."""
    model, history = train_model(
        model,
        tokenizer,
        train_set,
        DataCollatorWithPadding(tokenizer),
        cfg,
        work_dir,
        seed,
        precision,
        "SEQ_CLS",
        validation_set=validation_set,
        loss=loss,
    )
    if output_dir is not None:
        model.save_pretrained(output_dir)
        tokenizer.save_pretrained(output_dir)
    return predict_logits(model, tokenizer, test_texts, cfg.max_length), history


def _encode(examples: list[Example], tokenizer, index: dict[str, int], max_length: int) -> Dataset:
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
    output_dir: Path | None,
    work_dir: Path,
    seed: int,
    precision: str = "auto",
    validation: list[Example] | None = None,
) -> tuple[Predictions, dict]:
    """Fine-tune the model at `model_path` on `train`, save it to `output_dir`, predict `test`.

    Args:
        output_dir: where the model is saved; None: not saved (a search trial).
        validation: scored after every epoch, for early stopping (see training.py).

    Returns:
        The predictions on `test` and the training history (training.py's `train_model`).
    """
    tokenizer = load_tokenizer(model_path)
    torch.manual_seed(seed)
    model = load_sequence_classifier(model_path, labels)
    index = {label: position for position, label in enumerate(labels)}
    train_set = _encode(train, tokenizer, index, cfg.max_length)
    loss = None
    if cfg.class_weights == "balanced":
        loss = WeightedCrossEntropy(balanced_weights(train_set["labels"], len(labels)))
    validation_set = _encode(validation, tokenizer, index, cfg.max_length) if validation else None
    logits, history = train_sequence_model(
        model,
        tokenizer,
        train_set,
        validation_set,
        [e.text for e in test],
        cfg,
        work_dir,
        seed,
        precision,
        output_dir,
        loss,
    )
    predictions = Predictions(
        labels=labels,
        gold=[index[example.label] for example in test],
        predicted=logits.argmax(axis=1).tolist(),
        probabilities=softmax(logits).round(5).tolist(),
    )
    return predictions, history

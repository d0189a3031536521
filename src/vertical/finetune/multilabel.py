"""Multi-label sequence classification: each label is its own yes/no decision (sigmoid, BCE loss).

A label is predicted when its probability is at least 0.5. The saved model's config says
``problem_type: multi_label_classification``, so plain transformers computes the same loss.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from datasets import Dataset

from vertical.finetune.class_weights import WeightedBinaryCrossEntropy, positive_weights
from vertical.finetune.classification import Predictions, train_sequence_model
from vertical.finetune.config import TaskConfig
from vertical.finetune.examples import MultiLabelExample
from vertical.models import load_sequence_classifier, load_tokenizer


def indicator_rows(examples: list[MultiLabelExample], labels: list[str]) -> list[list[int]]:
    """(N, C) 0/1 rows: 1 where the example has the label."""
    index = {label: position for position, label in enumerate(labels)}
    rows = []
    for example in examples:
        row = [0] * len(labels)
        for label in example.labels:
            row[index[label]] = 1
        rows.append(row)
    return rows


def _encode(examples: list[MultiLabelExample], tokenizer, labels: list[str], max_length: int) -> Dataset:
    encoded = tokenizer([e.text for e in examples], truncation=True, max_length=max_length)
    return Dataset.from_dict(
        {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "labels": [[float(v) for v in row] for row in indicator_rows(examples, labels)],
        }
    )


def train_multilabel_classifier(
    cfg: TaskConfig,
    model_path: Path,
    train: list[MultiLabelExample],
    test: list[MultiLabelExample],
    labels: list[str],
    output_dir: Path | None,
    work_dir: Path,
    seed: int,
    precision: str = "auto",
    validation: list[MultiLabelExample] | None = None,
) -> tuple[Predictions, dict]:
    """Fine-tune on `train`, save to `output_dir` (None: not saved); returns predictions on `test` and
    the training history. `validation` is scored after every epoch, for early stopping."""
    tokenizer = load_tokenizer(model_path)
    torch.manual_seed(seed)
    model = load_sequence_classifier(model_path, labels)
    model.config.problem_type = "multi_label_classification"
    loss = None
    if cfg.class_weights == "balanced":
        loss = WeightedBinaryCrossEntropy(positive_weights(indicator_rows(train, labels)))
    logits, history = train_sequence_model(
        model,
        tokenizer,
        _encode(train, tokenizer, labels, cfg.max_length),
        _encode(validation, tokenizer, labels, cfg.max_length) if validation else None,
        [e.text for e in test],
        cfg,
        work_dir,
        seed,
        precision,
        output_dir,
        loss,
    )
    probabilities = 1.0 / (1.0 + np.exp(-logits))
    predictions = Predictions(
        labels=labels,
        gold=indicator_rows(test, labels),
        predicted=(probabilities >= 0.5).astype(int).tolist(),
        probabilities=probabilities.round(5).tolist(),
        task_type="multilabel",
    )
    return predictions, history

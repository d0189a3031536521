"""The finetune stage: every task fine-tuned twice, from the general and from the vertical base.

Both runs get the same data, budget and seed, so the difference between them is the base alone.
Writes into its output folder, for each task and each of ``general`` and ``vertical``::

    <task>/<variant>/model/             the fine-tuned model (plain transformers loads it)
    <task>/<variant>/predictions.json   labels, gold and predicted classes, probabilities
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from vertical.finetune.classification import train_classifier
from vertical.finetune.examples import check_labels, read_examples, split_examples
from vertical.io import atomic_write_json
from vertical.recipe import TaskConfig
from vertical.run import StageOutput

VARIANTS = ("general", "vertical")

log = logging.getLogger(__name__)


def load_task_data(task: TaskConfig):
    """(train, test, labels) of a task: its test file, or a held-out share of its data."""
    examples = read_examples(Path(task.data), task.text_column, task.label_column)
    if task.test:
        train = examples
        test = read_examples(Path(task.test), task.text_column, task.label_column)
        test_path = task.test
    else:
        train, test = split_examples(examples, task.test_fraction)
        test_path = task.data
    labels = check_labels(train, test, test_path)
    return train, test, labels


def finetune_tasks(
    tasks: list[TaskConfig],
    general_model: Path,
    vertical_model: Path,
    output_dir: Path,
    work_dir: Path,
    seed: int,
    precision: str = "auto",
) -> StageOutput:
    """Fine-tune each task from both bases; see the module docstring."""
    metrics: dict[str, dict] = {}
    for task in tasks:
        train, test, labels = load_task_data(task)
        metrics[task.name] = {"train_examples": len(train), "test_examples": len(test), "labels": labels}
        for variant, model_path in (("general", general_model), ("vertical", vertical_model)):
            log.info("finetune: %s from the %s base (%d examples)", task.name, variant, len(train))
            variant_dir = output_dir / task.name / variant
            predictions = train_classifier(
                task,
                model_path,
                train,
                test,
                labels,
                variant_dir / "model",
                work_dir / task.name / variant,
                seed,
                precision,
            )
            atomic_write_json(variant_dir / "predictions.json", dataclasses.asdict(predictions))
    return StageOutput(metrics={"tasks": metrics})


def read_predictions(finetune_dir: Path, task: str, variant: str) -> dict:
    """The predictions.json of one task and variant in a completed finetune stage folder."""
    return json.loads((Path(finetune_dir) / task / variant / "predictions.json").read_text(encoding="utf-8"))

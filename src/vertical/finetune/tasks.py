"""The finetune stage: every task fine-tuned twice, from the general and from the vertical base.

Both runs get the same data, budget and seed, so the difference between them is the base alone.
Writes into its output folder, for each task and each of ``general`` and ``vertical``::

    <task>/<variant>/model/             the fine-tuned model (plain transformers loads it) and its
                                        model card README.md
    <task>/<variant>/predictions.json   task_type, labels, gold and predicted, probabilities
    <task>/<variant>/training.json      the training-loss curve and wall time
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path

from vertical.finetune.classification import train_classifier
from vertical.finetune.examples import (
    check_labels,
    check_multilabels,
    read_examples,
    read_multilabel_examples,
    split_examples,
)
from vertical.finetune.generation import read_generation_examples, train_generator
from vertical.finetune.model_card import write_model_card
from vertical.finetune.multilabel import train_multilabel_classifier
from vertical.finetune.ner import train_tagger
from vertical.finetune.relation import as_example, read_relations
from vertical.finetune.tagged import read_tagged, tag_set
from vertical.io import atomic_write_json
from vertical.recipe import TaskConfig
from vertical.run import StageOutput

VARIANTS = ("general", "vertical")

log = logging.getLogger(__name__)


def _read(task: TaskConfig, path: Path) -> list:
    if task.type == "generation":
        return read_generation_examples(path, task.prompt_column, task.response_column)
    if task.type == "ner":
        return read_tagged(path, task.text_column, task.entities_column)
    if task.type == "multilabel":
        return read_multilabel_examples(path, task.text_column, task.label_column, task.label_separator)
    if task.type == "relation":
        return [
            as_example(example)
            for example in read_relations(
                path, task.text_column, task.head_column, task.tail_column, task.label_column
            )
        ]
    return read_examples(path, task.text_column, task.label_column)


def load_task_data(task: TaskConfig):
    """(train, test, labels) of a task: its test file, or a held-out share of its data."""
    examples = _read(task, Path(task.data))
    if task.test:
        train, test, test_path = examples, _read(task, Path(task.test)), task.test
    else:
        train, test = split_examples(examples, task.test_fraction)
        test_path = task.data
    if task.type == "generation":
        labels = []  # no classes: the response is free text
    elif task.type == "ner":
        labels = tag_set(train, test, test_path)
    elif task.type == "multilabel":
        labels = check_multilabels(train, test, test_path)
    else:
        labels = check_labels(train, test, test_path)
    if task.type == "relation" and task.negative_label is not None and task.negative_label not in labels:
        log.warning("%s: negative_label %r never occurs in the training data", task.name, task.negative_label)
    return train, test, labels


def _trainer(task: TaskConfig):
    return {
        "ner": train_tagger,
        "multilabel": train_multilabel_classifier,
        "generation": train_generator,
    }.get(task.type, train_classifier)


def finetune_tasks(
    tasks: list[TaskConfig],
    general_model: Path,
    vertical_model: Path,
    output_dir: Path,
    work_dir: Path,
    seed: int,
    precision: str = "auto",
    base_model_name: str | None = None,
) -> StageOutput:
    """Fine-tune each task from both bases; see the module docstring."""
    from vertical.evaluate.scoring import score_predictions  # evaluate imports this package

    metrics: dict[str, dict] = {}
    for task in tasks:
        train, test, labels = load_task_data(task)
        metrics[task.name] = {"train_examples": len(train), "test_examples": len(test), "labels": labels}
        for variant, model_path in (("general", general_model), ("vertical", vertical_model)):
            log.info(
                "finetune: %s (%s) from the %s base (%d examples)", task.name, task.type, variant, len(train)
            )
            variant_dir = output_dir / task.name / variant
            started = time.perf_counter()
            predictions, curve = _trainer(task)(
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
            if task.type == "relation":
                predictions = dataclasses.replace(
                    predictions, task_type="relation", negative_label=task.negative_label
                )
            record = dataclasses.asdict(predictions)
            wall_time = round(time.perf_counter() - started, 2)
            atomic_write_json(variant_dir / "predictions.json", record)
            atomic_write_json(variant_dir / "training.json", {"loss": curve, "wall_time_s": wall_time})
            base_name = (
                (base_model_name or str(general_model))
                if variant == "general"
                else f"{base_model_name or general_model} (domain-pretrained)"
            )
            write_model_card(
                variant_dir / "model",
                task,
                variant,
                base_name,
                score_predictions(record),
                len(train),
                len(test),
            )
            metrics[task.name][f"{variant}_wall_time_s"] = wall_time
    return StageOutput(metrics={"tasks": metrics})


def read_predictions(finetune_dir: Path, task: str, variant: str) -> dict:
    """The predictions.json of one task and variant in a completed finetune stage folder."""
    return json.loads((Path(finetune_dir) / task / variant / "predictions.json").read_text(encoding="utf-8"))

"""The finetune stage: every task fine-tuned twice, from the general and from the vertical base.

Both runs get the same data, budget and seed, so the difference between them is the base alone.
Writes into its output folder, for each task and each of ``general`` and ``vertical``::

    <task>/<variant>/model/             the fine-tuned model (plain transformers loads it) and its
                                        model card README.md
    <task>/<variant>/predictions.json   task_type, labels, gold and predicted, probabilities
    <task>/<variant>/training.json      the training and validation loss curves, the hyper-parameters
                                        used, early stopping, wall time
    <task>/<variant>/search.json        with ``trials``: every trial's values and validation score

A validation split (the task's ``validation`` file, or ``validation_fraction`` of the training
examples) is used for early stopping and the search; the test examples are only predicted, by the
final model.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import shutil
import time
from pathlib import Path

from vertical.evaluate.scoring import HEADLINE, score_predictions
from vertical.finetune.classification import train_classifier
from vertical.finetune.config import TaskConfig
from vertical.finetune.generation import train_generator
from vertical.finetune.guard import train_guarded
from vertical.finetune.model_card import write_model_card
from vertical.finetune.multilabel import train_multilabel_classifier
from vertical.finetune.ner import train_tagger
from vertical.finetune.search import SearchResult, search_hyperparameters
from vertical.finetune.sft import train_instruct
from vertical.finetune.task_data import load_task_data, split_validation
from vertical.io import atomic_write_json
from vertical.models import model_identity
from vertical.predictions import write_predictions
from vertical.run import StageOutput

log = logging.getLogger(__name__)


def _trainer(task: TaskConfig):
    return {
        "ner": train_tagger,
        "multilabel": train_multilabel_classifier,
        "generation": train_generator,
        "instruct": train_instruct,
    }.get(task.type, train_classifier)


def _record(task: TaskConfig, predictions) -> dict:
    """predictions.json's content: the predictions with the task type they are scored by."""
    if task.type == "relation":
        predictions = dataclasses.replace(
            predictions, task_type="relation", negative_label=task.negative_label
        )
    return dataclasses.asdict(predictions)


def _search(
    task: TaskConfig,
    model_path: Path,
    train: list,
    validation: list,
    labels: list[str],
    work_dir: Path,
    seed: int,
    precision: str,
) -> SearchResult:
    """The best learning rate, epochs and batch size for `task` from `model_path`, by validation score."""

    metric = HEADLINE.get(task.type, ("accuracy",))[0]

    numbers = itertools.count()

    def objective(params: dict) -> float:
        trial_dir = work_dir / f"trial-{next(numbers)}"
        trial_task = task.model_copy(update={**params, "epochs": float(params["epochs"])})
        predictions, _ = _trainer(task)(
            trial_task,
            model_path,
            train,
            validation,  # scored on validation, never on the test examples
            labels,
            None,
            trial_dir,
            seed,
            precision,
            validation=validation if task.early_stopping_patience is not None else None,
        )
        shutil.rmtree(trial_dir, ignore_errors=True)  # checkpoints of early stopping
        return float(score_predictions(_record(task, predictions))[metric])

    return search_hyperparameters(task.search, task.trials, objective, metric, seed)


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

    metrics: dict[str, dict] = {}
    base_identity = model_identity(base_model_name or str(general_model), general_model)
    for task in tasks:
        train, test, labels = load_task_data(task)
        train, validation = split_validation(task, train)
        metrics[task.name] = {
            "train_examples": len(train),
            "validation_examples": len(validation),
            "test_examples": len(test),
            "labels": labels,
        }
        for variant, model_path in (("general", general_model), ("vertical", vertical_model)):
            log.info(
                "finetune: %s (%s) from the %s base (%d examples)", task.name, task.type, variant, len(train)
            )
            variant_dir = output_dir / task.name / variant
            started = time.perf_counter()
            chosen = task
            if task.trials:  # the same trials, space and sampler seed for both bases
                search = _search(
                    task,
                    model_path,
                    train,
                    validation,
                    labels,
                    work_dir / task.name / variant / "search",
                    seed,
                    precision,
                )
                atomic_write_json(variant_dir / "search.json", search.as_dict())
                chosen = task.model_copy(
                    update={**search.best_params, "epochs": float(search.best_params["epochs"])}
                )
                metrics[task.name][f"{variant}_best_params"] = search.best_params
            predictions, history, chosen = train_guarded(
                _trainer(task),
                chosen,
                model_path,
                train,
                test,
                labels,
                variant_dir / "model",
                work_dir / task.name / variant / "final",
                seed,
                precision,
                validation=validation or None,
                subject=f"the {variant} model",
            )
            record = _record(task, predictions)
            wall_time = round(time.perf_counter() - started, 2)
            write_predictions(variant_dir, record)
            hyperparameters = {
                "learning_rate": chosen.learning_rate,
                "epochs": chosen.epochs,
                "batch_size": chosen.batch_size,
                "class_weights": chosen.class_weights,
            }
            atomic_write_json(
                variant_dir / "training.json",
                {**history, "hyperparameters": hyperparameters, "wall_time_s": wall_time},
            )
            write_model_card(
                variant_dir / "model",
                chosen,
                variant,
                base_identity,
                score_predictions(record),
                len(train),
                len(test),
                history=history,
            )
            metrics[task.name][f"{variant}_wall_time_s"] = wall_time
    return StageOutput(metrics={"tasks": metrics})

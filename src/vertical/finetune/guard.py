"""The collapse guard: a fine-tuned model that answers one class is retried, stopped or warned about.

After training, the model's predictions on the validation split (without one: on the training
examples when the guard must act, on the test examples for a warning) are checked with
`vertical.collapse.detect_collapse`. What follows is the task's ``on_collapse``:

- ``retry`` (the default with a validation split): train again from the base with twice the
  epochs and balanced class weights, the two usual causes being too few steps for the head to
  leave the majority class and a skewed label distribution; a retry that collapses again is kept
  with a warning (the evaluate stage flags it too);
- ``stop``: raise a one-line error that says what to change in the recipe;
- ``warn`` (the default without a validation split): log it and keep the model.

The test examples never decide anything: with a validation split or a training check, they are
predicted in the same pass (appended after the checked examples) and only split off.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from vertical.collapse import Collapse, detect_collapse
from vertical.errors import VerticalError
from vertical.finetune.config import TaskConfig

log = logging.getLogger(__name__)

GUARDED = ("classification", "relation", "ner")  # task types with a single class to collapse onto
_PER_EXAMPLE = ("gold", "predicted", "probabilities", "confidence")  # predictions' per-example fields


def split_predictions(predictions, count: int):
    """(first `count` examples, the rest) of a predictions dataclass (classifier or tagger)."""
    fields = [field.name for field in dataclasses.fields(predictions) if field.name in _PER_EXAMPLE]
    head = dataclasses.replace(predictions, **{name: getattr(predictions, name)[:count] for name in fields})
    tail = dataclasses.replace(predictions, **{name: getattr(predictions, name)[count:] for name in fields})
    return head, tail


def _checked_examples(task: TaskConfig, train: list, validation: list | None) -> tuple[list | None, str]:
    """The examples the guard reads and their name; None: the test predictions (a warning only)."""
    if validation:
        return validation, "validation"
    if task.collapse_action == "warn":
        return None, "test"
    return train, "training"


def _stop_message(task: TaskConfig, found: Collapse, subject: str, role: str) -> str:
    return (
        f"task '{task.name}': {found.describe(subject, role)} after {task.epochs:g} epochs at learning rate "
        f"{task.learning_rate:g}: it has not learnt the task; raise tasks[].epochs or learning_rate, set "
        "class_weights: balanced, or on_collapse: retry (warn keeps the model)"
    )


def train_guarded(
    trainer,
    task: TaskConfig,
    model_path: Path,
    train: list,
    test: list,
    labels: list[str],
    output_dir: Path,
    work_dir: Path,
    seed: int,
    precision: str,
    validation: list | None,
    subject: str,
):
    """Train with `trainer` (a task type's ``train_*`` function) under the collapse guard.

    Args:
        subject: who is trained, for the messages: ``the general model``.

    Returns:
        (test predictions, training history, the task settings of the model kept). The history has
        ``collapse`` when one was found: ``checked_on``, ``found`` (the first model's collapse),
        ``action``, and after a retry ``retried_with`` and ``after_retry`` (None: the retry learnt).
    """

    def run(settings: TaskConfig, examples: list, folder: Path):
        return trainer(
            settings,
            model_path,
            train,
            examples,
            labels,
            output_dir,
            folder,
            seed,
            precision,
            validation=validation,
        )

    if task.type not in GUARDED:
        predictions, history = run(task, test, work_dir)
        return predictions, history, task
    checked, role = _checked_examples(task, train, validation)

    def fit(settings: TaskConfig, folder: Path):
        predicted, history = run(settings, (checked or []) + test, folder)
        seen, tested = split_predictions(predicted, len(checked or []))
        return (seen if checked is not None else tested), tested, history

    seen, tested, history = fit(task, work_dir)
    found = detect_collapse(dataclasses.asdict(seen))
    if found is None:
        return tested, history, task
    record = {"checked_on": role, "found": found.as_dict(), "action": task.collapse_action}
    if task.collapse_action == "stop":
        raise VerticalError(_stop_message(task, found, subject, role))
    if task.collapse_action == "warn":
        log.warning("%s: %s; the model is kept (on_collapse: warn)", task.name, found.describe(subject, role))
        return tested, history | {"collapse": record}, task
    retried = task.model_copy(update={"epochs": task.epochs * 2, "class_weights": "balanced"})
    log.warning(
        "%s: %s; retrying with %g epochs and balanced class weights",
        task.name,
        found.describe(subject, role),
        retried.epochs,
    )
    seen, tested, history = fit(retried, work_dir.with_name(work_dir.name + "-retry"))
    again = detect_collapse(dataclasses.asdict(seen))
    if again is not None:
        log.warning("%s: after the retry, %s; the model is kept", task.name, again.describe(subject, role))
    record |= {
        "retried_with": {"epochs": retried.epochs, "class_weights": "balanced"},
        "after_retry": again.as_dict() if again else None,
    }
    return tested, history | {"collapse": record}, retried

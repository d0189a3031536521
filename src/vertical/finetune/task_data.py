"""A task's examples read and checked: train, test and validation splits, labels, bad input.

Light on purpose (no torch, no transformers): the pipeline reads every task's files through it
before any stage runs, so that a bad label fails in seconds, and a no-op run stays fast.
"""

from __future__ import annotations

import logging
from pathlib import Path

from vertical.errors import DataError
from vertical.finetune.config import TaskConfig
from vertical.finetune.examples import (
    check_labels,
    check_multilabels,
    read_examples,
    read_multilabel_examples,
    split_examples,
)
from vertical.finetune.relation import as_example, read_relations
from vertical.finetune.tagged import read_tagged, tag_set
from vertical.finetune.unseen import check_seen, labels_of
from vertical.instruct.readers import read_conversations
from vertical.instruct.split import split_conversations
from vertical.records import GenerationExample

log = logging.getLogger(__name__)


def read_generation_examples(path: Path, prompt_column: str, response_column: str) -> list[GenerationExample]:
    """The prompt/response pairs of a .jsonl, .csv or .parquet file, in file order."""
    return [
        GenerationExample(example.text, example.label)
        for example in read_examples(path, prompt_column, response_column)
    ]


def _read(task: TaskConfig, path: Path) -> list:
    if task.type == "instruct":
        return read_conversations(path)
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


def _check_labels(task: TaskConfig, train: list, other: list, other_path, role: str = "test") -> list[str]:
    """The label set of `train`; a label of `other` (test or validation) unseen in training is an error."""
    if task.type in ("generation", "instruct"):
        return []  # no classes: the response is free text
    check_seen(task, train, other, other_path, role)
    if task.type == "ner":
        return tag_set(train, other, other_path)
    if task.type == "multilabel":
        return check_multilabels(train, other, other_path)
    return check_labels(train, other, other_path)


def load_task_data(task: TaskConfig):
    """(train, test, labels) of a task: its test file, or a held-out share of its data."""
    examples = _read(task, Path(task.data))
    if task.test:
        train, test, test_path = examples, _read(task, Path(task.test)), task.test
    elif task.type == "instruct":  # an entity's conversations stay on one side
        train, test = split_conversations(examples, task.test_fraction)
        test_path = task.data
    else:
        train, test = split_examples(examples, task.test_fraction)
        test_path = task.data
    labels = _check_labels(task, train, test, test_path)
    if task.type == "relation" and task.negative_label is not None and task.negative_label not in labels:
        log.warning("%s: negative_label %r never occurs in the training data", task.name, task.negative_label)
    return train, test, labels


def split_validation(task: TaskConfig, train: list) -> tuple[list, list]:
    """(train, validation): the validation file, or `validation_fraction` of `train` carved out.

    Without early stopping, a search or a validation file, all of `train` stays for training and
    the validation split is empty. A carved-out example whose label (or entity type) the rest of
    the training data lacks goes back to training, so that every class is trained on.
    """
    if not task.needs_validation:
        return train, []
    if task.validation:
        validation = _read(task, Path(task.validation))
        _check_labels(task, train, validation, task.validation, "validation")
        return train, validation
    kept, validation = split_examples(train, task.validation_fraction, salt="validation")
    seen = set().union(*(labels_of(task, example) for example in kept))
    returned = [example for example in validation if not labels_of(task, example) <= seen]
    validation = [example for example in validation if labels_of(task, example) <= seen]
    if not validation:
        raise DataError(
            f"{task.data}: validation_fraction {task.validation_fraction} of {len(train)} training "
            f"examples leaves no validation example for task '{task.name}'; raise it or give a "
            "validation file"
        )
    return kept + returned, validation

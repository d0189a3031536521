"""Which models a run folder holds, loaded for serving.

A task is served from ``runs/<name>/finetune/<task>/vertical/model``: a token classifier (its
config.json's architecture ends in ``ForTokenClassification``) as a NER task, any other as a
classification task. The ``onnx`` and ``distilled`` variants come from
``runs/<name>/compress/<task>/``. The token limit of each task is the ``max_length`` it was
fine-tuned with (from the finetune manifest).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from vertical.compress.variants import TextClassifier, load_classifier
from vertical.errors import VerticalError
from vertical.models import is_decoder
from vertical.run import completed_stage, read_manifest
from vertical.serve.tagger import TextTagger, load_tagger

log = logging.getLogger(__name__)


def _max_lengths(finetune_dir: Path) -> dict[str, int]:
    manifest = read_manifest(finetune_dir) or {}
    tasks = manifest.get("config", {}).get("tasks", [])
    return {task["name"]: int(task.get("max_length", 128)) for task in tasks if "name" in task}


def _is_tagger(model_dir: Path) -> bool:
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return any(name.endswith("ForTokenClassification") for name in config.get("architectures") or [])


def served_tasks(run_dir: Path) -> dict[str, str]:
    """Task name -> ``classification`` or ``ner``, for every fine-tuned encoder task in a run folder, sorted
    (decoders are left out: they are served by ``/v1/generate``)."""
    finetune_dir = Path(run_dir) / "finetune"
    return {
        path.parent.parent.name: "ner" if _is_tagger(path) else "classification"
        for path in sorted(finetune_dir.glob("*/vertical/model"))
        if (path / "config.json").is_file() and not is_decoder(path)  # decoders: /v1/generate
    }


def classification_tasks(run_dir: Path) -> list[str]:
    """Names of the fine-tuned classification tasks in a run folder, sorted."""
    return [task for task, kind in served_tasks(run_dir).items() if kind == "classification"]


def _check_run_dir(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise VerticalError(f"{run_dir}: run folder not found (expected runs/<name> made by `vertical run`)")


def load_run_taggers(run_dir: Path, variant: str = "full") -> dict[str, TextTagger]:
    """Every NER task of `run_dir` by task name (int8 when `variant` is int8, else as fine-tuned)."""
    run_dir = Path(run_dir)
    _check_run_dir(run_dir)
    lengths = _max_lengths(run_dir / "finetune")
    return {
        task: load_tagger(
            task, variant, run_dir / "finetune" / task / "vertical" / "model", lengths.get(task, 128)
        )
        for task, kind in served_tasks(run_dir).items()
        if kind == "ner"
    }


def load_run_classifiers(
    run_dir: Path, variant: str = "full", required: bool = True
) -> dict[str, TextClassifier]:
    """Every classification task of `run_dir`, loaded in the form `variant`, by task name.

    Raises:
        VerticalError: the folder is not a run folder, or (when `required`) it holds no classification task.
    """
    run_dir = Path(run_dir)
    _check_run_dir(run_dir)
    tasks = classification_tasks(run_dir)
    if not tasks and required:
        raise VerticalError(
            f"{run_dir}: no fine-tuned task to serve (looked for finetune/<task>/vertical/model); "
            "add tasks to the recipe and run `vertical run` first"
        )
    lengths = _max_lengths(run_dir / "finetune")
    classifiers = {}
    compressed = completed_stage(run_dir, "compress")  # not the old folder of a compress stage dropped
    for task in tasks:
        compress_dir = compressed / task if compressed is not None else None
        classifiers[task] = load_classifier(
            task,
            variant,
            run_dir / "finetune" / task / "vertical" / "model",
            compress_dir if compress_dir is not None and compress_dir.is_dir() else None,
            lengths.get(task, 128),
        )
        log.info("serving %s (%s, labels: %s)", task, variant, ", ".join(classifiers[task].labels))
    return classifiers

"""The finetune stage's predictions on disk, read by evaluate, the report and the ablation.

A neutral module: the finetune stage writes ``<task>/<variant>/predictions.json`` through it and the
evaluate stage reads them through it, so neither package imports the other to share the layout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vertical.io import atomic_write_json

# Every task is fine-tuned twice: from the general base model and from the vertical one.
VARIANTS = ("general", "vertical")
PREDICTIONS = "predictions.json"


def predictions_file(finetune_dir: Path, task: str, variant: str) -> Path:
    """Where one task and variant's predictions live in a finetune stage folder."""
    return Path(finetune_dir) / task / variant / PREDICTIONS


def write_predictions(variant_dir: Path, record: dict[str, Any]) -> None:
    """Write one variant's predictions (task type, labels, gold and predicted, probabilities) atomically."""
    atomic_write_json(Path(variant_dir) / PREDICTIONS, record)


def read_predictions(finetune_dir: Path, task: str, variant: str) -> dict[str, Any]:
    """The predictions.json of one task and variant in a completed finetune stage folder."""
    return json.loads(predictions_file(finetune_dir, task, variant).read_text(encoding="utf-8"))

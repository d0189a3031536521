"""The loss curves the report draws, read from what each training left in the run folder.

Fine-tunes: each task and variant's ``training.json`` (the Trainer's log history, kept by the finetune
stage). Pretraining: its TensorBoard event files (``pretrain/tensorboard``), read with TensorBoard's
own event reader: every scalar the Trainer logged under ``train/`` whose name ends in ``loss``
(the total and each objective's loss).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def read_training_logs(finetune_dir: Path, task_names: list[str]) -> dict[str, dict[str, dict]]:
    """Loss curves of each task and variant from the finetune stage's training.json files:
    ``{task: {variant: {"loss": [[step, loss]], "validation_loss": [[step, loss]]}}}``."""
    curves: dict[str, dict[str, dict]] = {}
    for task in task_names:
        for variant in ("general", "vertical"):
            path = Path(finetune_dir) / task / variant / "training.json"
            if path.is_file():
                record = json.loads(path.read_text(encoding="utf-8"))
                curves.setdefault(task, {})[variant] = {
                    "loss": record.get("loss", []),
                    "validation_loss": record.get("validation_loss", []),
                }
    return curves


def read_pretrain_curves(pretrain_dir: Path) -> dict[str, list[list[float]]]:
    """``{"loss": [[step, value]], "mlm_loss": [...], ...}`` from the pretrain stage's event files;
    empty when there are none (or TensorBoard is not installed)."""
    folder = Path(pretrain_dir) / "tensorboard"
    if not folder.is_dir():
        return {}
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        return {}
    curves: dict[str, dict[int, float]] = {}
    for events in sorted({path.parent for path in folder.rglob("events.out.tfevents.*")}):
        accumulator = EventAccumulator(str(events), size_guidance={"scalars": 0})
        try:
            accumulator.Reload()
        except Exception as error:  # noqa: BLE001 - a damaged log loses its curve, not the report
            log.warning("%s: cannot read TensorBoard events (%s)", events, error)
            continue
        for tag in accumulator.Tags().get("scalars", []):
            name = tag.removeprefix("train/")
            # train/train_loss is the Trainer's one-point summary at the end, not a curve
            if tag.startswith("train/") and name.endswith("loss") and name != "train_loss":
                points = curves.setdefault(name, {})
                for event in accumulator.Scalars(tag):
                    points[int(event.step)] = float(event.value)  # a resumed run's later value wins
    return {name: [[step, points[step]] for step in sorted(points)] for name, points in curves.items()}

"""TensorBoard event files of a training run: what the Trainer logs (loss, each objective's loss, learning
rate, gradient norm), one scalar per logging step.

The writer is the Trainer's own `TensorBoardCallback`, given a writer on a folder we choose: the stage's
work folder, so the curve survives a kill and goes on after a resume; the stage copies it into its
output when training ends (``runs/<name>/pretrain/tensorboard``; ``tensorboard --logdir runs``).
Pass it after callbacks that add to the logs (`ObjectiveLossLogger`): callbacks see the logs in order.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from transformers import TrainerCallback

log = logging.getLogger(__name__)


def tensorboard_callbacks(log_dir: Path) -> list[TrainerCallback]:
    """A TensorBoard callback writing under `log_dir`, or none when tensorboard is not installed."""
    from transformers.integrations import TensorBoardCallback

    try:
        callback = TensorBoardCallback()
    except RuntimeError:  # tensorboard is a dependency; a trimmed install still trains
        log.warning("tensorboard is not installed: no TensorBoard logs")
        return []
    # The callback opens its writer on the first process only (at train begin), in this folder: the
    # attribute its TENSORBOARD_LOGGING_DIR variable sets, set here without touching the environment.
    callback.logging_dir = str(log_dir)
    return [callback]


def keep_tensorboard_logs(callbacks: list[TrainerCallback], log_dir: Path, output_dir: Path) -> None:
    """Close the writers and copy `log_dir`'s event files to ``output_dir/tensorboard``."""
    for callback in callbacks:
        writer = getattr(callback, "tb_writer", None)
        if writer is not None:
            writer.close()
    if log_dir.is_dir():
        shutil.copytree(log_dir, output_dir / "tensorboard", dirs_exist_ok=True)

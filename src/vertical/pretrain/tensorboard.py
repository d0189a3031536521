"""TensorBoard event files of a training run: what the Trainer logs (loss, each objective's loss, learning
rate, gradient norm), one scalar per logging step.

The writer is the Trainer's own `TensorBoardCallback` (made by `vertical.tracking.callbacks`), given a
folder we choose: the stage's work folder, so the curve survives a kill and goes on after a resume;
the stage copies it into its output when training ends (``runs/<name>/pretrain/tensorboard``;
``tensorboard --logdir runs``).
Pass it after callbacks that add to the logs (`ObjectiveLossLogger`): callbacks see the logs in order.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from transformers import TrainerCallback


def keep_tensorboard_logs(callbacks: list[TrainerCallback], log_dir: Path, output_dir: Path) -> None:
    """Close the writers and copy `log_dir`'s event files to ``output_dir/tensorboard``."""
    for callback in callbacks:
        writer = getattr(callback, "tb_writer", None)
        if writer is not None:
            writer.close()
    if log_dir.is_dir():
        shutil.copytree(log_dir, output_dir / "tensorboard", dirs_exist_ok=True)

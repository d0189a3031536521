"""Finetune stage: task models from the general and the vertical base."""

from vertical.finetune.tasks import VARIANTS, finetune_tasks, read_predictions

__all__ = ["VARIANTS", "finetune_tasks", "read_predictions"]

"""Finetune stage: task models from the general and the vertical base.

The package imports nothing heavy itself, so that its recipe section (`config`) loads without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vertical.finetune.tasks import finetune_tasks
    from vertical.predictions import VARIANTS, read_predictions

__all__ = ["VARIANTS", "finetune_tasks", "read_predictions"]


def __getattr__(name: str) -> Any:
    if name in ("VARIANTS", "read_predictions"):  # they live in the neutral `vertical.predictions`
        return getattr(importlib.import_module("vertical.predictions"), name)
    if name in __all__:
        return getattr(importlib.import_module("vertical.finetune.tasks"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

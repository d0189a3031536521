"""Evaluate stage: the vertical model against the general one, task by task.

The package imports nothing heavy itself, so that its recipe section (`config`) loads without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vertical.evaluate.compare import compare_variants, rebuild_report

__all__ = ["compare_variants", "rebuild_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("vertical.evaluate.compare"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

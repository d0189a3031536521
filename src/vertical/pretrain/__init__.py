"""Pretrain stage: domain-adaptive continued pretraining of the base model.

The package imports nothing heavy itself, so that its recipe section (`config`) loads without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vertical.pretrain.train import continue_pretraining

__all__ = ["continue_pretraining"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("vertical.pretrain.train"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Tokenizer stage: domain terms added to the base vocabulary, embeddings initialised from their pieces.

The package imports nothing heavy itself, so that its recipe section (`config`) loads without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vertical.tokenizer.build import build_tokenizer, read_embedding_init, read_terms

__all__ = ["build_tokenizer", "read_embedding_init", "read_terms"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("vertical.tokenizer.build"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

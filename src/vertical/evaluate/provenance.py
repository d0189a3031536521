"""Where a report comes from: the base model and its hash, the recipe, the date, the libraries, the machine.

Read from the run folder alone: the pretrain stage's manifest names the base model and holds the
content hash of its folder (an input of the stage); ``recipe.yaml`` is the recipe `vertical run`
copied there (with its ``--set`` overrides).
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vertical.errors import VerticalError
from vertical.models import BUILTIN_MINILM, MINILM_HUB_ID, is_decoder
from vertical.run import library_versions, read_manifest

RECIPE_COPY = "recipe.yaml"


def _base_name(spec: str) -> str:
    if spec == BUILTIN_MINILM:
        return f"{MINILM_HUB_ID} ({BUILTIN_MINILM})"
    return Path(spec).name if Path(spec).is_absolute() else spec


def general_label(run_dir: Path) -> str:
    """What "general" is in this run: the base model, or for a from-scratch decoder an untrained copy."""
    config = (read_manifest(Path(run_dir) / "pretrain") or {}).get("config", {})
    spec = config.get("base_model", "")
    scratch = (config.get("pretrain") or {}).get("from_scratch") is not None
    try:
        base_is_decoder = bool(spec) and Path(spec).is_dir() and is_decoder(Path(spec))
    except VerticalError:  # a base folder that is gone or changed: the label is only words
        base_is_decoder = False
    if scratch and not base_is_decoder:
        return "an untrained GPT-2 of the same size (random weights): no general decoder to start from"
    return f"the base model {_base_name(spec)}" if spec else "the base model"


def _machine() -> str:
    parts = [platform.platform(), f"{os.cpu_count()} CPU cores"]
    try:
        import torch

        parts.append(f"{torch.get_num_threads()} torch threads")
        if torch.cuda.is_available():
            parts.append(torch.cuda.get_device_name(0))
    except ImportError:  # the report can be rebuilt where torch is missing
        pass
    return ", ".join(parts)


def provenance(run_dir: Path) -> dict[str, Any]:
    """The provenance block of a run's report (keys: base_model, base_model_sha256, general, recipe,
    date, libraries, machine, run_dir)."""
    run_dir = Path(run_dir)
    pretrain = read_manifest(run_dir / "pretrain") or {}
    config = pretrain.get("config", {})
    spec = config.get("base_model", "")
    base = _base_name(spec) if spec else "unknown (no pretrain manifest)"
    if (config.get("pretrain") or {}).get("from_scratch") is not None and "untrained" in general_label(
        run_dir
    ):
        base = "none: a GPT-2 trained from scratch (pretrain.from_scratch)"
    recipe_file = run_dir / RECIPE_COPY
    return {
        "run_dir": str(run_dir.resolve()),
        "base_model": base,
        "base_model_sha256": pretrain.get("inputs", {}).get("base_model", ""),
        "general": general_label(run_dir),
        "recipe": recipe_file.read_text(encoding="utf-8") if recipe_file.is_file() else "",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "libraries": library_versions(),
        "machine": _machine(),
    }

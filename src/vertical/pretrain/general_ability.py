"""General ability of a decoder before and after domain pretraining: multiple choice by log-likelihood.

Each ``general_choices`` file (ARC-Easy, PIQA, HellaSwag in the ``{question, choices, answer}``
shape, or lm-eval field names) is scored with `vertical.evaluate.llm_choice.score_choices`: the
length-normalised log-likelihood of each choice (``acc_norm``, the lm-evaluation-harness way) and
the plain one (``acc``). The manifest gets, per file, the accuracies before and after and their
change: the forgetting a mix ratio of replay is meant to prevent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import torch

from vertical.evaluate.llm_choice import read_choice_file, score_choices


def choice_accuracies(model, tokenizer, files: Sequence[str], limit: int, bf16: bool) -> dict[str, dict]:
    """``{file stem: {"acc", "acc_norm", "items"}}`` of `model` on the first `limit` items of each file."""
    scores = {}
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    with autocast:
        for path in files:
            result = score_choices(model, tokenizer, read_choice_file(path, limit))
            scores[Path(path).stem] = {key: result[key] for key in ("acc", "acc_norm", "items")}
    return scores


def choice_forgetting(before: dict[str, dict], after: dict[str, dict]) -> dict[str, dict]:
    """Per file: acc and acc_norm before and after, and ``acc_norm_change`` (< 0: ability lost)."""
    return {
        name: {
            "acc_before": before[name]["acc"],
            "acc_after": after[name]["acc"],
            "acc_norm_before": before[name]["acc_norm"],
            "acc_norm_after": after[name]["acc_norm"],
            "acc_norm_change": round(after[name]["acc_norm"] - before[name]["acc_norm"], 4),
            "items": before[name]["items"],
        }
        for name in before
    }

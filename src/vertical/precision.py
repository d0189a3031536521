"""Choosing the numeric precision of training from what the hardware runs fast.

bf16 autocast is used where the device has native bf16 matrix units: NVIDIA GPUs from Ampere on,
and x86 CPUs with AVX-512 BF16 or AMX. On a 2-core AVX-512 BF16 CPU a MiniLM training step ran
1.7x faster in bf16 than in fp32 (bench/pretrain_throughput.py). Elsewhere bf16 is emulated and slow,
so `auto` falls back to fp32.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import torch


@cache
def cpu_has_fast_bf16() -> bool:
    """True when the CPU advertises AVX-512 BF16 or AMX-BF16 (Linux /proc/cpuinfo)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def use_bf16(precision: Literal["auto", "fp32", "bf16"]) -> bool:
    """Whether to train with bf16 autocast, given the recipe's `precision`."""
    if precision != "auto":
        return precision == "bf16"
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return cpu_has_fast_bf16()


def trainer_precision_arguments(precision: Literal["auto", "fp32", "bf16"]) -> dict[str, bool]:
    """`TrainingArguments` keywords for `precision`: bf16 on a CPU needs `use_cpu` as well."""
    bf16 = use_bf16(precision)
    return {"bf16": bf16, "use_cpu": bf16 and not torch.cuda.is_available()}

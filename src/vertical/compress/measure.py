"""Measure a classifier form: size on disk, batch-1 latency, batch-32 throughput, accuracy.

Latency is the median over single-text calls; throughput is texts per second over batches of 32
(after one warm-up batch). Accuracy and macro-F1 are on the task's test examples; `agreement` is
the share of test texts on which a form predicts the same class as the full model.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, f1_score


@dataclass(frozen=True)
class Measurement:
    """One row of the compress table."""

    variant: str
    size_mb: float
    latency_batch1_ms: float
    throughput_batch32: float  # texts per second
    accuracy: float
    macro_f1: float
    agreement_with_full: float

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def batch1_latency_ms(predict: Callable[[list[str]], object], texts: list[str], calls: int) -> float:
    """Median wall time of `predict([text])` over `calls` texts, in milliseconds."""
    predict(texts[:1])  # warm-up
    times = []
    for index in range(calls):
        started = time.perf_counter()
        predict([texts[index % len(texts)]])
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000.0


def batch32_throughput(predict: Callable[[list[str]], object], texts: list[str], batches: int) -> float:
    """Texts per second over `batches` calls of `predict` on 32 texts each."""
    cycled = [texts[i % len(texts)] for i in range(32 * (batches + 1))]
    predict(cycled[:32])  # warm-up
    started = time.perf_counter()
    for start in range(32, len(cycled), 32):
        predict(cycled[start : start + 32])
    return 32 * batches / (time.perf_counter() - started)


def score(
    predicted: np.ndarray, gold: list[int], full_predicted: np.ndarray | None
) -> tuple[float, float, float]:
    """(accuracy, macro-F1, agreement with the full model's predictions)."""
    accuracy = float(accuracy_score(gold, predicted))
    macro_f1 = float(f1_score(gold, predicted, average="macro", zero_division=0))
    agreement = 1.0 if full_predicted is None else float(np.mean(predicted == full_predicted))
    return accuracy, macro_f1, agreement


def measure(
    variant: str,
    predict: Callable[[list[str]], np.ndarray],
    size_bytes: int,
    test_texts: list[str],
    gold: list[int],
    full_predicted: np.ndarray | None,
    latency_calls: int = 50,
    throughput_batches: int = 8,
) -> tuple[Measurement, np.ndarray]:
    """Measure one form; returns its row and its predicted classes on the test texts."""
    predicted = predict(test_texts).argmax(axis=1)  # (N,)
    accuracy, macro_f1, agreement = score(predicted, gold, full_predicted)
    row = Measurement(
        variant=variant,
        size_mb=round(size_bytes / 1e6, 3),
        latency_batch1_ms=round(batch1_latency_ms(predict, test_texts, latency_calls), 3),
        throughput_batch32=round(batch32_throughput(predict, test_texts, throughput_batches), 1),
        accuracy=round(accuracy, 4),
        macro_f1=round(macro_f1, 4),
        agreement_with_full=round(agreement, 4),
    )
    return row, predicted

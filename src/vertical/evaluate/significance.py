"""Paired bootstrap: an interval and a p-value for the difference of two models on one test set.

Both models are scored on the same resamples of the test examples (Efron & Tibshirani 1993;
for NLP, Koehn 2004 and Berg-Kirkpatrick et al. 2012), so what varies between them is the model,
not the luck of the sample. A metric is given as per-example sufficient statistics (N, K) and a
function from their column sums to the score: accuracy is (correct,) -> sum / N; micro F1 is
(true positives, predicted, gold) -> 2 tp / (predicted + gold). Resampling then costs one matrix
product, and any metric that is a function of summed counts (accuracy, micro/macro F1, entity
F1) is exact on every resample.

Interval: the percentile interval of the resampled differences. p-value: two-sided, from the
share of resampled differences on the other side of zero (``2 * min(P(d <= 0), P(d >= 0))``,
capped at 1); it tests whether the observed sign could be sampling noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Statistic = Callable[[np.ndarray], np.ndarray]  # (B, K) summed counts -> (B,) scores


@dataclass(frozen=True)
class PairedDifference:
    """vertical - general on one metric, with its bootstrap interval and p-value."""

    metric: str
    general: float
    vertical: float
    difference: float
    low: float
    high: float
    p_value: float
    samples: int
    confidence: float = 0.95  # the interval's coverage

    def as_dict(self) -> dict:
        return {
            "metric": self.metric,
            "general": self.general,
            "vertical": self.vertical,
            "difference": self.difference,
            "ci_low": self.low,
            "ci_high": self.high,
            "p_value": self.p_value,
            "bootstrap_samples": self.samples,
            "confidence": self.confidence,
        }


def paired_bootstrap(
    metric: str,
    general_counts: np.ndarray,
    vertical_counts: np.ndarray,
    statistic: Statistic,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """Bootstrap the difference ``statistic(vertical) - statistic(general)``.

    Args:
        metric: the metric's name, for the record.
        general_counts: (N, K) per-example statistics of the general model.
        vertical_counts: (N, K) the same for the vertical model, on the same N examples in order.
        statistic: maps summed counts (B, K) to scores (B,).
        samples: number of resamples B.
        confidence: coverage of the interval, e.g. 0.95.
        seed: seed of the resampling.
    """
    general_counts = np.asarray(general_counts, dtype=np.float64)
    vertical_counts = np.asarray(vertical_counts, dtype=np.float64)
    if general_counts.shape != vertical_counts.shape or general_counts.ndim != 2:
        raise ValueError("general and vertical counts must be (N, K) arrays of the same shape")
    n = general_counts.shape[0]
    general = float(statistic(general_counts.sum(axis=0, keepdims=True))[0])
    vertical = float(statistic(vertical_counts.sum(axis=0, keepdims=True))[0])
    rng = np.random.default_rng(seed)
    # (B, N): how often each example is drawn in each resample; weights @ counts sums a resample.
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=samples).astype(np.float64)
    differences = statistic(weights @ vertical_counts) - statistic(weights @ general_counts)  # (B,)
    return _summary(metric, general, vertical, differences, confidence)


def _summary(
    metric: str, general: float, vertical: float, differences: np.ndarray, confidence: float
) -> PairedDifference:
    """The record of a bootstrap: the two scores, their difference, its interval and two-sided p."""
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(differences, [tail, 1.0 - tail])
    p_value = min(1.0, 2.0 * min(float(np.mean(differences <= 0)), float(np.mean(differences >= 0))))
    return PairedDifference(
        metric=metric,
        general=round(general, 4),
        vertical=round(vertical, 4),
        difference=round(vertical - general, 4),
        low=round(float(low), 4),
        high=round(float(high), 4),
        p_value=round(p_value, 4),
        samples=len(differences),
        confidence=confidence,
    )


def mean_of_first(counts: np.ndarray) -> np.ndarray:
    """Accuracy-like statistic: counts (B, 2) = (correct, examples) -> correct / examples."""
    return counts[:, 0] / np.maximum(counts[:, 1], 1e-12)


def micro_f1(counts: np.ndarray) -> np.ndarray:
    """counts (B, 3) = (true positives, predicted, gold) -> 2 tp / (predicted + gold); 0 when empty."""
    denominator = counts[:, 1] + counts[:, 2]
    return np.where(denominator > 0, 2 * counts[:, 0] / np.maximum(denominator, 1e-12), 0.0)


def macro_f1(counts: np.ndarray) -> np.ndarray:
    """counts (B, 3C) = per class (tp, predicted, gold) -> mean F1 over the C classes."""
    per_class = counts.reshape(counts.shape[0], -1, 3)  # (B, C, 3)
    denominator = per_class[..., 1] + per_class[..., 2]
    f1 = np.where(denominator > 0, 2 * per_class[..., 0] / np.maximum(denominator, 1e-12), 0.0)
    return f1.mean(axis=1)


def paired_bootstrap_over_seeds(
    metric: str,
    general_counts: list[np.ndarray],
    vertical_counts: list[np.ndarray],
    statistic: Statistic,
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """The paired bootstrap of the seed-mean difference: one training per seed, one test set.

    Each resample draws the test examples once and scores every seed's pair of models on it, so
    the interval is that of ``mean over seeds of (vertical - general)`` under test sampling; the
    spread between seeds is the mean ± sd reported beside it. With one seed it is `paired_bootstrap`.

    Args:
        general_counts: per seed, (N, K) per-example statistics of the general model.
        vertical_counts: per seed, the same of the vertical model, the N examples in the same order.
    """
    if len(general_counts) != len(vertical_counts) or not general_counts:
        raise ValueError("give the general and vertical counts of the same seeds, at least one")
    general_stack = np.stack([np.asarray(c, dtype=np.float64) for c in general_counts])  # (S, N, K)
    vertical_stack = np.stack([np.asarray(c, dtype=np.float64) for c in vertical_counts])
    if general_stack.shape != vertical_stack.shape or general_stack.ndim != 3:
        raise ValueError("every seed's counts must be (N, K) arrays of one shape")
    n = general_stack.shape[1]
    general = float(np.mean([statistic(g.sum(axis=0, keepdims=True))[0] for g in general_stack]))
    vertical = float(np.mean([statistic(v.sum(axis=0, keepdims=True))[0] for v in vertical_stack]))
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=samples).astype(np.float64)  # (B, N)
    differences = np.mean(
        [
            statistic(weights @ v) - statistic(weights @ g)
            for g, v in zip(general_stack, vertical_stack, strict=True)
        ],
        axis=0,
    )  # (B,)
    return _summary(metric, general, vertical, differences, confidence)

"""Calibration: does a model that says 80% sure turn out right 80% of the time?

Expected calibration error (ECE; Naeini et al. 2015, Guo et al. 2017): predictions are put into
equal-width bins by their confidence; ECE is the support-weighted mean of |accuracy - confidence|
over the bins. The bins themselves are the reliability diagram.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """ECE and the reliability diagram's bins (empty bins are left out)."""

    ece: float
    bin_lower: list[float]  # lower edge of each non-empty bin
    bin_confidence: list[float]  # mean confidence in the bin
    bin_accuracy: list[float]  # share of correct predictions in the bin
    bin_count: list[int]

    def as_dict(self) -> dict:
        return {
            "ece": self.ece,
            "reliability": {
                "bin_lower": self.bin_lower,
                "confidence": self.bin_confidence,
                "accuracy": self.bin_accuracy,
                "count": self.bin_count,
            },
        }


def calibration(confidence, correct, bins: int = 10) -> Calibration:
    """ECE of predictions with confidence `confidence` (N,) in [0, 1] and `correct` (N,) booleans.

    Bins are ``[0, 1/bins), [1/bins, 2/bins), ..., [(bins-1)/bins, 1]``.
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if confidence.shape != correct.shape or confidence.ndim != 1:
        raise ValueError("confidence and correct must be 1-D arrays of the same length")
    if len(confidence) == 0:
        return Calibration(0.0, [], [], [], [])
    which = np.minimum((confidence * bins).astype(int), bins - 1)  # (N,) bin of each prediction
    ece = 0.0
    lower, mean_confidence, accuracy, count = [], [], [], []
    for b in range(bins):
        chosen = which == b
        n = int(chosen.sum())
        if n == 0:
            continue
        bin_confidence, bin_accuracy = confidence[chosen].mean(), correct[chosen].mean()
        ece += n / len(confidence) * abs(bin_accuracy - bin_confidence)
        lower.append(round(b / bins, 4))
        mean_confidence.append(round(float(bin_confidence), 4))
        accuracy.append(round(float(bin_accuracy), 4))
        count.append(n)
    return Calibration(round(float(ece), 4), lower, mean_confidence, accuracy, count)

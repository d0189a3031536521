import numpy as np
import pytest

from vertical.evaluate.calibration import calibration


def test_ece_by_hand():
    # bin [0.6, 0.7): confidences 0.6, 0.65, one of two right -> |0.5 - 0.625| = 0.125, weight 2/5
    # bin [0.9, 1.0]: confidences 0.9, 0.95, 1.0, all right -> |1 - 0.95| = 0.05, weight 3/5
    result = calibration([0.6, 0.65, 0.9, 0.95, 1.0], [True, False, True, True, True], bins=10)
    assert result.ece == pytest.approx(0.4 * 0.125 + 0.6 * 0.05, abs=1e-4)
    assert result.bin_lower == [0.6, 0.9]
    assert result.bin_count == [2, 3]
    assert result.bin_accuracy == [0.5, 1.0]


def test_perfectly_calibrated_predictions_have_small_ece():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.0, 1.0, 200_000)
    correct = rng.random(200_000) < confidence  # right exactly as often as it claims
    assert calibration(confidence, correct).ece < 0.01
    overconfident = calibration(np.minimum(confidence + 0.2, 1.0), correct)
    assert overconfident.ece > 0.15

import pytest
from sklearn.metrics import f1_score

from vertical.evaluate.metrics import classification_metrics


def test_metrics_by_hand():
    labels = ["a", "b", "c"]
    gold = [0, 0, 1, 1, 2, 2]
    predicted = [0, 1, 1, 1, 0, 2]
    result = classification_metrics(gold, predicted, labels)
    assert result["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    # a: p=1/2 r=1/2; b: p=2/3 r=1; c: p=1 r=1/2
    assert result["per_class"]["b"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert result["macro_precision"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3, abs=1e-4)
    assert result["macro_f1"] == pytest.approx(f1_score(gold, predicted, average="macro"), abs=1e-4)


def test_class_never_predicted_scores_zero_not_nan():
    result = classification_metrics([0, 1], [0, 0], ["a", "b"])
    assert result["per_class"]["b"]["precision"] == 0.0

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_recall_fscore_support

from vertical.evaluate.metrics import classification_metrics, multilabel_metrics, relation_metrics


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
    # single-label micro P = R = F1 = accuracy
    assert result["micro_f1"] == result["micro_precision"] == result["accuracy"]
    # weighted F1: per-class F1 (1/2, 4/5, 2/3) weighted by support (2, 2, 2)
    assert result["weighted_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3, abs=1e-4)
    assert result["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_class_never_predicted_scores_zero_not_nan():
    result = classification_metrics([0, 1], [0, 0], ["a", "b"])
    assert result["per_class"]["b"]["precision"] == 0.0


def test_relation_f1_leaves_out_the_negative_label():
    labels = ["cause", "none", "treat"]
    gold = [0, 1, 1, 2, 2]
    predicted = [0, 0, 1, 2, 1]
    result = relation_metrics(gold, predicted, labels, negative_label="none")
    # positive classes cause, treat: tp = 2 (ex 0, ex 3); predicted positive = 3; gold positive = 3
    assert result["relation_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["relation_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["relation_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["accuracy"] == pytest.approx(3 / 5, abs=1e-4)


def test_multilabel_against_scikit_learn():
    rng = np.random.default_rng(1)
    gold = (rng.random((40, 4)) < 0.4).astype(int)
    predicted = np.where(rng.random((40, 4)) < 0.8, gold, 1 - gold)
    result = multilabel_metrics(gold.tolist(), predicted.tolist(), ["w", "x", "y", "z"])
    for average in ("micro", "macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(gold, predicted, average=average, zero_division=0)
        assert result[f"{average}_f1"] == pytest.approx(f, abs=1e-4)
        assert result[f"{average}_precision"] == pytest.approx(p, abs=1e-4)
    assert result["accuracy"] == pytest.approx(np.mean((gold == predicted).all(axis=1)), abs=1e-4)
    assert result["hamming_loss"] == pytest.approx(np.mean(gold != predicted), abs=1e-4)


def test_multilabel_confusion_per_label_by_hand():
    from vertical.evaluate.metrics import multilabel_metrics

    gold = [[1, 0], [1, 1], [0, 1], [0, 0]]
    predicted = [[1, 1], [0, 1], [0, 1], [1, 0]]
    confusion = multilabel_metrics(gold, predicted, ["a", "b"])["label_confusion"]
    assert confusion["a"] == {"tp": 1, "fp": 1, "fn": 1, "tn": 1}
    assert confusion["b"] == {"tp": 2, "fp": 1, "fn": 0, "tn": 1}

"""Classification metrics (scikit-learn): accuracy; precision, recall and F1 micro, macro and weighted;
per-class scores; the confusion matrix. Multi-label and relation scores are built on the same pieces.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    hamming_loss,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)


def _rounded(value: float) -> float:
    return round(float(value), 4)


def _averages(gold, predicted, indices: list[int]) -> dict[str, float]:
    """micro/macro/weighted precision, recall and F1 over the classes `indices`."""
    scores = {}
    for average in ("micro", "macro", "weighted"):
        precision, recall, f1, _ = precision_recall_fscore_support(
            gold, predicted, labels=indices, average=average, zero_division=0
        )
        scores |= {
            f"{average}_precision": _rounded(precision),
            f"{average}_recall": _rounded(recall),
            f"{average}_f1": _rounded(f1),
        }
    return scores


def _per_class(gold, predicted, labels: list[str]) -> dict[str, dict]:
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=list(range(len(labels))), average=None, zero_division=0
    )
    return {
        label: {"precision": _rounded(p), "recall": _rounded(r), "f1": _rounded(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }


def classification_metrics(gold: list[int], predicted: list[int], labels: list[str]) -> dict:
    """Scores of `predicted` against `gold`, both class indices into `labels`.

    Returns:
        ``accuracy``; ``{micro,macro,weighted}_{precision,recall,f1}`` (floats in [0, 1]);
        ``per_class``: label -> precision, recall, f1, support; ``confusion_matrix``: rows are the
        gold class, columns the predicted one, in the order of `labels`. A class never predicted
        has precision 0, as scikit-learn's ``zero_division=0`` defines it.
    """
    indices = list(range(len(labels)))
    return {
        "accuracy": _rounded(accuracy_score(gold, predicted)),
        **_averages(gold, predicted, indices),
        "per_class": _per_class(gold, predicted, labels),
        "confusion_matrix": confusion_matrix(gold, predicted, labels=indices).tolist(),
    }


def relation_metrics(
    gold: list[int], predicted: list[int], labels: list[str], negative_label: str | None
) -> dict:
    """Classification metrics plus relation precision/recall/F1: micro scores over every label but
    the 'no relation' one (the convention of TACRED and SemEval-2010 task 8)."""
    scores = classification_metrics(gold, predicted, labels)
    positive = [i for i, label in enumerate(labels) if label != negative_label]
    precision, recall, f1, _ = precision_recall_fscore_support(
        gold, predicted, labels=positive, average="micro", zero_division=0
    )
    scores |= {
        "relation_precision": _rounded(precision),
        "relation_recall": _rounded(recall),
        "relation_f1": _rounded(f1),
    }
    return scores


def multilabel_metrics(gold: list[list[int]], predicted: list[list[int]], labels: list[str]) -> dict:
    """Scores of multi-label predictions; `gold` and `predicted` are (N, C) 0/1 indicator rows.

    Returns:
        ``accuracy`` (subset accuracy: every label of a text right), ``hamming_loss``,
        ``{micro,macro,weighted}_{precision,recall,f1}``, ``per_class``; ``label_confusion``:
        label -> its yes/no confusion counts ``tp``, ``fp``, ``fn``, ``tn``.
    """
    gold_array, predicted_array = np.asarray(gold, dtype=int), np.asarray(predicted, dtype=int)
    indices = list(range(len(labels)))
    # (C, 2, 2): per label [[tn, fp], [fn, tp]]
    per_label = multilabel_confusion_matrix(gold_array, predicted_array, labels=indices)
    return {
        "accuracy": _rounded(accuracy_score(gold_array, predicted_array)),
        "hamming_loss": _rounded(hamming_loss(gold_array, predicted_array)),
        **_averages(gold_array, predicted_array, indices),
        "per_class": _per_class(gold_array, predicted_array, labels),
        "label_confusion": {
            label: {"tp": int(m[1, 1]), "fp": int(m[0, 1]), "fn": int(m[1, 0]), "tn": int(m[0, 0])}
            for label, m in zip(labels, per_label, strict=True)
        },
    }

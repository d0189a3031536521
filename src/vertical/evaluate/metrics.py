"""Classification metrics: accuracy, macro precision/recall/F1 and per-class scores (scikit-learn)."""

from __future__ import annotations

from sklearn.metrics import accuracy_score, precision_recall_fscore_support


def classification_metrics(gold: list[int], predicted: list[int], labels: list[str]) -> dict:
    """Scores of `predicted` against `gold`, both class indices into `labels`.

    Returns:
        ``accuracy``, ``macro_precision``, ``macro_recall``, ``macro_f1`` (floats in [0, 1]) and
        ``per_class``: label -> precision, recall, f1, support. A class never predicted has
        precision 0, as scikit-learn's ``zero_division=0`` defines it.
    """
    indices = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=indices, average=None, zero_division=0
    )
    macro = precision_recall_fscore_support(gold, predicted, labels=indices, average="macro", zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_precision": round(float(macro[0]), 4),
        "macro_recall": round(float(macro[1]), 4),
        "macro_f1": round(float(macro[2]), 4),
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }

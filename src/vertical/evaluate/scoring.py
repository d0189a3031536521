"""Scores of one task's predictions, whatever the task type, and the paired tests of their difference.

`predictions.json` of the finetune stage names its ``task_type``; this module turns it into the
metrics of that type, calibration included, and into per-example counts for the bootstrap. The
headline metrics of each type, bootstrapped for vertical - general:

=============== =================================
classification  accuracy, macro_f1
multilabel      micro_f1, macro_f1
ner             entity_f1, macro_f1 (over entity types)
relation        relation_f1, macro_f1
generation      perplexity (lower is better), token_accuracy
instruct        exact_match, token_f1 (greedy answers, SQuAD-normalised; `llm_qa`)
=============== =================================

Generation has no classes and no calibration: its record holds, per test example, the summed
negative log-likelihood of the reference response, its token count and the tokens predicted
right; perplexity is exp(sum of NLL / sum of tokens), exact on every bootstrap resample.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vertical.evaluate.calibration import calibration
from vertical.evaluate.entities import entity_counts, entity_metrics, entity_types
from vertical.evaluate.llm_qa import qa_counts, qa_metrics
from vertical.evaluate.metrics import classification_metrics, multilabel_metrics, relation_metrics
from vertical.evaluate.significance import (
    PairedDifference,
    macro_f1,
    mean_of_first,
    micro_f1,
    paired_bootstrap,
)

HEADLINE: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy", "macro_f1"),
    "multilabel": ("micro_f1", "macro_f1"),
    "ner": ("entity_f1", "macro_f1"),
    "relation": ("relation_f1", "macro_f1"),
    "generation": ("perplexity", "token_accuracy"),
    "instruct": ("exact_match", "token_f1"),
}
LOWER_IS_BETTER = frozenset({"perplexity", "mean_nll", "ece"})


def perplexity_of_sums(counts: np.ndarray) -> np.ndarray:
    """counts (B, 2) = (summed NLL in nats, tokens) -> exp(NLL / tokens)."""
    return np.exp(np.minimum(counts[:, 0] / np.maximum(counts[:, 1], 1e-12), 50.0))


def generation_metrics(predictions: dict[str, Any]) -> dict[str, Any]:
    """Perplexity and token accuracy of the reference responses (see the module docstring)."""
    nll, tokens = float(np.sum(predictions["nll"])), int(np.sum(predictions["tokens"]))
    correct = int(np.sum(predictions["correct"]))
    counts = np.asarray([[nll, tokens]])
    return {
        "perplexity": round(float(perplexity_of_sums(counts)[0]), 4),
        "mean_nll": round(nll / max(tokens, 1), 5),
        "token_accuracy": round(correct / max(tokens, 1), 4),
        "response_tokens": tokens,
        "examples": len(predictions["gold"]),
        "per_class": {},
        "samples": predictions.get("samples", []),
    }


def better(metric: str, difference: float) -> bool | None:
    """Whether a vertical - general `difference` of `metric` favours the vertical model (None: a tie)."""
    if difference == 0:
        return None
    return (difference < 0) if metric in LOWER_IS_BETTER else (difference > 0)


def task_type(predictions: dict[str, Any]) -> str:
    """The task type of a predictions record (records from before task types are classification)."""
    return predictions.get("task_type", "classification")


def _confidence_and_correct(predictions: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    kind = task_type(predictions)
    if kind == "ner":
        confidence = np.concatenate([np.asarray(c, dtype=float) for c in predictions["confidence"]] or [[]])
        correct = np.concatenate(
            [
                np.asarray([g == p for g, p in zip(gold, predicted, strict=True)], dtype=float)
                for gold, predicted in zip(predictions["gold"], predictions["predicted"], strict=True)
            ]
            or [[]]
        )
        return confidence, correct
    probabilities = np.asarray(predictions["probabilities"], dtype=float)
    if kind == "multilabel":
        # every (text, label) decision is a yes/no prediction with its own confidence
        gold = np.asarray(predictions["gold"], dtype=bool)
        said_yes = probabilities >= 0.5
        return np.where(said_yes, probabilities, 1 - probabilities).ravel(), (said_yes == gold).ravel()
    return probabilities.max(axis=1), probabilities.argmax(axis=1) == np.asarray(predictions["gold"])


def score_predictions(predictions: dict[str, Any], calibration_bins: int = 10) -> dict[str, Any]:
    """All metrics of one model's predictions on one task, calibration included."""
    kind = task_type(predictions)
    labels = predictions["labels"]
    if kind == "generation":
        return generation_metrics(predictions)
    if kind == "instruct":
        return qa_metrics(predictions)
    if kind == "ner":
        scores = entity_metrics(predictions["gold"], predictions["predicted"], labels)
    elif kind == "multilabel":
        scores = multilabel_metrics(predictions["gold"], predictions["predicted"], labels)
    elif kind == "relation":
        scores = relation_metrics(
            predictions["gold"], predictions["predicted"], labels, predictions.get("negative_label")
        )
    else:
        scores = classification_metrics(predictions["gold"], predictions["predicted"], labels)
    scores["calibration"] = calibration(
        *_confidence_and_correct(predictions), bins=calibration_bins
    ).as_dict()
    scores["ece"] = scores["calibration"]["ece"]
    return scores


def _one_hot(indices, classes: int) -> np.ndarray:
    matrix = np.zeros((len(indices), classes))
    matrix[np.arange(len(indices)), np.asarray(indices, dtype=int)] = 1.0
    return matrix


def _per_class_counts(gold: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """(N, C) 0/1 gold and predicted indicators -> (N, 3C) per class (tp, predicted, gold)."""
    return np.stack([gold * predicted, predicted, gold], axis=2).reshape(len(gold), -1)


def headline_counts(predictions: dict[str, Any]) -> dict[str, tuple[np.ndarray, Any]]:
    """Per headline metric: the per-example counts (N, K) and the statistic that scores their sums."""
    kind = task_type(predictions)
    labels = predictions["labels"]
    if kind == "instruct":
        return {
            metric: (np.asarray(rows, dtype=float), mean_of_first)
            for metric, rows in qa_counts(predictions).items()
        }
    if kind == "generation":
        tokens = np.asarray(predictions["tokens"], dtype=float)
        likelihood = np.stack([np.asarray(predictions["nll"], dtype=float), tokens], axis=1)  # (N, 2)
        correct = np.stack([np.asarray(predictions["correct"], dtype=float), tokens], axis=1)  # (N, 2)
        return {"perplexity": (likelihood, perplexity_of_sums), "token_accuracy": (correct, mean_of_first)}
    if kind == "ner":
        types = entity_types(labels)
        per_type = entity_counts(predictions["gold"], predictions["predicted"], types).astype(float)
        micro = per_type.reshape(len(per_type), -1, 3).sum(axis=1)  # (N, 3)
        return {"entity_f1": (micro, micro_f1), "macro_f1": (per_type, macro_f1)}
    if kind == "multilabel":
        per_class = _per_class_counts(
            np.asarray(predictions["gold"], dtype=float), np.asarray(predictions["predicted"], dtype=float)
        )
        micro = per_class.reshape(len(per_class), -1, 3).sum(axis=1)
        return {"micro_f1": (micro, micro_f1), "macro_f1": (per_class, macro_f1)}
    gold = _one_hot(predictions["gold"], len(labels))
    predicted = _one_hot(predictions["predicted"], len(labels))
    per_class = _per_class_counts(gold, predicted)
    if kind == "relation":
        negative = predictions.get("negative_label")
        keep = [i for i, label in enumerate(labels) if label != negative]
        micro = per_class.reshape(len(per_class), -1, 3)[:, keep, :].sum(axis=1)
        return {"relation_f1": (micro, micro_f1), "macro_f1": (per_class, macro_f1)}
    correct = (np.asarray(predictions["gold"]) == np.asarray(predictions["predicted"])).astype(float)
    accuracy = np.stack([correct, np.ones_like(correct)], axis=1)
    return {"accuracy": (accuracy, mean_of_first), "macro_f1": (per_class, macro_f1)}


def compare_predictions(
    general: dict[str, Any],
    vertical: dict[str, Any],
    samples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[PairedDifference]:
    """The paired bootstrap of vertical - general for each headline metric of the task."""
    if len(general["gold"]) != len(vertical["gold"]) or general["gold"] != vertical["gold"]:
        raise ValueError("the general and vertical predictions are not on the same test examples")
    general_counts, vertical_counts = headline_counts(general), headline_counts(vertical)
    return [
        paired_bootstrap(
            metric,
            general_counts[metric][0],
            vertical_counts[metric][0],
            statistic,
            samples,
            confidence,
            seed,
        )
        for metric, (_, statistic) in general_counts.items()
    ]

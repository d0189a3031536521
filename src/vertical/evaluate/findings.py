"""The report's "what to look at" box: what an expert reading the metrics would flag first.

Written from metrics.json and the pretrain stage's metrics alone, in order of weight:

- significant wins and losses: headline differences whose bootstrap interval excludes zero, read in
  the metric's direction (a lower perplexity or ECE is a win);
- a model collapsed onto one class: more than 90% of its test predictions on one class while the
  test holds several (`vertical.collapse`), or a tagger that tags no entity;
- classes with an F1 under `low_f1` (with test examples of their own);
- calibration worse than the general model's by more than `calibration_gap`, with its reading
  (over- or under-confident: mean confidence against accuracy);
- forgetting: the general-text loss rose by more than `forgetting` nats in pretraining, or was not
  measured at all (and how to measure it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vertical.collapse import Collapse, collapse_of_counts
from vertical.evaluate.scoring import LOWER_IS_BETTER, better

LOW_F1 = 0.5
CALIBRATION_GAP = 0.05
FORGETTING = 0.1


@dataclass(frozen=True)
class Finding:
    """One line of the box: ``good`` (a supported win), ``bad`` (a loss or a problem), ``note``."""

    kind: Literal["good", "bad", "note"]
    text: str


def metric_label(metric: str) -> str:
    """A metric's name in plain words: ``macro_f1`` -> ``macro F1``, ``ece`` -> ``calibration error
    (ECE)``."""
    names = {
        "ece": "calibration error (ECE)",
        "accuracy": "accuracy",
        "macro_f1": "macro F1",
        "micro_f1": "micro F1",
        "weighted_f1": "weighted F1",
        "entity_f1": "entity F1",
        "relation_f1": "relation F1",
        "perplexity": "perplexity",
        "token_accuracy": "token accuracy",
        "mean_nll": "mean negative log-likelihood",
        "hamming_loss": "Hamming loss",
    }
    if metric in names:
        return names[metric]
    return metric.replace("_f1", " F1").replace("_", " ")


def _wins_and_losses(task: str, result: dict[str, Any]) -> list[Finding]:
    found = []
    for metric, paired in result.get("significance", {}).items():
        low, high = paired["ci_low"], paired["ci_high"]
        if low <= 0 <= high:
            continue  # the test set does not support a difference either way
        verdict = better(metric, paired["difference"])
        direction = " (lower is better)" if metric in LOWER_IS_BETTER else ""
        text = (
            f"{task}: the vertical model is {'better' if verdict else 'worse'} on {metric_label(metric)}"
            f"{direction}: {paired['general']:.3f} → {paired['vertical']:.3f} "
            f"({paired['difference']:+.3f}, {paired.get('confidence', 0.95):.0%} interval "
            f"[{low:+.3f}, {high:+.3f}])"
        )
        found.append(Finding("good" if verdict else "bad", text))
    return found


def _collapse_of(result: dict[str, Any], variant: str) -> Collapse | None:
    """A variant's collapse: metrics.json's ``collapse`` record, else read off its confusion matrix."""
    recorded = result.get("collapse")
    if recorded is not None:
        found = recorded.get(variant)
        return Collapse(**found) if found else None
    matrix = result[variant].get("confusion_matrix")
    if not matrix or len(matrix) < 2:
        return None
    labels = result[variant].get("confusion_labels") or list(result[variant].get("per_class", {}))
    gold = [sum(row) for row in matrix]
    predicted = [sum(row[j] for row in matrix) for j in range(len(matrix[0]))]
    return collapse_of_counts(gold, predicted, labels)


def _collapsed(task: str, result: dict[str, Any]) -> list[Finding]:
    """A model that answers one class (or tags nothing), with what its training did about it."""
    found = []
    for variant in ("general", "vertical"):
        collapse = _collapse_of(result, variant)
        if collapse is None:
            continue
        guard = result.get("training", {}).get(variant, {}).get("collapse") or {}
        tried = ""
        if "retried_with" in guard:
            retried = guard["retried_with"]
            tried = f" even after a retry with {retried['epochs']:g} epochs and balanced class weights"
        text = (
            f"{task}: {collapse.describe(f'the {variant} model', 'test')}{tried}: it has not learnt the "
            "task; raise tasks[].epochs or learning_rate, or set class_weights: balanced"
        )
        found.append(Finding("bad", text))
    return found


def _low_f1(task: str, result: dict[str, Any], threshold: float) -> list[Finding]:
    found = []
    for variant in ("vertical", "general"):
        weak = [
            (label, scores["f1"], scores.get("support", 0))
            for label, scores in result[variant].get("per_class", {}).items()
            if scores.get("support", 1) and scores["f1"] < threshold
        ]
        classes = len(result[variant].get("per_class", {}))
        if weak and len(weak) > max(3, classes // 2):  # most classes: one line, the weakest named
            weakest = sorted(weak, key=lambda item: item[1])[:3]
            listed = ", ".join(f"{label} {f1:.3f}" for label, f1, _ in weakest)
            text = (
                f"{task}: {len(weak)} of the {variant} model's {classes} classes have F1 under "
                f"{threshold:g} (weakest: {listed}): the model has not learnt this task"
            )
            found.append(Finding("bad", text))
        elif weak:
            listed = ", ".join(f"{label} {f1:.3f} ({support} examples)" for label, f1, support in weak)
            text = f"{task}: {variant} model's classes with F1 under {threshold:g}: {listed}"
            found.append(Finding("bad", text))
    return found


def _mean_confidence(calibration: dict[str, Any]) -> float | None:
    bins = calibration.get("reliability", {})
    counts = bins.get("count") or []
    total = sum(counts)
    if not total:
        return None
    return sum(c * n for c, n in zip(bins["confidence"], counts, strict=True)) / total


def _calibration(task: str, result: dict[str, Any], gap: float) -> list[Finding]:
    general, vertical = result["general"], result["vertical"]
    if "ece" not in general or "ece" not in vertical or vertical["ece"] <= general["ece"] + gap:
        return []
    confidence = _mean_confidence(vertical.get("calibration", {}))
    bins = vertical.get("calibration", {}).get("reliability", {})
    counts = bins.get("count") or []
    accuracy = (
        sum(a * n for a, n in zip(bins.get("accuracy", []), counts, strict=True)) / sum(counts)
        if counts and sum(counts)
        else None
    )
    reading = ""
    if confidence is not None and accuracy is not None:
        leaning = "under-confident" if confidence < accuracy else "over-confident"
        reading = (
            f": it is right {accuracy:.0%} of the time but {confidence:.0%} sure on average ({leaning}); "
            "do not read its probabilities as chances without recalibrating (temperature scaling)"
        )
    return [
        Finding(
            "bad",
            f"{task}: the vertical model is worse calibrated than the general one, ECE {vertical['ece']:.3f} "
            f"against {general['ece']:.3f}{reading}",
        )
    ]


def _forgetting(pretrain: dict[str, Any] | None, threshold: float) -> list[Finding]:
    if not pretrain:
        return []
    if "forgetting" not in pretrain:
        return [
            Finding(
                "note",
                "forgetting was not measured: the recipe gives no general text; add "
                "pretrain.general_data (a JSONL or text file of general-domain text) to check it",
            )
        ]
    rise = pretrain["forgetting"]
    before = pretrain.get("general_perplexity_before")
    after = pretrain.get("general_perplexity_after")
    perplexities = f" (perplexity {before:.4g} → {after:.4g})" if before and after else ""
    if rise > threshold:
        return [
            Finding(
                "bad",
                f"forgetting: pretraining raised the loss on held-out general text by {rise:.3f} nats"
                f"{perplexities}; raise pretrain.replay_ratio or lower the learning rate",
            )
        ]
    return [Finding("note", f"forgetting: general-text loss changed by {rise:+.3f} nats{perplexities}")]


def findings(
    metrics: dict[str, Any],
    pretrain: dict[str, Any] | None = None,
    low_f1: float = LOW_F1,
    calibration_gap: float = CALIBRATION_GAP,
    forgetting: float = FORGETTING,
) -> list[Finding]:
    """What to look at first in a run's metrics (see the module docstring); `pretrain`: the pretrain
    stage's metrics, for forgetting."""
    found: list[Finding] = []
    for task, result in metrics["tasks"].items():
        found += _wins_and_losses(task, result)
    if not found and any(result.get("significance") for result in metrics["tasks"].values()):
        found.append(
            Finding(
                "note",
                "no headline difference is supported by the test set (every interval includes zero): "
                "more test examples or more training would be needed to tell the models apart",
            )
        )
    for task, result in metrics["tasks"].items():
        found += _collapsed(task, result)
        found += _low_f1(task, result, low_f1)
        found += _calibration(task, result, calibration_gap)
    found += _forgetting(pretrain, forgetting)
    return found

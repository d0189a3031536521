"""The "what to look at" box: built from predictions made to have a weak class and a calibration gap."""

import html
import re

import numpy as np
import pytest

from vertical.evaluate.compare import score_tasks
from vertical.evaluate.findings import findings
from vertical.evaluate.report import html_report
from vertical.io import atomic_write_json
from vertical.recipe import EvaluateConfig

LABELS = ["banking", "insurance", "semiconductors"]


@pytest.fixture
def flawed_metrics(tmp_path):
    """General: 80% right and 70% sure. Vertical: never says semiconductors (F1 0), right 67% of the
    time but only 34% sure of anything (badly under-confident)."""
    rng = np.random.default_rng(1)
    gold = np.repeat([0, 1, 2], 100)
    general = np.where(rng.random(300) < 0.7, gold, rng.integers(0, 3, 300))
    vertical = np.where(gold == 2, rng.integers(0, 2, 300), gold)
    for variant, predicted, top in (("general", general, 0.7), ("vertical", vertical, 0.34)):
        probabilities = np.full((300, 3), (1 - top) / 2)
        probabilities[np.arange(300), predicted] = top
        atomic_write_json(
            tmp_path / "sector" / variant / "predictions.json",
            {
                "task_type": "classification",
                "labels": LABELS,
                "gold": gold.tolist(),
                "predicted": predicted.tolist(),
                "probabilities": probabilities.tolist(),
            },
        )
    return score_tasks(EvaluateConfig(bootstrap_samples=200), ["sector"], tmp_path)


def test_the_box_names_the_weak_class_and_the_calibration_gap(flawed_metrics):
    pretrain = {"forgetting": 0.4, "general_perplexity_before": 20.0, "general_perplexity_after": 30.0}
    page = html_report(flawed_metrics, "bank", {"pretrain": pretrain})
    box = page[page.index('<section id="look">') : page.index("</section>")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", box))
    assert "vertical model's classes with F1 under 0.5: semiconductors 0.000 (100 examples)" in text
    vertical_ece = flawed_metrics["tasks"]["sector"]["vertical"]["ece"]
    general_ece = flawed_metrics["tasks"]["sector"]["general"]["ece"]
    assert vertical_ece > general_ece + 0.2
    assert f"worse calibrated than the general one, ECE {vertical_ece:.3f} against {general_ece:.3f}" in text
    assert "under-confident" in text and "34% sure on average" in text
    assert "forgetting: pretraining raised the loss on held-out general text by 0.400 nats" in text


def test_wins_are_read_in_the_metrics_direction_and_unsupported_ones_are_not_coloured(flawed_metrics):
    found = findings(flawed_metrics)
    paired = flawed_metrics["tasks"]["sector"]["significance"]["accuracy"]
    assert paired["ci_high"] < 0  # the vertical model is right less often, and the test set says so
    assert any(f.kind == "bad" and "worse on accuracy: 0.820 → 0.667" in f.text for f in found)
    lower = {"tasks": {"lm": {"significance": {"perplexity": {**paired, "metric": "perplexity"}}}}}
    drop = {"difference": -116.0, "ci_low": -130.0, "ci_high": -100.0}
    lower["tasks"]["lm"]["significance"]["perplexity"].update(drop)
    lower["tasks"]["lm"].update(general={"per_class": {}}, vertical={"per_class": {}})
    assert [f.kind for f in findings(lower)] == ["good"]  # a perplexity drop is a win
    tie = {"tasks": {"lm": {**lower["tasks"]["lm"]}}}
    tie["tasks"]["lm"]["significance"] = {"token_accuracy": {**paired, "ci_low": -0.01, "ci_high": 0.02}}
    assert "no headline difference is supported" in findings(tie)[0].text


def test_a_single_class_model_and_missing_forgetting_check_are_named(flawed_metrics):
    sector = flawed_metrics["tasks"]["sector"]
    sector["vertical"]["confusion_matrix"] = [[100, 0, 0], [100, 0, 0], [100, 0, 0]]
    del sector["collapse"]  # metrics.json from before the collapse record: read off the matrix
    texts = [f.text for f in findings(flawed_metrics, {"steps": 10})]
    collapsed = "sector: the vertical model predicts one class (banking) for 100% of the test examples"
    assert any(t.startswith(collapsed) and "raise tasks[].epochs" in t for t in texts)
    assert any(t.startswith("forgetting was not measured") and "pretrain.general_data" in t for t in texts)


def test_a_task_with_most_classes_weak_is_one_line_naming_the_weakest(flawed_metrics):
    sector = flawed_metrics["tasks"]["sector"]
    sector["vertical"]["per_class"] = {f"class{i}": {"f1": 0.1 * i, "support": 10} for i in range(8)}
    texts = [f.text for f in findings(flawed_metrics)]
    assert any(
        "5 of the vertical model's 8 classes have F1 under 0.5 (weakest: class0 0.000, class1 0.100" in t
        for t in texts
    ), texts

"""The HTML report: self-contained, and readable by a real browser (headless Chromium)."""

import re
import shutil
import subprocess

import numpy as np
import pytest

from vertical.evaluate.compare import score_tasks
from vertical.evaluate.report import html_report, markdown_report
from vertical.io import atomic_write_json
from vertical.recipe import EvaluateConfig


def _write_predictions(finetune_dir, task, variant, record):
    atomic_write_json(finetune_dir / task / variant / "predictions.json", record)


@pytest.fixture
def metrics(tmp_path):
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 3, 120)
    labels_gold = rng.integers(0, 2, (60, 3))
    for variant, skill in (("general", 0.6), ("vertical", 0.85)):
        predicted = np.where(rng.random(120) < skill, gold, rng.integers(0, 3, 120))
        probabilities = np.full((120, 3), 0.1)
        probabilities[np.arange(120), predicted] = 0.8
        _write_predictions(
            tmp_path,
            "intent",
            variant,
            {
                "task_type": "classification",
                "labels": ["card", "loan", "fx"],
                "gold": gold.tolist(),
                "predicted": predicted.tolist(),
                "probabilities": probabilities.tolist(),
            },
        )
        _write_predictions(
            tmp_path,
            "disease",
            variant,
            {
                "task_type": "ner",
                "labels": ["O", "B-D", "I-D"],
                "gold": [["B-D", "I-D", "O"], ["O", "B-D"]] * 10,
                "predicted": [["B-D", "I-D", "O"], ["O", "O" if variant == "general" else "B-D"]] * 10,
                "confidence": [[0.9, 0.8, 0.99], [0.7, 0.6]] * 10,
            },
        )
        labels_predicted = np.where(rng.random((60, 3)) < skill, labels_gold, 1 - labels_gold)
        _write_predictions(
            tmp_path,
            "topics",
            variant,
            {
                "task_type": "multilabel",
                "labels": ["macro", "tech", "rates"],
                "gold": labels_gold.tolist(),
                "predicted": labels_predicted.tolist(),
                "probabilities": np.where(labels_predicted == 1, 0.8, 0.2).tolist(),
            },
        )
        _write_predictions(
            tmp_path,
            "treats",
            variant,
            {
                "task_type": "relation",
                "negative_label": "none",
                "labels": ["card", "loan", "none"],
                "gold": gold.tolist(),
                "predicted": predicted.tolist(),
                "probabilities": probabilities.tolist(),
            },
        )
        atomic_write_json(
            tmp_path / "intent" / variant / "training.json",
            {
                "loss": [[1, 1.1], [2, 0.8], [3, 0.7]],
                "validation_loss": [[2, 0.9], [3, 1.0]],
                "epochs_trained": 2.0,
                "stopped_early": True,
                "best_step": 2,
                "hyperparameters": {"learning_rate": 3e-5, "epochs": 4, "batch_size": 16},
            },
        )
        atomic_write_json(
            tmp_path / "intent" / variant / "search.json",
            {
                "metric": "accuracy",
                "best_params": {"learning_rate": 3e-5, "epochs": 4, "batch_size": 16},
                "best_value": 0.8,
                "trials": [
                    {
                        "number": 0,
                        "params": {"learning_rate": 1e-5, "epochs": 2, "batch_size": 32},
                        "value": 0.6,
                    },
                    {
                        "number": 1,
                        "params": {"learning_rate": 3e-5, "epochs": 4, "batch_size": 16},
                        "value": 0.8,
                    },
                ],
            },
        )
    tasks = ["intent", "disease", "topics", "treats"]
    return score_tasks(EvaluateConfig(bootstrap_samples=200), tasks, tmp_path)


STAGES = {
    "data": {
        "documents_read": 1200,
        "documents_dropped": {"too_short": 12, "near_duplicate": 30},
        "personal_data_found": {"EMAIL": 3},
    },
    "tokenizer": {"fertility_before": 1.4213, "fertility_after": 1.2121, "top_terms": ["basel", "tier-1"]},
    "knowledge": {
        "triples": 900,
        "linking": {
            "train": {"mentions": 50, "documents": 20},
            "validation": {"mentions": 4, "documents": 2},
        },
    },
    "pretrain": {"domain_mlm_loss_after": 2.5, "forgetting": 0.031},
}


def test_metrics_keep_the_foundation_shape_and_add_significance(metrics):
    intent = metrics["tasks"]["intent"]
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix", "ece"} <= set(intent["general"])
    assert intent["difference"]["accuracy"] == pytest.approx(
        intent["vertical"]["accuracy"] - intent["general"]["accuracy"], abs=1e-4
    )
    assert set(intent["significance"]) == {"accuracy", "macro_f1"}
    paired = intent["significance"]["accuracy"]
    assert paired["ci_low"] <= paired["difference"] <= paired["ci_high"]
    assert set(metrics["tasks"]["disease"]["significance"]) == {"entity_f1", "macro_f1"}


def test_report_is_self_contained_with_headline_intervals(metrics):
    page = html_report(metrics, "bank: vertical vs general", {"tokenizer": {"fertility_after": 1.21}}, {})
    assert page.startswith("<!doctype html>")
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", page)  # nothing fetched from elsewhere
    assert page.count("data:image/png;base64,") >= 5
    headline = page[page.index("<table id='headline'>") : page.index("</table>")]
    interval = metrics["tasks"]["intent"]["significance"]["accuracy"]
    assert f"[{interval['ci_low']:+.3f}, {interval['ci_high']:+.3f}]" in headline
    assert "tokens per word after" in page  # plain words, not the key fertility_after
    assert "| intent | accuracy |" in markdown_report(metrics, "t")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


def test_headless_chromium_renders_the_headline_table_and_plots(metrics, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium not installed (Debian: apt-get install chromium); the browser check is skipped")
    page = tmp_path / "report.html"
    page.write_text(html_report(metrics, "bank: vertical vs general"), encoding="utf-8")
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    table = re.search(r'<table id="headline">(.*?)</table>', dom, re.S)
    assert table is not None, "the headline table is missing from the rendered page"
    cell = r'\s*<td class="text">'
    assert re.search(rf"<td>intent</td>{cell}classification</td>{cell}accuracy", table.group(1))
    assert re.search(rf"<td>disease</td>{cell}ner</td>{cell}entity F1", table.group(1))
    shown = re.search(r'data-images-shown="(\d+)"', dom)
    assert shown is not None and int(shown.group(1)) >= 5, "the browser did not decode the embedded plots"


def test_every_task_type_has_its_bars_confusion_intervals_and_calibration(metrics, tmp_path):
    from vertical.evaluate.report import read_training_logs

    assert set(metrics["tasks"]["intent"]["search"]) == {"general", "vertical"}
    assert metrics["tasks"]["intent"]["training"]["general"]["stopped_early"] is True
    curves = read_training_logs(tmp_path, ["intent"])
    assert curves["intent"]["general"]["validation_loss"] == [[2, 0.9], [3, 1.0]]
    page = html_report(metrics, "t", None, curves)
    headline = page[page.index("<table id='headline'>") : page.index("</table>")]
    for task, kind in (
        ("intent", "classification"),
        ("disease", "ner"),
        ("topics", "multilabel"),
        ("treats", "relation"),
    ):
        assert f'<td>{task}</td><td class="text">{kind}</td>' in headline
        section = page[page.index(f"id='task-{task}'") :]
        section = section[: section.index("</section>")]
        assert f'alt="{task}: F1 per class"' in section
        assert f'alt="{task}: reliability diagram"' in section
        assert "Expected calibration error" in section
        if kind == "multilabel":
            assert "confusion per label" in section
        else:
            assert f'alt="{task}: confusion matrices"' in section
    intent = page[page.index("id='task-intent'") :]
    assert 'alt="intent: training loss"' in intent
    assert "Hyper-parameter search" in intent and "stopped after 2 epochs, step 2 restored" in intent
    assert "<td class='up'>0.8000</td>" in intent  # the best trial marked
    assert "Search (general, 2 trials" in markdown_report(metrics, "t")


def test_earlier_stages_are_small_tables_not_skipped(metrics):
    page = html_report(metrics, "t", STAGES)
    stages = page[page.index("<h2>Earlier stages</h2>") :]
    assert "<caption>documents dropped</caption><tr><td>too short</td><td>12</td></tr>" in stages
    assert "<td>top terms</td><td>basel, tier-1</td>" in stages
    assert "<td>tokens per word after</td><td>1.212</td>" in stages
    # a dict of dicts is a grid: a row per split, a column per count
    assert (
        "<tr><th></th><th>mentions</th><th>documents</th></tr><tr><td>train</td><td>50</td><td>20</td></tr>"
        in stages
    )
    assert "<td>forgetting (general-text loss after − before, nats)</td><td>0.031</td>" in stages
    assert "the forgetting check" in stages


def test_a_difference_is_coloured_in_its_metrics_direction_only_where_its_interval_excludes_zero():
    from vertical.evaluate.report import difference_verdict

    supported_drop = {"ci_low": -130.0, "ci_high": -100.0}
    assert difference_verdict("perplexity", supported_drop, -116.0) == "up"  # lower perplexity: better
    assert difference_verdict("ece", {"ci_low": 0.4, "ci_high": 0.6}, 0.5) == "down"  # higher ECE: worse
    assert difference_verdict("token_accuracy", {"ci_low": -0.01, "ci_high": 0.02}, 0.004) == ""  # p = 0.57
    assert difference_verdict("accuracy", None, 0.1) == ""  # no interval, no colour


def test_pretraining_curves_are_read_back_from_tensorboard_events(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    from vertical.evaluate.report import read_pretrain_curves

    writer = SummaryWriter(str(tmp_path / "tensorboard"))
    for step, loss in ((10, 3.0), (20, 2.0)):
        writer.add_scalar("train/loss", loss, step)
        writer.add_scalar("train/mlm_loss", loss - 0.5, step)
        writer.add_scalar("train/learning_rate", 1e-4, step)
    writer.add_scalar("train/train_loss", 2.5, 20)
    writer.close()
    assert read_pretrain_curves(tmp_path) == {
        "loss": [[10, 3.0], [20, 2.0]],
        "mlm_loss": [[10, 2.5], [20, 1.5]],
    }


def test_the_report_states_the_configured_coverage_not_95(metrics, tmp_path):
    # score the same predictions with a 90% interval: the page and the markdown must say 90%
    cfg = EvaluateConfig(bootstrap_samples=200, confidence=0.9)
    narrower = score_tasks(cfg, ["intent"], tmp_path)
    page = html_report(narrower, "t", {}, {})
    assert "90% interval" in page and "95%" not in page
    assert "Interval: 90%" in markdown_report(narrower, "t")
    paired = narrower["tasks"]["intent"]["significance"]["accuracy"]
    wider = metrics["tasks"]["intent"]["significance"]["accuracy"]
    assert paired["ci_high"] - paired["ci_low"] <= wider["ci_high"] - wider["ci_low"] + 1e-9

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
    return score_tasks(EvaluateConfig(bootstrap_samples=200), ["intent", "disease"], tmp_path)


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
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)  # nothing fetched from elsewhere
    assert page.count("data:image/png;base64,") >= 5
    headline = page[page.index("<table id='headline'>") : page.index("</table>")]
    interval = metrics["tasks"]["intent"]["significance"]["accuracy"]
    assert f"[{interval['ci_low']:+.3f}, {interval['ci_high']:+.3f}]" in headline
    assert "fertility_after" in page
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
    assert re.search(r"<td>intent</td>\s*<td>classification</td>\s*<td>accuracy</td>", table.group(1))
    assert re.search(r"<td>disease</td>\s*<td>ner</td>\s*<td>entity_f1</td>", table.group(1))
    shown = re.search(r'data-images-shown="(\d+)"', dom)
    assert shown is not None and int(shown.group(1)) >= 5, "the browser did not decode the embedded plots"

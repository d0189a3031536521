"""The evaluate stage: score the general and the vertical model of every task side by side.

Writes into its output folder::

    metrics.json   {"tasks": {"<task>": {"general": {...}, "vertical": {...}, "difference": {...}}}}
    report.md      the comparison table and per-class F1
    report.html    the same with a plot, self-contained
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertical.evaluate.metrics import classification_metrics
from vertical.evaluate.report import html_report, markdown_report
from vertical.finetune import VARIANTS, read_predictions
from vertical.io import atomic_write_json, atomic_write_text
from vertical.run import StageOutput


def compare_variants(
    task_names: list[str],
    finetune_dir: Path,
    output_dir: Path,
    title: str,
    stage_metrics: dict[str, Any] | None = None,
) -> StageOutput:
    """Compute metrics.json and the reports from the finetune stage's predictions."""
    tasks: dict[str, Any] = {}
    for task in task_names:
        result: dict[str, Any] = {}
        for variant in VARIANTS:
            predictions = read_predictions(finetune_dir, task, variant)
            result[variant] = classification_metrics(
                predictions["gold"], predictions["predicted"], predictions["labels"]
            )
        result["difference"] = {
            metric: round(result["vertical"][metric] - result["general"][metric], 4)
            for metric in ("accuracy", "macro_precision", "macro_recall", "macro_f1")
        }
        tasks[task] = result
    metrics = {"tasks": tasks}
    atomic_write_json(output_dir / "metrics.json", metrics)
    atomic_write_text(output_dir / "report.md", markdown_report(metrics, title))
    atomic_write_text(output_dir / "report.html", html_report(metrics, title, stage_metrics))
    headline = {
        task: {
            f"{variant}_{metric}": result[variant][metric]
            for variant in VARIANTS
            for metric in ("accuracy", "macro_f1")
        }
        for task, result in tasks.items()
    }
    return StageOutput(metrics=headline)

"""The evaluate stage: score the general and the vertical model of every task side by side.

Writes into its output folder::

    metrics.json   {"tasks": {"<task>": {"task_type": ..., "general": {...}, "vertical": {...},
                    "difference": {...}, "significance": {"<metric>": {difference, ci_low, ci_high,
                    p_value, ...}}, "training": {"<variant>": {hyperparameters, epochs_trained,
                    stopped_early, collapse, ...}}, "search": {"<variant>": {metric, best_params, trials}},
                    "collapse": {"<variant>": {label, share, gold_share, classes} or null}}}}
    report.md      the comparison table and per-class F1
    report.html    everything, plots embedded, one self-contained file
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vertical.collapse import detect_collapse
from vertical.errors import VerticalError
from vertical.evaluate.config import EvaluateConfig
from vertical.evaluate.provenance import provenance
from vertical.evaluate.report import html_report, markdown_report, read_pretrain_curves, read_training_logs
from vertical.evaluate.scoring import compare_predictions, score_predictions, task_type
from vertical.io import atomic_write_json, atomic_write_text
from vertical.predictions import VARIANTS, read_predictions
from vertical.run import StageOutput, completed_stage, read_manifest

_DIFFERENCES = (
    "exact_match",
    "token_f1",
    "perplexity",
    "token_accuracy",
    "accuracy",
    "micro_f1",
    "macro_precision",
    "macro_recall",
    "macro_f1",
    "weighted_f1",
    "entity_f1",
    "relation_f1",
    "ece",
)


def score_tasks(
    cfg: EvaluateConfig, task_names: list[str], finetune_dir: Path, seed: int = 0
) -> dict[str, Any]:
    """metrics.json's content: per task, both variants' metrics, their differences and significance."""
    tasks: dict[str, Any] = {}
    for task in task_names:
        predictions = {variant: read_predictions(finetune_dir, task, variant) for variant in VARIANTS}
        result: dict[str, Any] = {"task_type": task_type(predictions["general"])}
        for variant in VARIANTS:
            result[variant] = score_predictions(predictions[variant], cfg.calibration_bins)
        result["difference"] = {
            metric: round(result["vertical"][metric] - result["general"][metric], 4)
            for metric in _DIFFERENCES
            if metric in result["general"]
        }
        result["significance"] = {
            paired.metric: paired.as_dict()
            for paired in compare_predictions(
                predictions["general"], predictions["vertical"], cfg.bootstrap_samples, cfg.confidence, seed
            )
        }
        result["collapse"] = {  # a model that answers one class (vertical.collapse); None: it does not
            variant: found.as_dict() if (found := detect_collapse(predictions[variant])) else None
            for variant in VARIANTS
        }
        result |= _training_records(finetune_dir, task)
        tasks[task] = result
    return {"tasks": tasks, "confidence": cfg.confidence}  # the intervals' coverage, for the report


def _training_records(finetune_dir: Path, task: str) -> dict[str, Any]:
    """``search`` (each variant's search.json) and ``training`` (the hyper-parameters used, epochs
    trained, early stopping; the curves stay in training.json) of one task, where the finetune stage
    wrote them."""
    records: dict[str, Any] = {}
    for variant in VARIANTS:
        folder = Path(finetune_dir) / task / variant
        if (folder / "search.json").is_file():
            search = json.loads((folder / "search.json").read_text(encoding="utf-8"))
            records.setdefault("search", {})[variant] = search
        if (folder / "training.json").is_file():
            training = json.loads((folder / "training.json").read_text(encoding="utf-8"))
            summary = {k: v for k, v in training.items() if k not in ("loss", "validation_loss")}
            records.setdefault("training", {})[variant] = summary
    return records


def compare_variants(
    cfg: EvaluateConfig,
    task_names: list[str],
    finetune_dir: Path,
    output_dir: Path,
    title: str,
    stage_metrics: dict[str, Any] | None = None,
    seed: int = 0,
) -> StageOutput:
    """Compute metrics.json and the reports from the finetune stage's predictions."""
    metrics = score_tasks(cfg, task_names, finetune_dir, seed)
    atomic_write_json(output_dir / "metrics.json", metrics)
    atomic_write_text(output_dir / "report.md", markdown_report(metrics, title))
    curves = read_training_logs(finetune_dir, task_names)
    run_dir = Path(finetune_dir).parent  # runs/<name>: the pretrain stage's curves, the provenance
    page = html_report(
        metrics,
        title,
        stage_metrics,
        curves,
        pretrain_curves=read_pretrain_curves(run_dir / "pretrain"),
        provenance=provenance(run_dir),
    )
    atomic_write_text(output_dir / "report.html", page)
    headline = {
        task: {
            f"{variant}_{paired['metric']}": paired[variant]
            for paired in result["significance"].values()
            for variant in VARIANTS
        }
        for task, result in metrics["tasks"].items()
    }
    return StageOutput(metrics=headline)


def rebuild_report(run_dir: Path, output: Path | None = None) -> Path:
    """Rebuild a run's report.html from its folder alone: the finetune stage's predictions and
    training curves, the evaluate stage's settings and the earlier stages' manifests.

    Returns:
        Where the report was written: `output`, or ``run_dir/report.html``.
    """
    run_dir = Path(run_dir)
    finetune_dir = run_dir / "finetune"
    finetune_manifest = read_manifest(finetune_dir)
    if finetune_manifest is None:
        raise VerticalError(
            f"{run_dir}: no completed finetune stage (finetune/manifest.json); "
            "pass a run folder written by `vertical run`"
        )
    task_names = [task["name"] for task in finetune_manifest.get("config", {}).get("tasks", [])]
    evaluate_settings = dict((read_manifest(run_dir / "evaluate") or {}).get("config", {}))
    seed = int(evaluate_settings.pop("seed", finetune_manifest.get("config", {}).get("seed", 0)))
    cfg = EvaluateConfig.model_validate(evaluate_settings)
    metrics = score_tasks(cfg, task_names, finetune_dir, seed)
    earlier = {  # the folder of a stage the recipe dropped is not read
        name: (read_manifest(folder) or {}).get("metrics", {})
        for name in ("data", "knowledge", "tokenizer", "pretrain")
        if (folder := completed_stage(run_dir, name)) is not None
    }
    curves = read_training_logs(finetune_dir, task_names)
    target = Path(output) if output else run_dir / "report.html"
    summary_file = run_dir / "ablation" / "summary.json"  # written by `vertical ablate`
    ablation = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.is_file() else None
    title = f"{run_dir.name}: vertical vs general"
    page = html_report(
        metrics,
        title,
        earlier,
        curves,
        ablation,
        pretrain_curves=read_pretrain_curves(run_dir / "pretrain"),
        provenance=provenance(run_dir),
    )
    atomic_write_text(target, page)
    return target

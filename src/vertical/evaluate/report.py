"""The report: vertical vs general on every task, as Markdown and as one self-contained HTML file.

The HTML embeds its plots as base64 PNG (matplotlib), so it can be mailed or archived alone. It
opens with "what to look at" (`findings`), then the headline table (each headline metric with its
bootstrap interval and p-value, coloured by the metric's direction only where the interval excludes
zero); per task: all metrics, per-class bars and confusion matrices with their numbers, reliability
diagrams and training curves; pretraining's loss curve and the forgetting check; the numbers of the
earlier stages; and where it all came from (`provenance`). The page is rendered from the jinja2
template ``templates/report.html`` with autoescaping: every value from a run is escaped.
`rebuild_report` rebuilds it from a run folder alone (``vertical report RUN_DIR``).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from vertical.evaluate import plots
from vertical.evaluate.findings import findings, metric_label
from vertical.evaluate.scoring import LOWER_IS_BETTER, better
from vertical.evaluate.training_logs import read_pretrain_curves, read_training_logs

__all__ = ["comparison_rows", "html_report", "markdown_report", "read_pretrain_curves", "read_training_logs"]

_FALLBACK_HEADLINE = ("accuracy", "macro_f1")
_COUNTS = ("tp", "fp", "fn", "tn")
_TABLE_METRICS = (
    "exact_match",  # question answering (instruct tasks)
    "token_f1",
    "perplexity",
    "mean_nll",
    "token_accuracy",
    "accuracy",
    "entity_f1",
    "relation_f1",
    "micro_precision",
    "micro_recall",
    "micro_f1",
    "macro_precision",
    "macro_recall",
    "macro_f1",
    "weighted_precision",
    "weighted_recall",
    "weighted_f1",
    "hamming_loss",
    "ece",
)


def comparison_rows(metrics: dict[str, Any]) -> list[tuple[str, str, float, float, float]]:
    """(task, metric, general, vertical, vertical - general) for the headline metrics of each task."""
    rows = []
    for task, result in metrics["tasks"].items():
        headline = tuple(result.get("significance", {})) or _FALLBACK_HEADLINE
        for metric in headline:
            general, vertical = result["general"][metric], result["vertical"][metric]
            rows.append((task, metric, general, vertical, round(vertical - general, 4)))
    return rows


def _interval(result: dict[str, Any], metric: str) -> tuple[str, str]:
    paired = result.get("significance", {}).get(metric)
    if not paired:
        return "", ""
    # no resample on the other side of zero: p is below the resolution of the bootstrap
    resolution = 1 / paired["bootstrap_samples"]
    p_value = f"{paired['p_value']:.3f}" if paired["p_value"] > 0 else f"< {resolution:.3f}"
    return f"[{paired['ci_low']:+.3f}, {paired['ci_high']:+.3f}]", p_value


def coverage(metrics: dict[str, Any]) -> str:
    """The intervals' coverage as the report writes it: ``evaluate.confidence`` 0.9 is "90%"."""
    return f"{100 * float(metrics.get('confidence', 0.95)):.4g}%"


def markdown_report(metrics: dict[str, Any], title: str) -> str:
    """The comparison as a Markdown document, "what to look at" first."""
    marks = {"good": "**win:** ", "bad": "**look:** ", "note": ""}
    look = [f"{marks[finding.kind]}{finding.text}" for finding in findings(metrics)]
    lines = [
        f"# {title}",
        "",
        "## What to look at",
        "",
        *(f"- {line}" for line in look),
        "",
        "Every task was fine-tuned twice with the same data, budget and seed: once from the "
        "general base model and once from the vertical (domain-pretrained) one. "
        f"Interval: {coverage(metrics)} "
        "paired bootstrap of vertical - general over the test examples; p: two-sided bootstrap p-value.",
        "",
        "| task | metric | general | vertical | difference | interval | p |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for task, metric, general, vertical, difference in comparison_rows(metrics):
        interval, p_value = _interval(metrics["tasks"][task], metric)
        lines.append(
            f"| {task} | {metric} | {general:.3f} | {vertical:.3f} | {difference:+.3f} "
            f"| {interval} | {p_value} |"
        )
    for task, result in metrics["tasks"].items():
        lines += [
            "",
            f"## {task}: per class (F1)",
            "",
            "| class | general | vertical | support |",
            "| --- | ---: | ---: | ---: |",
        ]
        for label, scores in result["general"]["per_class"].items():
            vertical = result["vertical"]["per_class"][label]
            lines.append(f"| {label} | {scores['f1']:.3f} | {vertical['f1']:.3f} | {scores['support']} |")
        for variant, search in result.get("search", {}).items():
            lines += [
                "",
                f"Search ({variant}, {len(search['trials'])} trials on the validation split): best "
                f"{search['best_params']}, validation {search['metric']} {search['best_value']:.3f}.",
            ]
        for variant, record in result.get("training", {}).items():
            if record.get("stopped_early"):
                lines += [
                    "",
                    f"Early stopping ({variant}): stopped after {record['epochs_trained']:g} epochs; "
                    f"the weights of step {record.get('best_step')} (best validation loss) were kept.",
                ]
    return "\n".join(lines) + "\n"


def _image(png: bytes, alt: str) -> dict[str, str]:
    return {"alt": alt, "src": "data:image/png;base64," + base64.b64encode(png).decode("ascii")}


def difference_verdict(metric: str, paired: dict[str, Any] | None, difference: float) -> str:
    """CSS class of a difference: ``up``/``down`` when it favours / hurts the vertical model in the
    metric's direction AND its interval excludes zero; no colour for a difference the test set does
    not support (or one without an interval)."""
    if not paired or paired["ci_low"] <= 0 <= paired["ci_high"]:
        return ""
    verdict = better(metric, difference)
    return "" if verdict is None else "up" if verdict else "down"


def _direction(metric: str) -> str:
    return "lower is better" if metric in LOWER_IS_BETTER else "higher is better"


# Plain words for the keys the stages write (the rest: underscores become spaces).
_LABELS = {
    "characters_per_second": "characters per second",
    "documents_read": "documents read",
    "documents_kept": "documents kept",
    "ece": "expected calibration error (ECE)",
    "mlm": "masked-LM",
    "domain_mlm_loss_before": "domain masked-LM loss before",
    "domain_mlm_loss_after": "domain masked-LM loss after",
    "general_mlm_loss_before": "general-text masked-LM loss before",
    "general_mlm_loss_after": "general-text masked-LM loss after",
    "tokens_per_second_approx": "tokens per second (approx.)",
    "tokens_seen_approx": "tokens seen (approx.)",
    "bf16": "bfloat16 training",
    "forgetting": "forgetting (general-text loss after − before, nats)",
    "replay_ratio": "share of general text replayed",
    "base_has_trained_mlm_head": "base model had a trained masked-LM head",
    "fertility_before": "tokens per word before",
    "fertility_after": "tokens per word after",
}


def plain(key: str) -> str:
    """A metrics key in plain words: ``characters_per_second`` -> ``characters per second``."""
    if key in _LABELS:
        return _LABELS[key]
    return " ".join(_LABELS.get(part, part) for part in str(key).split(".")).replace("_", " ")


def _value(value: Any) -> str:
    """A metric value as table text: floats to 4 significant digits, lists comma-separated."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "—"}[value]
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        shown = ", ".join(_value(item) for item in value[:20])
        return shown + (f", … ({len(value)} in all)" if len(value) > 20 else "")
    return str(value)


def _flatten(values: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items = []
    for key, value in values.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items


def _small_table(name: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """A dict-valued metric as its own table: a grid when every value is a dict of numbers (rows by
    key, a column per inner key), else key and value per row (deeper levels dotted)."""
    if values and all(isinstance(v, dict) and v for v in values.values()):
        columns = list(dict.fromkeys(inner for v in values.values() for inner in v))
        if not any(isinstance(v.get(c), dict) for v in values.values() for c in columns):
            return {
                "caption": plain(name),
                "columns": [plain(c) for c in columns],
                "rows": [
                    [plain(key)] + [_value(row.get(c, "")) for c in columns] for key, row in values.items()
                ],
            }
    rows = [[plain(key), _value(value)] for key, value in _flatten(values)]
    return {"caption": plain(name), "columns": None, "rows": rows} if rows else None


_STAGE_TITLES = {
    "data": "data: the corpus",
    "knowledge": "knowledge: the graph and its links",
    "tokenizer": "tokenizer: fertility and unknown rate",
    "pretrain": "pretrain: domain losses and the forgetting check",
}


def _stages(stage_metrics: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The earlier stages' numbers: per stage its plain values and a small table per dict-valued one."""
    sections = []
    for stage, values in (stage_metrics or {}).items():
        values = values or {}
        plain_rows = [[plain(k), _value(v)] for k, v in values.items() if not isinstance(v, dict)]
        nested = [t for k, v in values.items() if isinstance(v, dict) and (t := _small_table(k, v))]
        if plain_rows or nested:
            sections.append(
                {"id": stage, "title": _STAGE_TITLES.get(stage, stage), "rows": plain_rows, "tables": nested}
            )
    return sections


def _headline(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for task, metric, general, vertical, difference in comparison_rows(metrics):
        result = metrics["tasks"][task]
        paired = result.get("significance", {}).get(metric)
        interval, p_value = _interval(result, metric)
        rows.append(
            {
                "task": task,
                "type": result.get("task_type", "classification"),
                "metric": metric_label(metric),
                "direction": _direction(metric),
                "general": f"{general:.3f}",
                "vertical": f"{vertical:.3f}",
                "difference": f"{difference:+.3f}",
                "verdict": difference_verdict(metric, paired, difference),
                "interval": interval,
                "p": p_value,
            }
        )
    return rows


def _metric_rows(result: dict[str, Any]) -> list[dict[str, str]]:
    general, vertical = result["general"], result["vertical"]
    significance = result.get("significance", {})
    return [
        {
            "metric": metric_label(metric),
            "direction": _direction(metric),
            "general": f"{general[metric]:.4f}",
            "vertical": f"{vertical[metric]:.4f}",
            "difference": f"{vertical[metric] - general[metric]:+.4f}",
            "verdict": difference_verdict(
                metric, significance.get(metric), vertical[metric] - general[metric]
            ),
        }
        for metric in _TABLE_METRICS
        if metric in general and metric in vertical
    ]


def _training_rows(training: dict[str, dict]) -> list[list[str]]:
    rows = []
    for variant, record in training.items():
        used = record.get("hyperparameters", {})
        stopped = (
            f"stopped after {record['epochs_trained']:g} epochs, step {record.get('best_step')} restored"
            if record.get("stopped_early")
            else ""
        )
        rows.append(
            [
                variant,
                str(used.get("learning_rate", "")),
                str(used.get("epochs", "")),
                str(used.get("batch_size", "")),
                str(record.get("epochs_trained", "")),
                stopped,
            ]
        )
    return rows


def _search(search: dict[str, dict]) -> dict[str, Any]:
    rows, metric = [], ""
    for variant, record in search.items():
        metric = record.get("metric", metric)
        for trial in record.get("trials", []):
            params = trial["params"]
            rows.append(
                {
                    "variant": variant,
                    "number": trial["number"],
                    "learning_rate": f"{params.get('learning_rate', 0):.2e}",
                    "epochs": params.get("epochs", ""),
                    "batch_size": params.get("batch_size", ""),
                    "value": f"{trial['value']:.4f}",
                    "best": trial["value"] == record.get("best_value"),
                }
            )
    return {"metric": metric, "rows": rows}


def _calibration_reading(result: dict[str, Any]) -> list[str]:
    lines = []
    for variant in ("general", "vertical"):
        bins = result[variant].get("calibration", {}).get("reliability", {})
        counts = bins.get("count") or []
        if not counts or not sum(counts):
            continue
        total = sum(counts)
        confidence = sum(c * n for c, n in zip(bins["confidence"], counts, strict=True)) / total
        accuracy = sum(a * n for a, n in zip(bins["accuracy"], counts, strict=True)) / total
        lines.append(
            f"{variant}: ECE {result[variant]['ece']:.3f}; right {accuracy:.0%} of the time, "
            f"{confidence:.0%} sure on average"
        )
    return lines


def _task(task: str, result: dict[str, Any], curves: dict[str, dict]) -> dict[str, Any]:
    general, vertical = result["general"], result["vertical"]
    labels = list(general["per_class"])
    images = []
    if labels:
        images.append(
            _image(
                plots.per_class_plot(
                    labels,
                    [general["per_class"][label]["f1"] for label in labels],
                    [vertical["per_class"][label]["f1"] for label in labels],
                    "F1",
                ),
                f"{task}: F1 per class",
            )
        )
    if "confusion_matrix" in general:
        matrices = {"general": general["confusion_matrix"], "vertical": vertical["confusion_matrix"]}
        confusion_labels = general.get("confusion_labels", labels)
        images.append(_image(plots.confusion_plot(matrices, confusion_labels), f"{task}: confusion matrices"))
    label_confusion = None
    if "label_confusion" in general:
        label_confusion = [
            [label]
            + [
                str(counts[k])
                for counts in (general["label_confusion"][label], vertical["label_confusion"][label])
                for k in _COUNTS
            ]
            for label in general["label_confusion"]
        ]
    calibration = None
    if "calibration" in general:
        reliability = {v: result[v]["calibration"]["reliability"] for v in ("general", "vertical")}
        calibration = {
            "general": f"{general['ece']:.3f}",
            "vertical": f"{vertical['ece']:.3f}",
            "reading": _calibration_reading(result),
            "image": _image(plots.reliability_plot(reliability), f"{task}: reliability diagram"),
        }
    samples = [
        {
            "prompt": g["prompt"],
            "reference": g["reference"],
            "general": g["generated"],
            "vertical": v["generated"],
        }
        for g, v in zip(general.get("samples") or [], vertical.get("samples") or [], strict=False)
    ]
    curve = None
    if any(c.get("loss") for c in curves.values()):
        curve = _image(plots.training_curve_plot(curves), f"{task}: training loss")
    return {
        "name": task,
        "type": result.get("task_type", "classification"),
        "metrics": _metric_rows(result),
        "images": images,
        "label_confusion": label_confusion,
        "calibration": calibration,
        "samples": samples,
        "curve": curve,
        "training": _training_rows(result.get("training", {})),
        "search": _search(result["search"]) if result.get("search") else None,
    }


def _pretraining(
    stage_metrics: dict[str, Any] | None, curves: dict[str, list] | None
) -> dict[str, Any] | None:
    pretrain = (stage_metrics or {}).get("pretrain")
    if not pretrain and not curves:
        return None
    pretrain = pretrain or {}
    domain = [
        (plain(key), _value(pretrain[key]))
        for key in ("domain_perplexity_before", "domain_perplexity_after", "train_loss", "steps")
        if key in pretrain
    ]
    forgetting = None
    if "forgetting" in pretrain:
        forgetting = [
            [plain(key), _value(pretrain[key])]
            for key in pretrain
            if key.startswith("general_") or key in ("forgetting", "replay_ratio")
        ]
    return {
        "curve": _image(plots.pretrain_curve_plot(curves), "pretraining loss") if curves else None,
        "domain": domain,
        "forgetting": forgetting,
    }


def _ablation(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ablation's variants side by side: mean ± std over seeds, each seed's score, and a plot."""
    if not summary or not summary.get("variants"):
        return None
    changes = summary.get("changes", {})
    rows, plot_data = [], {}
    for variant, entry in summary["variants"].items():
        change = json.dumps(changes.get(variant, {}), separators=(", ", ": "))
        for task, task_scores in entry["tasks"].items():
            for metric, scores in task_scores.items():
                cells = [
                    f"{s['mean']:.3f} ± {s['std']:.3f}"
                    for s in (scores["summary"][side] for side in ("general", "vertical", "difference"))
                ]
                rows.append(
                    [
                        variant,
                        change,
                        task,
                        metric,
                        str(len(entry["seeds"])),
                        *cells,
                        ", ".join(f"{value:.3f}" for value in scores["vertical"]),
                    ]
                )
                plot = plot_data.setdefault((task, metric), {"variants": [], "general": [], "vertical": []})
                plot["variants"].append(variant)
                plot["general"].append(scores["general"])
                plot["vertical"].append(scores["vertical"])
    images = [
        _image(plots.ablation_plot(data["variants"], data, metric), f"ablation: {task} {metric}")
        for (task, metric), data in plot_data.items()
    ]
    return {
        "seeds": str(summary.get("seeds", "")),
        "rows": rows,
        "images": images,
        "missing": ", ".join(summary.get("missing") or []),
    }


_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def html_report(
    metrics: dict[str, Any],
    title: str,
    stage_metrics: dict[str, Any] | None = None,
    curves: dict[str, dict[str, dict]] | None = None,
    ablation: dict[str, Any] | None = None,
    pretrain_curves: dict[str, list] | None = None,
    provenance: dict[str, Any] | None = None,
) -> str:
    """The comparison as one self-contained HTML page (plots embedded as PNG).

    Args:
        curves: the fine-tunes' loss curves, as `read_training_logs` returns them.
        ablation: the summary written by `vertical ablate`, shown when given.
        pretrain_curves: pretraining's losses, as `read_pretrain_curves` returns them.
        provenance: where the run came from (`vertical.evaluate.provenance`).
    """
    significance = [
        (task, metric, paired)
        for task, result in metrics["tasks"].items()
        for metric, paired in result.get("significance", {}).items()
    ]
    intervals = [
        (f"{task} {metric_label(metric)}", p["difference"], p["ci_low"], p["ci_high"])
        for task, metric, p in significance
    ]
    verdicts = [difference_verdict(metric, p, p["difference"]) for _, metric, p in significance]
    pretrain = (stage_metrics or {}).get("pretrain")
    return _TEMPLATES.get_template("report.html").render(
        title=title,
        confidence=coverage(metrics),
        findings=findings(metrics, pretrain if stage_metrics is not None else None),
        headline=_headline(metrics),
        overview=_image(plots.difference_plot(intervals, verdicts), "differences with intervals")
        if intervals
        else None,
        tasks=[_task(t, r, (curves or {}).get(t, {})) for t, r in metrics["tasks"].items()],
        pretraining=_pretraining(stage_metrics, pretrain_curves),
        ablation=_ablation(ablation),
        stages=_stages(stage_metrics),
        provenance=provenance,
    )

"""The report: vertical vs general on every task, as Markdown and as one self-contained HTML file.

The HTML embeds its plots as base64 PNG (matplotlib), so it can be mailed or archived alone. It
holds the headline table (each headline metric with its bootstrap interval and p-value), and per
task: all metrics, per-class bars, confusion matrices, reliability diagrams and training curves;
then the numbers of the earlier stages when they are there. `write_run_report` rebuilds it from a
run folder alone (``vertical report RUN_DIR``).
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from vertical.evaluate import plots
from vertical.evaluate.scoring import better

_FALLBACK_HEADLINE = ("accuracy", "macro_f1")
_COUNTS = ("tp", "fp", "fn", "tn")
_TABLE_METRICS = (
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
    """The comparison as a Markdown document."""
    lines = [
        f"# {title}",
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


def _image(png: bytes, alt: str) -> str:
    return (
        f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
    )


def _trend(metric: str, difference: float) -> str:
    """CSS class of a difference: ``up`` when it favours the vertical model (lower perplexity too)."""
    verdict = better(metric, difference)
    return "" if verdict is None else "up" if verdict else "down"


def _headline_table(metrics: dict[str, Any]) -> str:
    escape = html.escape
    rows = ""
    for task, metric, general, vertical, difference in comparison_rows(metrics):
        result = metrics["tasks"][task]
        interval, p_value = _interval(result, metric)
        rows += (
            f"<tr><td>{escape(task)}</td><td>{escape(result.get('task_type', 'classification'))}</td>"
            f"<td>{metric}</td><td>{general:.3f}</td><td>{vertical:.3f}</td>"
            f"<td class='{_trend(metric, difference)}'>{difference:+.3f}</td>"
            f"<td>{interval}</td><td>{p_value}</td></tr>"
        )
    return (
        "<table id='headline'><caption>vertical vs general, headline metrics</caption><tr><th>task</th>"
        "<th>type</th><th>metric</th><th>general</th><th>vertical</th><th>difference</th>"
        f"<th>{coverage(metrics)} interval</th><th>p</th></tr>{rows}</table>"
    )


def _label_confusion_table(general: dict[str, dict], vertical: dict[str, dict]) -> str:
    """Multilabel: each label's yes/no confusion counts, general beside vertical."""
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td>"
        + "".join(f"<td>{counts[k]}</td>" for counts in (general[label], vertical[label]) for k in _COUNTS)
        + "</tr>"
        for label in general
    )
    heads = "".join(f"<th>{variant} {k}</th>" for variant in ("general", "vertical") for k in _COUNTS)
    return (
        "<table class='confusion'><caption>confusion per label (tp: said yes and right, fp: said yes "
        f"wrongly, fn: missed, tn: said no and right)</caption><tr><th>label</th>{heads}</tr>{rows}</table>"
    )


def _training_table(training: dict[str, dict]) -> str:
    """The hyper-parameters each variant was trained with, and early stopping."""
    rows = ""
    for variant, record in training.items():
        used = record.get("hyperparameters", {})
        stopped = (
            f"stopped after {record['epochs_trained']:g} epochs, step {record.get('best_step')} restored"
            if record.get("stopped_early")
            else ""
        )
        rows += (
            f"<tr><td>{variant}</td><td>{used.get('learning_rate', '')}</td><td>{used.get('epochs', '')}</td>"
            f"<td>{used.get('batch_size', '')}</td><td>{record.get('epochs_trained', '')}</td>"
            f"<td>{html.escape(stopped)}</td></tr>"
        )
    return (
        "<table class='training'><caption>training</caption><tr><th>base</th><th>learning rate</th>"
        "<th>epochs</th><th>batch size</th><th>epochs trained</th><th>early stopping</th></tr>"
        f"{rows}</table>"
    )


def _search_table(search: dict[str, dict]) -> str:
    """Every trial of the hyper-parameter search of each variant, the best marked."""
    rows, metric = "", ""
    for variant, record in search.items():
        metric = record.get("metric", metric)
        for trial in record.get("trials", []):
            params = trial["params"]
            best = " class='up'" if trial["value"] == record.get("best_value") else ""
            rows += (
                f"<tr><td>{variant}</td><td>{trial['number']}</td>"
                f"<td>{params.get('learning_rate', 0):.2e}</td>"
                f"<td>{params.get('epochs', '')}</td><td>{params.get('batch_size', '')}</td>"
                f"<td{best}>{trial['value']:.4f}</td></tr>"
            )
    return (
        f"<table class='search'><caption>Hyper-parameter search: each trial's validation {metric} "
        "(the test examples are never used; the best trial's values trained the final model)</caption>"
        "<tr><th>base</th><th>trial</th><th>learning rate</th><th>epochs</th><th>batch size</th>"
        f"<th>validation {metric}</th></tr>{rows}</table>"
    )


def _task_section(task: str, result: dict[str, Any], curves: dict[str, dict]) -> str:
    escape = html.escape
    general, vertical = result["general"], result["vertical"]
    metric_rows = "".join(
        f"<tr><td>{metric}</td><td>{general[metric]:.4f}</td><td>{vertical[metric]:.4f}</td>"
        f"<td>{vertical[metric] - general[metric]:+.4f}</td></tr>"
        for metric in _TABLE_METRICS
        if metric in general and metric in vertical
    )
    labels = list(general["per_class"])
    parts = [
        f"<section class='task' id='task-{escape(task)}'><h2>{escape(task)} "
        f"<small>({escape(result.get('task_type', 'classification'))})</small></h2>",
        f"<table><tr><th>metric</th><th>general</th><th>vertical</th><th>difference</th></tr>{metric_rows}</table>",
    ]
    if labels:
        parts.append(
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
        parts.append(_image(plots.confusion_plot(matrices, confusion_labels), f"{task}: confusion matrices"))
    if "label_confusion" in general:
        parts.append(_label_confusion_table(general["label_confusion"], vertical["label_confusion"]))
    if "calibration" in general:
        reliability = {v: result[v]["calibration"]["reliability"] for v in ("general", "vertical")}
        parts.append(
            f"<p>Expected calibration error: general {general['ece']:.3f}, "
            f"vertical {vertical['ece']:.3f}.</p>"
        )
        parts.append(_image(plots.reliability_plot(reliability), f"{task}: reliability diagram"))
    if general.get("samples"):
        parts.append(_samples_table(general["samples"], vertical.get("samples", [])))
    if any(curve.get("loss") for curve in curves.values()):
        parts.append(_image(plots.training_curve_plot(curves), f"{task}: training loss"))
    if result.get("training"):
        parts.append(_training_table(result["training"]))
    if result.get("search"):
        parts.append(_search_table(result["search"]))
    parts.append("</section>")
    return "\n".join(parts)


def _samples_table(general: list[dict], vertical: list[dict]) -> str:
    """Greedy continuations of the first test prompts by both models, next to the reference."""
    escape = html.escape
    rows = "".join(
        f"<tr><td>{escape(g['prompt'])}</td><td>{escape(g['reference'])}</td>"
        f"<td>{escape(g['generated'])}</td><td>{escape(v['generated'])}</td></tr>"
        for g, v in zip(general, vertical, strict=False)
    )
    return (
        "<table class='samples'><caption>greedy samples on test prompts</caption><tr><th>prompt</th>"
        f"<th>reference</th><th>general</th><th>vertical</th></tr>{rows}</table>"
    )


_STAGE_TITLES = {
    "data": "data: the corpus",
    "knowledge": "knowledge: the graph and its links",
    "tokenizer": "tokenizer: fertility and unknown rate",
    "pretrain": "pretrain: domain losses and the forgetting check",
}


def _value(value: Any) -> str:
    """A metric value as table text: floats to 4 significant digits, lists comma-separated."""
    if isinstance(value, bool) or value is None:
        return str(value)
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


def _small_table(name: str, values: dict[str, Any]) -> str:
    """A dict-valued metric as its own table: a grid when every value is a dict of numbers (rows
    by key, a column per inner key), else key and value per row (deeper levels dotted)."""
    escape = html.escape
    if values and all(isinstance(v, dict) and v for v in values.values()):
        columns = list(dict.fromkeys(inner for v in values.values() for inner in v))
        if not any(isinstance(v.get(c), dict) for v in values.values() for c in columns):
            heads = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
            rows = "".join(
                f"<tr><td>{escape(str(key))}</td>"
                + "".join(f"<td>{escape(_value(row.get(c, '')))}</td>" for c in columns)
                + "</tr>"
                for key, row in values.items()
            )
            return (
                f"<table class='stage'><caption>{escape(name)}</caption>"
                f"<tr><th></th>{heads}</tr>{rows}</table>"
            )
    rows = "".join(
        f"<tr><td>{escape(key)}</td><td>{escape(_value(value))}</td></tr>" for key, value in _flatten(values)
    )
    return f"<table class='stage'><caption>{escape(name)}</caption>{rows}</table>" if rows else ""


def _stage_tables(stage_metrics: dict[str, Any] | None) -> str:
    """The earlier stages' numbers: per stage a table of its plain values and one small table per
    dict-valued metric (documents dropped by reason, personal data by kind, linking by split...)."""
    escape = html.escape
    sections = ""
    for stage, values in (stage_metrics or {}).items():
        values = values or {}
        plain = "".join(
            f"<tr><td>{escape(key)}</td><td>{escape(_value(value))}</td></tr>"
            for key, value in values.items()
            if not isinstance(value, dict)
        )
        nested = "".join(_small_table(key, value) for key, value in values.items() if isinstance(value, dict))
        if plain or nested:
            title = _STAGE_TITLES.get(stage, stage)
            plain_table = f"<table class='stage'>{plain}</table>" if plain else ""
            sections += (
                f"<section class='stage' id='stage-{escape(stage)}'><h3>{escape(title)}</h3>"
                f"{plain_table}{nested}</section>"
            )
    return f"<h2>Earlier stages</h2>{sections}" if sections else ""


def _ablation_section(summary: dict[str, Any] | None) -> str:
    """The ablation's variants side by side: mean ± std over seeds, each seed's score, and a plot."""
    if not summary or not summary.get("variants"):
        return ""
    escape = html.escape
    variants = summary["variants"]
    changes = summary.get("changes", {})
    rows, plot_data = "", {}
    for variant, entry in variants.items():
        change = json.dumps(changes.get(variant, {}), separators=(", ", ": "))
        for task, task_scores in entry["tasks"].items():
            for metric, scores in task_scores.items():
                cells = "".join(
                    f"<td>{s['mean']:.3f} ± {s['std']:.3f}</td>"
                    for s in (scores["summary"][side] for side in ("general", "vertical", "difference"))
                )
                per_seed = ", ".join(f"{value:.3f}" for value in scores["vertical"])
                rows += (
                    f"<tr><td>{escape(variant)}</td><td><code>{escape(change)}</code></td><td>{escape(task)}</td>"
                    f"<td>{escape(metric)}</td><td>{len(entry['seeds'])}</td>{cells}<td>{per_seed}</td></tr>"
                )
                plot = plot_data.setdefault((task, metric), {"variants": [], "general": [], "vertical": []})
                plot["variants"].append(variant)
                plot["general"].append(scores["general"])
                plot["vertical"].append(scores["vertical"])
    images = "".join(
        _image(plots.ablation_plot(data["variants"], data, metric), f"ablation: {task} {metric}")
        for (task, metric), data in plot_data.items()
    )
    missing = summary.get("missing") or []
    note = f"<p>Not built yet: {escape(', '.join(missing))}.</p>" if missing else ""
    return f"""<h2>Ablation</h2>
<p>Each variant of the recipe was built once per seed (seeds {escape(str(summary.get("seeds", "")))}) and
fine-tuned on the same data and budget; mean ± sample standard deviation over the seeds
(<code>vertical ablate</code>).</p>
<table id="ablation"><tr><th>variant</th><th>changes</th><th>task</th><th>metric</th><th>seeds</th>
<th>general</th><th>vertical</th><th>vertical − general</th><th>vertical, per seed</th></tr>{rows}</table>
{images}{note}"""


def html_report(
    metrics: dict[str, Any],
    title: str,
    stage_metrics: dict[str, Any] | None = None,
    curves: dict[str, dict[str, dict]] | None = None,
    ablation: dict[str, Any] | None = None,
) -> str:
    """The comparison as one self-contained HTML page (plots embedded as PNG); `curves` as
    `read_training_logs` returns them; `ablation`: the summary written by `vertical ablate`, shown when
    given."""
    escape = html.escape
    intervals = [
        (f"{task} {metric}", paired["difference"], paired["ci_low"], paired["ci_high"])
        for task, result in metrics["tasks"].items()
        for metric, paired in result.get("significance", {}).items()
    ]
    overview = _image(plots.difference_plot(intervals), "differences with intervals") if intervals else ""
    tasks = "\n".join(
        _task_section(task, result, (curves or {}).get(task, {})) for task, result in metrics["tasks"].items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; color: #1f2328; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; }}
caption {{ text-align: left; font-weight: 600; padding-bottom: 0.3rem; }}
th, td {{ border: 1px solid #d0d7de; padding: 0.3rem 0.7rem; text-align: right; }}
th:first-child, td:first-child, #headline td:nth-child(2), #headline td:nth-child(3) {{ text-align: left; }}
.samples td {{ text-align: left; }}
.up {{ color: #1a7f37; font-weight: 600; }} .down {{ color: #cf222e; font-weight: 600; }}
img {{ max-width: 100%; display: block; margin: 0.5rem 0 1rem; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p>Every task was fine-tuned twice with the same data, budget and seed: once from the general base model
and once from the vertical (domain-pretrained) one. The interval is a {coverage(metrics)} paired bootstrap
interval of vertical − general over the test examples; p is its two-sided bootstrap p-value. An interval that
excludes zero is a difference the test set supports.</p>
{_headline_table(metrics)}
{overview}
{tasks}
{_ablation_section(ablation)}
{_stage_tables(stage_metrics)}
<script>
// Marks how many plots the browser decoded, so a headless browser test can see them.
window.addEventListener("load", () => {{
  document.body.dataset.imagesShown = [...document.images].filter((i) => i.naturalWidth > 0).length;
}});
</script>
</body></html>
"""


def read_training_logs(finetune_dir: Path, task_names: list[str]) -> dict[str, dict[str, dict]]:
    """Loss curves of each task and variant from the finetune stage's training.json files:
    ``{task: {variant: {"loss": [[step, loss]], "validation_loss": [[step, loss]]}}}``."""
    curves: dict[str, dict[str, dict]] = {}
    for task in task_names:
        for variant in ("general", "vertical"):
            path = Path(finetune_dir) / task / variant / "training.json"
            if path.is_file():
                log = json.loads(path.read_text(encoding="utf-8"))
                curves.setdefault(task, {})[variant] = {
                    "loss": log.get("loss", []),
                    "validation_loss": log.get("validation_loss", []),
                }
    return curves

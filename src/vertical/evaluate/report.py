"""The report: vertical vs general on every task, as Markdown and as one self-contained HTML file.

The HTML embeds its plot as a base64 PNG (matplotlib), so it can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402

_HEADLINE = ("accuracy", "macro_f1")


def comparison_rows(metrics: dict[str, Any]) -> list[tuple[str, str, float, float, float]]:
    """(task, metric, general, vertical, vertical - general) for the headline metrics of each task."""
    rows = []
    for task, result in metrics["tasks"].items():
        for metric in _HEADLINE:
            general, vertical = result["general"][metric], result["vertical"][metric]
            rows.append((task, metric, general, vertical, round(vertical - general, 4)))
    return rows


def markdown_report(metrics: dict[str, Any], title: str) -> str:
    """The comparison as a Markdown document."""
    lines = [
        f"# {title}",
        "",
        "Every task was fine-tuned twice with the same data, budget and seed: once from the "
        "general base model and once from the vertical (domain-pretrained) one.",
        "",
        "| task | metric | general | vertical | difference |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for task, metric, general, vertical, difference in comparison_rows(metrics):
        lines.append(f"| {task} | {metric} | {general:.3f} | {vertical:.3f} | {difference:+.3f} |")
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
    return "\n".join(lines) + "\n"


def _bar_chart_png(metrics: dict[str, Any]) -> bytes:
    rows = comparison_rows(metrics)
    names = [f"{task}\n{metric}" for task, metric, *_ in rows]
    positions = range(len(rows))
    figure, axes = plt.subplots(figsize=(max(4.0, 1.6 * len(rows)), 3.2), dpi=110)
    width = 0.38
    axes.bar(
        [p - width / 2 for p in positions], [r[2] for r in rows], width, label="general", color="#9aa5b1"
    )
    axes.bar(
        [p + width / 2 for p in positions], [r[3] for r in rows], width, label="vertical", color="#1f6feb"
    )
    axes.set_xticks(list(positions), names, fontsize=8)
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("score")
    axes.legend(loc="lower right", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def _trend(difference: float) -> str:
    return "up" if difference > 0 else "down" if difference < 0 else ""


def html_report(metrics: dict[str, Any], title: str, stage_metrics: dict[str, Any] | None = None) -> str:
    """The comparison as one self-contained HTML page (plot embedded)."""
    escape = html.escape
    chart = base64.b64encode(_bar_chart_png(metrics)).decode("ascii")
    table = "".join(
        f"<tr><td>{escape(task)}</td><td>{metric}</td><td>{general:.3f}</td><td>{vertical:.3f}</td>"
        f"<td class='{_trend(difference)}'>{difference:+.3f}</td></tr>"
        for task, metric, general, vertical, difference in comparison_rows(metrics)
    )
    per_class = ""
    for task, result in metrics["tasks"].items():
        rows = "".join(
            f"<tr><td>{escape(label)}</td><td>{scores['f1']:.3f}</td>"
            f"<td>{result['vertical']['per_class'][label]['f1']:.3f}</td><td>{scores['support']}</td></tr>"
            for label, scores in result["general"]["per_class"].items()
        )
        per_class += (
            f"<h2>{escape(task)}: F1 per class</h2><table><tr><th>class</th><th>general</th>"
            f"<th>vertical</th><th>support</th></tr>{rows}</table>"
        )
    stages = ""
    for stage, values in (stage_metrics or {}).items():
        items = "".join(
            f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>"
            for k, v in values.items()
            if not isinstance(v, dict)
        )
        if items:
            stages += f"<h3>{escape(stage)}</h3><table>{items}</table>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #1f2328; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; }}
th, td {{ border: 1px solid #d0d7de; padding: 0.3rem 0.7rem; text-align: right; }}
th:first-child, td:first-child, td:nth-child(2) {{ text-align: left; }}
.up {{ color: #1a7f37; font-weight: 600; }} .down {{ color: #cf222e; font-weight: 600; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p>Every task was fine-tuned twice with the same data, budget and seed: once from the general base model
and once from the vertical (domain-pretrained) one.</p>
<table><tr><th>task</th><th>metric</th><th>general</th><th>vertical</th><th>difference</th></tr>{table}</table>
<img alt="general vs vertical per task" src="data:image/png;base64,{chart}">
{per_class}
<h2>Stages</h2>{stages}
</body></html>
"""

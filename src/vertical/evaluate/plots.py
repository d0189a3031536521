"""The report's figures, drawn with matplotlib and returned as PNG bytes (to embed in HTML)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

GENERAL_COLOUR, VERTICAL_COLOUR = "#9aa5b1", "#1f6feb"


def _png(figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def difference_plot(rows: list[tuple[str, float, float, float]], verdicts: list[str] | None = None) -> bytes:
    """vertical - general per (task metric) with its interval: rows of (name, difference, low, high).

    `verdicts`: per row ``up`` (a supported win in the metric's direction), ``down`` or ``""``; without
    them a row is green above zero, red below (right for metrics where higher is better)."""
    figure, axes = plt.subplots(figsize=(6.4, 0.45 * len(rows) + 1.2), dpi=110)
    positions = np.arange(len(rows))[::-1]
    if verdicts is None:
        verdicts = ["up" if low > 0 else "down" if high < 0 else "" for _, _, low, high in rows]
    for y, (_, difference, low, high), verdict in zip(positions, rows, verdicts, strict=True):
        colour = {"up": "#1a7f37", "down": "#cf222e"}.get(verdict, "#57606a")
        axes.plot([low, high], [y, y], color=colour, linewidth=2)
        axes.plot([difference], [y], "o", color=colour)
    axes.axvline(0.0, color="#1f2328", linewidth=0.8)
    axes.set_yticks(positions, [name for name, *_ in rows], fontsize=8)
    axes.set_xlabel("vertical − general (with bootstrap interval)")
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def per_class_plot(labels: list[str], general: list[float], vertical: list[float], metric: str) -> bytes:
    """Horizontal bars of a per-class score, general beside vertical, each bar with its value."""
    height = max(2.0, 0.3 * len(labels) + 0.8)
    figure, axes = plt.subplots(figsize=(6.4, height), dpi=100)
    positions = np.arange(len(labels))[::-1]
    size = 6 if len(labels) > 20 else 7
    for offset, values, name, colour in (
        (0.2, general, "general", GENERAL_COLOUR),
        (-0.2, vertical, "vertical", VERTICAL_COLOUR),
    ):
        bars = axes.barh(positions + offset, values, 0.4, label=name, color=colour)
        axes.bar_label(bars, labels=[f"{value:.2f}" for value in values], padding=2, fontsize=size)
    axes.set_yticks(positions, labels, fontsize=7 if len(labels) > 20 else 9)
    axes.set_xlim(0, 1.12)  # room for the values past a bar of 1.0
    axes.set_xlabel(metric)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)  # off the bars
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def confusion_plot(matrices: dict[str, list[list[int]]], labels: list[str]) -> bytes:
    """Confusion matrices side by side (rows: gold class, columns: predicted), the colour each row's
    share, the number in each cell its count (up to 15 classes; past that the cells are too small)."""
    figure, all_axes = plt.subplots(1, len(matrices), figsize=(4.2 * len(matrices), 4.0), dpi=100)
    show_names = len(labels) <= 20
    for axes, (variant, matrix) in zip(np.atleast_1d(all_axes), matrices.items(), strict=True):
        counts = np.asarray(matrix, dtype=float)
        rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        axes.imshow(rates, cmap="Blues", vmin=0.0, vmax=1.0)
        if len(counts) <= 15:
            size = 8 if len(counts) <= 8 else 6
            for (row, column), count in np.ndenumerate(counts):
                colour = "white" if rates[row, column] > 0.6 else "#1f2328"
                axes.text(column, row, f"{int(count)}", ha="center", va="center", fontsize=size, color=colour)
        axes.set_title(variant, fontsize=10)
        axes.set_xlabel("predicted", fontsize=8)
        axes.set_ylabel("gold", fontsize=8)
        if show_names:
            axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
            axes.set_yticks(range(len(labels)), labels, fontsize=7)
        else:
            axes.set_xticks([])
            axes.set_yticks([])
    return _png(figure)


def reliability_plot(reliability: dict[str, dict]) -> bytes:
    """Reliability diagram: accuracy against confidence per bin, one line per variant."""
    figure, axes = plt.subplots(figsize=(3.6, 3.4), dpi=100)
    axes.plot([0, 1], [0, 1], linestyle="--", color="#8c959f", linewidth=0.8, label="calibrated")
    for variant, colour in (("general", GENERAL_COLOUR), ("vertical", VERTICAL_COLOUR)):
        bins = reliability.get(variant)
        if bins:
            axes.plot(bins["confidence"], bins["accuracy"], "o-", color=colour, label=variant, markersize=3)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("confidence")
    axes.set_ylabel("accuracy")
    axes.legend(fontsize=7, loc="upper left")
    return _png(figure)


def training_curve_plot(curves: dict[str, dict[str, list]]) -> bytes:
    """Training loss (solid) and validation loss (dashed, once per epoch) against optimizer step,
    per variant: ``{variant: {"loss": [[step, loss]], "validation_loss": [[step, loss]]}}``."""
    figure, axes = plt.subplots(figsize=(4.4, 3.0), dpi=100)
    for variant, colour in (("general", GENERAL_COLOUR), ("vertical", VERTICAL_COLOUR)):
        curve = curves.get(variant) or {}
        for key, style, name in (("loss", "-", variant), ("validation_loss", "o--", f"{variant} validation")):
            points = curve.get(key) or []
            if points:
                steps, losses = zip(*points, strict=True)
                axes.plot(steps, losses, style, color=colour, label=name, markersize=3)
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.legend(fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def pretrain_curve_plot(curves: dict[str, list[list[float]]]) -> bytes:
    """Pretraining's losses against step: the total (thick) and each objective's (thin)."""
    figure, axes = plt.subplots(figsize=(5.6, 3.2), dpi=100)
    for name, points in sorted(curves.items(), key=lambda item: item[0] != "loss"):
        steps, values = zip(*points, strict=True)
        total = name == "loss"
        axes.plot(
            steps,
            values,
            color=VERTICAL_COLOUR if total else None,
            linewidth=2.0 if total else 1.0,
            label="total loss" if total else name.replace("_", " "),
        )
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.legend(fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def ablation_plot(variants: list[str], scores: dict[str, list[list[float]]], metric: str) -> bytes:
    """Each variant's score per seed (dots) and their mean (bar), general beside vertical.

    Args:
        variants: the variants' names, in order.
        scores: ``{"general": [[seed scores] per variant], "vertical": [...]}``.
        metric: the metric's name, for the axis.
    """
    figure, axes = plt.subplots(figsize=(6.4, 0.5 * len(variants) + 1.4), dpi=110)
    positions = np.arange(len(variants))[::-1]
    for offset, side, colour in ((0.2, "general", GENERAL_COLOUR), (-0.2, "vertical", VERTICAL_COLOUR)):
        means = [float(np.mean(values)) for values in scores[side]]
        axes.barh(positions + offset, means, 0.4, color=colour, label=f"{side} (mean)")
        for y, values in zip(positions, scores[side], strict=True):
            axes.plot(values, [y + offset] * len(values), "o", color="#1f2328", markersize=3)
    axes.set_yticks(positions, variants, fontsize=9)
    axes.set_xlim(0, 1.0)
    axes.set_xlabel(f"{metric} (dots: one seed each)")
    axes.legend(loc="lower right", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)

"""Evaluate stage: the vertical model against the general one, task by task."""

from vertical.evaluate.compare import compare_variants, rebuild_report

__all__ = ["compare_variants", "rebuild_report"]

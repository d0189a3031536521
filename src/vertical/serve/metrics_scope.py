"""What ``GET /metrics`` shows a key: only with the scope ``metrics``, and only its own tasks' series.

The request counters are by route template (``/v1/classify/{task}``), which names no task; the
per-task series (texts classified, batch sizes) carry a ``task`` label, and a key sees only the
series of tasks it may call, so a scrape key cannot list what other clients use. A key with
``tasks: null`` (every scope) sees everything, as does a server run with ``--no-auth``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric

METRICS_SCOPE = "metrics"


class ScopedRegistry:
    """`registry`'s metrics without the samples whose ``task`` label `allows` refuses."""

    def __init__(self, registry: CollectorRegistry, allows: Callable[[str], bool]) -> None:
        self.registry = registry
        self.allows = allows

    def collect(self) -> Iterator[Metric]:
        for metric in self.registry.collect():
            kept = Metric(metric.name, metric.documentation, metric.type, metric.unit)
            kept.samples = [
                s for s in metric.samples if "task" not in s.labels or self.allows(s.labels["task"])
            ]
            yield kept

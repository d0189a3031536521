"""The run directory: one folder per stage, a manifest per stage, and skipping what is up to date.

Layout of ``runs/<name>/``::

    data/manifest.json        config, input hashes, library versions, metrics, wall time
    data/...                  the stage's artefacts
    pretrain/...
    .work/<stage>/            scratch kept across a kill (checkpoints), removed when the stage completes

A stage runs in a temporary folder that is renamed to ``runs/<name>/<stage>`` only when it has
finished, with its manifest written last; so a stage folder that exists is complete. A stage is
skipped when its manifest records the same config hash and the same input hashes as now.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vertical.hashing import hash_config, hash_path
from vertical.io import atomic_directory, atomic_write_json, remove_orphaned_temp_dirs

MANIFEST = "manifest.json"
_LIBRARIES = (
    "vertical",
    "torch",
    "transformers",
    "datasets",
    "accelerate",
    "peft",
    "scikit-learn",
    "tokenizers",
    "datatrove",
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageOutput:
    """What a stage returns: metrics for the manifest and the report."""

    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """One step of a build, ready to run.

    Attributes:
        name: the stage's name, also its folder.
        config: the settings that decide its result (hashed to decide whether to re-run).
        inputs: named files or folders it reads (hashed likewise): user data and earlier stages' folders.
        execute: does the work; called with (output folder, work folder), returns its output.
    """

    name: str
    config: dict[str, Any]
    inputs: dict[str, Path]
    execute: Callable[[Path, Path], StageOutput]


@dataclass(frozen=True)
class StageReport:
    """How a stage went in this invocation."""

    name: str
    skipped: bool
    wall_time_s: float
    metrics: dict[str, Any]


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a result, for the manifest."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def read_manifest(stage_dir: Path) -> dict[str, Any] | None:
    """The manifest of a completed stage folder, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((stage_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


class RunDirectory:
    """The folder ``runs/<name>`` of one recipe and the stages in it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def stage_dir(self, stage: str) -> Path:
        """Where a completed stage keeps its artefacts."""
        return self.root / stage

    def work_dir(self, stage: str) -> Path:
        """Scratch space of a stage that survives a kill (checkpoints to resume from)."""
        return self.root / ".work" / stage

    def is_up_to_date(self, stage: Stage, input_hashes: dict[str, str]) -> bool:
        """True when the stage completed before with the same config and the same inputs."""
        manifest = read_manifest(self.stage_dir(stage.name))
        return (
            manifest is not None
            and manifest.get("config_hash") == hash_config(stage.config)
            and manifest.get("inputs") == input_hashes
        )

    def run_stage(self, stage: Stage, force: bool = False) -> StageReport:
        """Run `stage` unless it is up to date (or `force`), writing its folder atomically."""
        input_hashes = {name: hash_path(path) for name, path in sorted(stage.inputs.items())}
        if not force and self.is_up_to_date(stage, input_hashes):
            manifest = read_manifest(self.stage_dir(stage.name)) or {}
            return StageReport(stage.name, True, 0.0, manifest.get("metrics", {}))
        remove_orphaned_temp_dirs(self.root, stage.name)  # left by a killed run of this stage
        work_dir = self.work_dir(stage.name)
        work_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        with atomic_directory(self.stage_dir(stage.name)) as output_dir:
            output = stage.execute(output_dir, work_dir)
            wall_time = round(time.perf_counter() - started, 2)
            atomic_write_json(
                output_dir / MANIFEST,
                {
                    "stage": stage.name,
                    "config": stage.config,
                    "config_hash": hash_config(stage.config),
                    "inputs": input_hashes,
                    "libraries": library_versions(),
                    "metrics": output.metrics,
                    "wall_time_s": wall_time,
                    "started_at": started_at,
                },
            )
        shutil.rmtree(work_dir, ignore_errors=True)
        return StageReport(stage.name, False, wall_time, output.metrics)

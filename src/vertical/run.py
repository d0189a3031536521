"""The run directory: one folder per stage, a manifest per stage, and skipping what is up to date.

Layout of ``runs/<name>/``::

    stages.json               the stages the recipe planned last time (others' folders are not read)
    data/manifest.json        fingerprint, config, input hashes, output hash, libraries, metrics, time
    data/...                  the stage's artefacts
    pretrain/...
    .work/<stage>/<fingerprint>/   scratch kept across a kill (checkpoints), removed when the stage
                              completes; another fingerprint's folder is stale and removed
    .work/file-hashes.json    size, mtime and sha256 of each input file hashed (a no-op run reads none)

A stage runs in a temporary folder that is renamed to ``runs/<name>/<stage>`` only when it has
finished, with its manifest written last; so a stage folder that exists is complete. A stage's
fingerprint is the hash of the config that changes its result, the content hashes of the files it
reads, and the *output* hashes of the stages it reads: a stage is skipped when its manifest holds
the same fingerprint, and a stage that re-ran but wrote the same output re-runs nothing after it.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import platform
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vertical.errors import RecipeError
from vertical.hashing import FileHashes, folder_files, hash_config
from vertical.io import atomic_directory, atomic_write_json, remove_orphaned_temp_dirs
from vertical.sections import PLAIN_NAME

MANIFEST = "manifest.json"
PLANNED = "stages.json"
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


WORK_FOLDER = ".work"  # a run's scratch space: <run>/.work/<stage>/<fingerprint>/...
FINGERPRINT_DIGITS = 16  # how much of a stage's fingerprint names its work folder


def work_name(folder: Path) -> str | None:
    """What a folder under a run's work space holds, without the run and the fingerprint:
    ``runs/demo/.work/finetune/0123456789abcdef/sentiment/vertical`` -> ``finetune/sentiment/vertical``
    (the trackers' name for a training). None for a folder outside a work space."""
    parts = Path(folder).parts
    if WORK_FOLDER not in parts or parts[-1] == WORK_FOLDER:
        return None
    stage, *rest = parts[parts.index(WORK_FOLDER) + 1 :]
    if rest and len(rest[0]) == FINGERPRINT_DIGITS and all(c in "0123456789abcdef" for c in rest[0]):
        rest = rest[1:]
    return "/".join([stage, *rest])


@dataclass(frozen=True)
class StageOutput:
    """What a stage returns: metrics for the manifest and the report."""

    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """One step of a build, ready to run.

    Attributes:
        name: the stage's name, also its folder.
        config: the settings that decide its result (hashed into the fingerprint).
        inputs: named user files it reads: a file, a folder (its non-hidden files), or the exact list of
            files its reader walks (hidden folders included, when the reader reads them).
        execute: does the work; called with (output folder, work folder), returns its output.
        reads: the earlier stages whose folders it reads; their output hashes enter the fingerprint.
    """

    name: str
    config: dict[str, Any]
    inputs: dict[str, Path | Sequence[Path]]
    execute: Callable[[Path, Path], StageOutput]
    reads: tuple[str, ...] = ()


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


def planned_stages(run_root: Path) -> list[str] | None:
    """The stages the run's recipe planned when it last ran, or None for a run that does not say."""
    try:
        return list(json.loads((Path(run_root) / PLANNED).read_text(encoding="utf-8"))["stages"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError):
        return None


def completed_stage(run_root: Path, name: str) -> Path | None:
    """The folder of stage `name` when it is complete and the recipe still has it; None otherwise.

    A folder of a stage the recipe dropped stays on disk (it is the user's), but is not read.
    """
    folder = Path(run_root) / name
    planned = planned_stages(run_root)
    if (planned is not None and name not in planned) or read_manifest(folder) is None:
        return None
    return folder


def output_hash(stage_dir: Path, hashes: FileHashes | None = None) -> str:
    """The hash of a stage folder's artefacts: every non-hidden file but the manifest."""
    hashes = hashes or FileHashes()
    files = [f for f in folder_files(stage_dir) if f.relative_to(stage_dir) != Path(MANIFEST)]
    return hashes.files(files, root=Path(stage_dir))


def run_folder(runs_dir: Path, name: str) -> Path:
    """``runs_dir/<name>``, refused unless it is a folder directly inside `runs_dir`.

    Raises:
        RecipeError: for a name such as ``..`` or ``a/b``, or a run folder that is a link elsewhere:
            its stage folders would replace folders outside the runs folder.
    """
    runs = Path(runs_dir).resolve()
    folder = (runs / name).resolve()
    if not PLAIN_NAME.fullmatch(name) or folder.parent != runs:
        raise RecipeError(
            f"name: {name!r}: the run folder must be a plain name inside the runs folder {runs} "
            f"(it would be {folder}); use letters, digits, '_', '.', '-', not starting with '.'"
        )
    return Path(runs_dir) / name


class RunDirectory:
    """The folder ``runs/<name>`` of one recipe and the stages in it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.hashes = FileHashes(self.root / WORK_FOLDER / "file-hashes.json")

    def stage_dir(self, stage: str) -> Path:
        """Where a completed stage keeps its artefacts."""
        return self.root / stage

    def work_dir(self, stage: str, fingerprint: str | None = None) -> Path:
        """Scratch space of a stage that survives a kill (checkpoints to resume from), one per fingerprint."""
        base = self.root / WORK_FOLDER / stage
        return base / fingerprint[:FINGERPRINT_DIGITS] if fingerprint else base

    def input_hashes(self, stage: Stage) -> dict[str, str]:
        """The content hash of each user input of `stage` (each file read at most once per run)."""
        hashes = {}
        for name, value in sorted(stage.inputs.items()):
            if isinstance(value, (str, Path)):
                hashes[name] = self.hashes.path(Path(value))
            else:  # the reader's own list of files
                hashes[name] = self.hashes.files([Path(v) for v in value])
        return hashes

    def read_hashes(self, stage: Stage) -> dict[str, str | None]:
        """The output hash of each stage `stage` reads, from its manifest (None: not completed)."""
        hashes: dict[str, str | None] = {}
        for name in stage.reads:
            manifest = read_manifest(self.stage_dir(name))
            if manifest is None:
                hashes[name] = None
            else:
                hashes[name] = manifest.get("output_hash") or output_hash(self.stage_dir(name), self.hashes)
        return hashes

    def fingerprint(self, stage: Stage) -> tuple[str, dict[str, str], dict[str, str | None]]:
        """The stage's fingerprint, with the input and read hashes it is made of."""
        inputs, reads = self.input_hashes(stage), self.read_hashes(stage)
        fingerprint = hash_config(
            {"stage": stage.name, "config": stage.config, "inputs": inputs, "reads": reads}
        )
        return fingerprint, inputs, reads

    def is_up_to_date(self, stage: Stage, fingerprint: str) -> bool:
        """True when the stage completed before with this fingerprint."""
        manifest = read_manifest(self.stage_dir(stage.name))
        return manifest is not None and manifest.get("fingerprint") == fingerprint

    def _clean_stale_work(self, stage: str, keep: Path) -> None:
        base = self.work_dir(stage)
        if not base.is_dir():
            return
        for folder in base.iterdir():
            if folder != keep:
                log.info("stage %s: removing the work folder of other settings, %s", stage, folder.name)
                shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else folder.unlink()

    def run_stage(self, stage: Stage, force: bool = False) -> StageReport:
        """Run `stage` unless it is up to date (or `force`), writing its folder atomically."""
        fingerprint, input_hashes, read_hashes = self.fingerprint(stage)
        self.hashes.save()
        if not force and self.is_up_to_date(stage, fingerprint):
            manifest = read_manifest(self.stage_dir(stage.name)) or {}
            return StageReport(stage.name, True, 0.0, manifest.get("metrics", {}))
        remove_orphaned_temp_dirs(self.root, stage.name)  # left by a killed run of this stage
        work_dir = self.work_dir(stage.name, fingerprint)
        self._clean_stale_work(stage.name, keep=work_dir)
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
                    "fingerprint": fingerprint,
                    "config": stage.config,
                    "config_hash": hash_config(stage.config),
                    "inputs": input_hashes,
                    "reads": read_hashes,
                    "output_hash": output_hash(output_dir, FileHashes()),
                    "libraries": library_versions(),
                    "metrics": output.metrics,
                    "wall_time_s": wall_time,
                    "started_at": started_at,
                },
            )
        shutil.rmtree(work_dir, ignore_errors=True)
        if self.work_dir(stage.name).is_dir() and not any(self.work_dir(stage.name).iterdir()):
            self.work_dir(stage.name).rmdir()
        return StageReport(stage.name, False, wall_time, output.metrics)

    def record_plan(self, stages: Sequence[str]) -> None:
        """Say which stages the recipe has now, so that readers leave the others' folders alone."""
        atomic_write_json(self.root / PLANNED, {"stages": list(stages)})

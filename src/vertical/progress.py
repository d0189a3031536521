"""What a build shows while it runs: one live line, a line per finished stage, and a log file.

The live line says which stage runs (``stage 4/7 pretrain``), what it does (``training: step
120/400``), the elapsed time and an ETA from the measured time per step (the mean since the first
step: the first one pays for warm-up and is left out). Everything else goes to ``run.log`` in the
run folder: the stages' INFO messages and every dict the Trainer logs (loss, learning rate...),
which the Trainer would otherwise print to the terminal. Warnings still reach the terminal.

`run_progress` opens a session (the CLI does, around a build); the pipeline's stage loop calls
`stage_started` / `stage_finished`; each `Trainer`'s callback (`vertical.tracking.callbacks`) calls
`training_started` / `training_step` / `training_ended`. Outside a session (a library call, a test)
these do nothing, except in a child process started with ``VERTICAL_PROGRESS_FILE`` set (the
processes of ``--nproc`` pretraining): there they write the training's state to that file, at most
once a second, and the parent's `follow_progress_file` puts it on the parent's live line.
`build_started` names the build of an ablation (``build 2/6 mlm seed 1``) in front of the stages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.text import Text


def duration(seconds: float) -> str:
    """``75.2`` -> ``1:15``; ``3725`` -> ``1:02:05``."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@dataclass
class _Training:
    label: str
    max_steps: int
    step: int = 0
    first_step_at: float | None = None  # when step 1 ended: the warm-up step is not timed
    last_step_at: float | None = None

    def eta(self) -> float | None:
        """Seconds left at the mean time per step since the first step, or None before step 2."""
        if self.first_step_at is None or self.last_step_at is None or self.step < 2:
            return None
        per_step = (self.last_step_at - self.first_step_at) / (self.step - 1)
        return per_step * max(self.max_steps - self.step, 0)


@dataclass
class RunProgress:
    """The live state of one build's display."""

    console: Console | None
    started: float = field(default_factory=time.perf_counter)
    build: str = ""  # an ablation's build: "build 2/6 mlm seed 1"
    stage: str = ""
    index: int = 0
    total: int = 0
    stage_started_at: float = 0.0
    training: _Training | None = None

    def line(self) -> Text:
        """The live line: stage i/n, what runs, elapsed, ETA."""
        now = time.perf_counter()
        if not self.total:  # before the first stage: the plan is being made (models resolved, hashed)
            planning = f"planning the stages · run {duration(now - self.started)}"
            return Text(planning, style="cyan", no_wrap=True)
        parts = [f"stage {self.index}/{self.total} {self.stage}"]
        if self.build:
            parts.insert(0, self.build)
        if self.training is not None:
            training = self.training
            parts.append(f"{training.label}: step {training.step}/{training.max_steps}")
            eta = training.eta()
            parts.append(f"ETA {duration(eta)}" if eta is not None else "ETA …")
        parts.append(f"stage {duration(now - self.stage_started_at)}, run {duration(now - self.started)}")
        # one line whatever the terminal's width: a wrapped live line would leave its first half behind
        return Text(" · ".join(parts), style="cyan", no_wrap=True, overflow="ellipsis")


_current: ContextVar[RunProgress | None] = ContextVar("vertical_progress", default=None)

PROGRESS_FILE = "VERTICAL_PROGRESS_FILE"  # set for a child process: where it reports its training


class _ChildReport:
    """A child process's training state, written to ``$VERTICAL_PROGRESS_FILE`` at most once a second."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.state: dict = {}
        self.written_at = 0.0

    def update(self, force: bool = False, **state) -> None:
        self.state.update(state)
        now = time.monotonic()
        if force or now - self.written_at >= 1.0:
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            temporary.write_text(json.dumps(self.state), encoding="utf-8")
            temporary.replace(self.path)  # the parent never reads half a file
            self.written_at = now


_child: _ChildReport | None = None


def _child_report() -> _ChildReport | None:
    """The report of this process when it is a child that should write one (and not in a session)."""
    global _child
    path = os.environ.get(PROGRESS_FILE)
    if not path or _current.get() is not None:
        return None
    if _child is None or _child.path != Path(path):
        _child = _ChildReport(Path(path))
    return _child


def build_started(label: str) -> None:
    """An ablation starts one of its builds, e.g. ``"build 2/6 mlm seed 1"``: the live line names it."""
    progress = _current.get()
    if progress is not None:
        progress.build = label


def stage_started(index: int, total: int, name: str) -> None:
    """The pipeline starts stage `index` (1-based) of `total`."""
    progress = _current.get()
    if progress is not None:
        progress.index, progress.total, progress.stage = index, total, name
        progress.stage_started_at = time.perf_counter()
        progress.training = None


def stage_finished(name: str, skipped: bool, wall_time_s: float) -> None:
    """The pipeline finished (or skipped) a stage: one permanent line above the live one."""
    progress = _current.get()
    if progress is None or progress.console is None:
        return
    progress.training = None
    done = "up to date, skipped" if skipped else f"done in {duration(wall_time_s)}"
    progress.console.print(f"stage {progress.index}/{progress.total} {name}: {done}", highlight=False)


def training_started(label: str, max_steps: int, done: int = 0) -> None:
    """A Trainer starts (or resumes at step `done`): the live line shows its steps from now on."""
    child = _child_report()
    if child is not None:
        child.update(force=True, label=label, max_steps=max_steps, done=done, step=done)
    progress = _current.get()
    if progress is not None:
        # "finetune/sector/general/final" -> "sector/general": the stage is already on the line
        short = label.removeprefix(f"{progress.stage}/").removesuffix("/final")
        progress.training = _Training(short, max_steps - done)


def training_step(step: int) -> None:
    """The running Trainer finished a step (`step` is its global step; the line counts from its start)."""
    child = _child_report()
    if child is not None:
        child.update(step=step)
    progress = _current.get()
    if progress is None or progress.training is None:
        return
    training, now = progress.training, time.perf_counter()
    training.step += 1
    if training.first_step_at is None:
        training.first_step_at = now
    training.last_step_at = now


def training_ended() -> None:
    """The running Trainer finished."""
    child = _child_report()
    if child is not None and child.state:
        child.update(force=True)  # its last step, which the once-a-second writes may have skipped
    progress = _current.get()
    if progress is not None:
        progress.training = None


def follow_progress_file(path: Path, running: Callable[[], bool], interval_s: float = 0.5) -> None:
    """While `running()`, put what a child process writes to `path` (see `PROGRESS_FILE`) on the live line."""
    label = None
    while running():
        time.sleep(interval_s)
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not written yet
        if state.get("label") != label:
            label = state["label"]
            training_started(label, state["max_steps"], state["done"])
        progress = _current.get()
        while progress is not None and progress.training is not None:
            if progress.training.step >= state["step"] - state["done"]:
                break
            training_step(state["done"] + progress.training.step + 1)
    training_ended()


@contextlib.contextmanager
def run_progress(
    console: Console | None, log_file: Path | None = None, quiet: bool = False, verbose: bool = False
) -> Iterator[RunProgress]:
    """A build's display: the live line on `console` (a terminal; elsewhere only the stage lines),
    nothing but warnings with `quiet`, INFO and the Trainer's logs in `log_file`.

    The terminal's log handlers are raised to WARNING for the session (unless `verbose`) and Hugging
    Face's progress bars are off: the live line replaces them.
    """
    import datasets
    from transformers.utils import logging as hf_logging

    progress = RunProgress(None if quiet else console)
    root = logging.getLogger()
    terminal = [handler for handler in root.handlers if not isinstance(handler, logging.FileHandler)]
    levels = [handler.level for handler in terminal]
    root_level = root.level
    file_handler = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
        root.addHandler(file_handler)
        root.setLevel(min(root_level or logging.WARNING, logging.DEBUG if verbose else logging.INFO))
    if not verbose:
        for handler in terminal:
            handler.setLevel(max(handler.level, logging.WARNING))
    bars = hf_logging.is_progress_bar_enabled(), datasets.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    datasets.disable_progress_bars()
    token = _current.set(progress)
    live = None
    if progress.console is not None and progress.console.is_terminal:
        live = Live(
            get_renderable=progress.line, console=progress.console, transient=True, refresh_per_second=2
        )
        live.start()
    try:
        yield progress
    finally:
        if live is not None:
            live.stop()
        _current.reset(token)
        if bars[0]:
            hf_logging.enable_progress_bar()
        if bars[1]:
            datasets.enable_progress_bars()
        for handler, level in zip(terminal, levels, strict=True):
            handler.setLevel(level)
        if file_handler is not None:
            root.removeHandler(file_handler)
            file_handler.close()
            root.setLevel(root_level)

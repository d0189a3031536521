"""The live line: stage i/n, what trains, and an ETA from the measured time per step."""

import time

from rich.console import Console

from vertical import progress


def test_eta_comes_from_the_measured_steps_after_the_first(monkeypatch):
    clock = iter([0.0, 100.0, 110.0, 120.0, 130.0])  # stage start, then steps 1 (slow warm-up), 2, 3, 4
    monkeypatch.setattr(time, "perf_counter", lambda: next(clock))
    console = Console(record=True, force_terminal=False, width=120)
    with progress.run_progress(console) as state:
        progress.stage_started(4, 7, "pretrain")
        progress.training_started("pretrain", max_steps=10)
        for step in range(1, 5):
            progress.training_step(step)
        assert state.training.eta() == 60.0  # 10 s a step since step 1, 6 steps left
        monkeypatch.setattr(time, "perf_counter", lambda: 130.0)
        line = state.line().plain
        progress.stage_finished("pretrain", False, 130.0)
    assert line.startswith("stage 4/7 pretrain · pretrain: step 4/10 · ETA 1:00 · stage 2:10")
    assert "stage 4/7 pretrain: done in 2:10" in console.export_text()


def test_outside_a_session_the_hooks_do_nothing():
    progress.stage_started(1, 2, "data")
    progress.training_started("x", 5)
    progress.training_step(1)
    progress.stage_finished("data", True, 0.0)


def test_quiet_prints_nothing():
    console = Console(record=True, force_terminal=False)
    with progress.run_progress(console, quiet=True):
        progress.stage_started(1, 1, "data")
        progress.stage_finished("data", False, 1.0)
    assert console.export_text() == ""


def test_before_the_first_stage_the_line_says_it_is_planning():
    with progress.run_progress(Console(record=True, force_terminal=False)) as state:
        assert state.line().plain.startswith("planning the stages · run 0:0")


def test_a_fine_tune_is_named_without_its_stage():
    with progress.run_progress(Console(record=True, force_terminal=False)) as state:
        progress.stage_started(5, 7, "finetune")
        progress.training_started("finetune/sector/general/final", 60)
        assert state.line().plain.startswith("stage 5/7 finetune · sector/general: step 0/60 · ETA …")

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


def test_a_child_processes_training_reaches_the_parents_line(tmp_path):
    # what --nproc pretraining does: the torchrun processes report through a file, the parent shows it
    import os
    import subprocess
    import sys

    report = tmp_path / "progress.json"
    child_code = (
        "import time\nfrom vertical import progress\nprogress.training_started('pretrain', 10, done=2)\n"
        "for step in range(3, 9):\n    progress.training_step(step)\n    time.sleep(0.3)\n"
        "progress.training_ended()\ntime.sleep(1.0)\n"
    )
    environment = {**os.environ, progress.PROGRESS_FILE: str(report)}
    child = subprocess.Popen([sys.executable, "-c", child_code], env=environment)
    seen = []
    with progress.run_progress(Console(record=True, force_terminal=False)) as state:
        progress.stage_started(4, 7, "pretrain")

        def running():
            if state.training is not None:
                seen.append(state.line().plain)
            return child.poll() is None

        progress.follow_progress_file(report, running, interval_s=0.1)
        assert state.training is None
    assert child.returncode == 0
    assert any(line.startswith("stage 4/7 pretrain · pretrain: step 6/8") for line in seen), seen[-3:]


def test_an_ablation_build_is_named_before_the_stage():
    with progress.run_progress(Console(record=True, force_terminal=False)) as state:
        progress.build_started("build 2/6 mlm seed 1")
        progress.stage_started(4, 7, "pretrain")
        assert state.line().plain.startswith("build 2/6 mlm seed 1 · stage 4/7 pretrain · stage 0:00")

"""Tracking and progress on a real tiny build: MLflow runs readable with `mlflow.search_runs`,
TensorBoard event files for every fine-tune, the Trainer's logs in run.log and not on the terminal."""

import os
import stat

import pytest
from typer.testing import CliRunner

from tests.conftest import write_tiny_project
from vertical.cli import app


@pytest.fixture(scope="module")
def tracked_run(tiny_model_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tracked")
    recipe = write_tiny_project(folder, tiny_model_dir, steps=40)
    previous = os.umask(0o022)
    try:
        result = CliRunner().invoke(
            app,
            [
                "run",
                str(recipe),
                "--runs-dir",
                str(folder / "runs"),
                "--set",
                "pretrain.steps=3",
                "--set",
                "tasks.0.epochs=1",
                "--set",
                "tracking.backends=[tensorboard, mlflow]",
            ],
        )
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    return folder / "runs", result.output


def test_mlflow_has_one_run_per_training_named_after_the_run_folder(tracked_run):
    import mlflow

    runs_dir, _ = tracked_run
    mlflow.set_tracking_uri(f"sqlite:///{runs_dir / 'mlflow.db'}")
    found = mlflow.search_runs(experiment_names=["tiny"])
    names = set(found["tags.mlflow.runName"])
    trainings = ("pretrain", "finetune/topic/general/final", "finetune/topic/vertical/final")
    assert {f"tiny/{name}" for name in trainings} <= names
    pretrain = found[found["tags.mlflow.runName"] == "tiny/pretrain"].iloc[0]
    assert pretrain["params.max_steps"] == "3"  # the --set override reached the Trainer
    assert pretrain["tags.vertical.run_dir"] == str((runs_dir / "tiny").resolve())
    assert pretrain["status"] == "FINISHED" and pretrain["metrics.loss"] > 0


def test_every_fine_tune_writes_tensorboard_events(tracked_run):
    runs_dir, _ = tracked_run
    for variant in ("general", "vertical"):
        board = runs_dir / "tiny" / "tensorboard" / "finetune" / "topic" / variant / "final"
        assert any(board.glob("events.out.tfevents.*")), board
    assert any((runs_dir / "tiny" / "pretrain" / "tensorboard").rglob("events.out.tfevents.*"))


def test_trainer_logs_go_to_the_log_file_not_the_terminal(tracked_run):
    runs_dir, output = tracked_run
    assert "{'loss'" not in output and "'learning_rate'" not in output
    assert "stage 3/5 pretrain: done in" in output  # one line per finished stage
    log = (runs_dir / "tiny" / "run.log").read_text()
    assert "vertical.training: pretrain step 3: {'loss'" in log
    assert "vertical.training: finetune/topic/vertical/final step" in log


def test_the_run_folder_and_report_follow_the_umask(tracked_run):
    runs_dir, _ = tracked_run
    assert stat.S_IMODE((runs_dir / "tiny" / "evaluate").stat().st_mode) == 0o755
    assert stat.S_IMODE((runs_dir / "tiny" / "report.html").stat().st_mode) == 0o644


def test_a_bad_override_exits_2_naming_it(tiny_model_dir, tmp_path):
    recipe = write_tiny_project(tmp_path, tiny_model_dir)
    result = CliRunner().invoke(app, ["run", str(recipe), "--set", "pretrain.steps=many"])
    assert result.exit_code == 2
    assert "--set pretrain.steps=many: pretrain.steps: Input should be a valid integer" in result.output

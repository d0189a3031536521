"""The W&B tracker in offline mode: one run per training, its files in the run folder, nothing sent."""

import pytest
from transformers import TrainerControl, TrainerState, TrainingArguments

from vertical.tracking.callbacks import WandbTracker


def test_an_offline_wandb_run_is_written_under_the_run_folder(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_SILENT", "true")
    run_dir = tmp_path / "runs" / "tiny"
    tracker = WandbTracker("tiny", run_dir, "finetune/topic/vertical/final", "offline")
    args = TrainingArguments(output_dir=str(tmp_path / "out"), learning_rate=3e-4, report_to="none")
    state, control = TrainerState(), TrainerControl()
    tracker.on_train_begin(args, state, control)
    assert tracker.run.name == "tiny/finetune/topic/vertical/final"
    assert tracker.run.config["learning_rate"] == "0.0003"
    for step, loss in ((1, 2.0), (2, 1.5)):
        state.global_step = step
        tracker.on_log(args, state, control, logs={"loss": loss, "epoch": 0.5 * step})
    tracker.on_train_end(args, state, control)
    assert tracker.run is None
    offline = list((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
    assert offline, sorted(p.name for p in (run_dir / "wandb").iterdir())

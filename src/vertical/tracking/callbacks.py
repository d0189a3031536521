"""The Trainer callbacks of a build: the live progress line, the log file, and the tracking backends.

`trainer_callbacks` is what every `Trainer` of the build gets; `quiet_trainer` takes out the Trainer's
own printing (a tqdm bar, raw log dicts), which the live line and ``run.log`` replace.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from transformers import TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from vertical import progress
from vertical.tracking import current_session

log = logging.getLogger(__name__)
training_log = logging.getLogger("vertical.training")


def trainer_callbacks(name: str, tensorboard_dir: Path | None = None) -> list[TrainerCallback]:
    """The callbacks of one training, e.g. ``name="finetune/sentiment/vertical"``: progress and logging,
    then the recipe's tracking backends (in that order: the trackers see the logs the others add).

    `tensorboard_dir`: where this training's event files go (else the run folder's
    ``tensorboard/<name>``). Outside a build's session only `tensorboard_dir`, when given, is written.
    """
    session = current_session()
    backends = session.config.backends if session else ["tensorboard"]
    callbacks: list[TrainerCallback] = [TrainingProgress(name)]
    if "tensorboard" in backends:
        board = tensorboard_dir or (session.run_dir / "tensorboard" / name if session else None)
        if board is not None:
            callbacks += _tensorboard(board)
    if session and "mlflow" in backends:
        callbacks.append(MlflowTracker(session.mlflow_uri, session.experiment, session.run_dir, name))
    if session and "wandb" in backends:
        callbacks.append(WandbTracker(session.experiment, session.run_dir, name, session.config.wandb_mode))
    return callbacks


def quiet_trainer(trainer) -> None:
    """Take out the Trainer's own printing: its tqdm bar, or the printer of raw log dicts."""
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)


class TrainingProgress(TrainerCallback):
    """Puts a Trainer's steps on the live line and its logged dicts in the ``vertical.training`` log."""

    def __init__(self, name: str) -> None:
        self.name = name

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            progress.training_started(self.name, state.max_steps, state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            progress.training_step(state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            training_log.info("%s step %d: %s", self.name, state.global_step, logs)

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            progress.training_ended()


def _tensorboard(log_dir: Path) -> list[TrainerCallback]:
    from transformers.integrations import TensorBoardCallback

    try:
        callback = TensorBoardCallback()
    except RuntimeError:  # tensorboard is a dependency; a trimmed install still trains
        log.warning("tensorboard is not installed: no TensorBoard logs")
        return []
    # The callback opens its writer on the first process only (at train begin), in this folder: the
    # attribute its TENSORBOARD_LOGGING_DIR variable sets, set here without touching the environment.
    callback.logging_dir = str(log_dir)
    return [callback]


def _hyperparameters(args) -> dict[str, str]:
    keys = (
        "learning_rate",
        "per_device_train_batch_size",
        "num_train_epochs",
        "max_steps",
        "seed",
        "weight_decay",
        "warmup_steps",
        "lr_scheduler_type",
        "bf16",
    )
    return {key: str(getattr(args, key)) for key in keys if hasattr(args, key)}


def _numbers(logs: dict) -> dict[str, float]:
    return {k: float(v) for k, v in logs.items() if isinstance(v, int | float) and not isinstance(v, bool)}


class MlflowTracker(TrainerCallback):
    """One MLflow run per training: the Trainer's hyper-parameters as params, each log as metrics."""

    def __init__(self, tracking_uri: str, experiment: str, run_dir: Path, name: str) -> None:
        self.tracking_uri, self.experiment, self.run_dir, self.name = tracking_uri, experiment, run_dir, name
        self.client = None
        self.run_id: str | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero or self.run_id is not None:
            return
        from mlflow import MlflowClient

        self.client = MlflowClient(tracking_uri=self.tracking_uri)
        found = self.client.get_experiment_by_name(self.experiment)
        experiment_id = found.experiment_id if found else self.client.create_experiment(self.experiment)
        run = self.client.create_run(
            experiment_id,
            run_name=f"{self.run_dir.name}/{self.name}",
            tags={"vertical.run_dir": str(self.run_dir.resolve()), "vertical.training": self.name},
        )
        self.run_id = run.info.run_id
        for key, value in _hyperparameters(args).items():
            self.client.log_param(self.run_id, key, value)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.client is None or self.run_id is None or not logs:
            return
        from mlflow.entities import Metric

        now = _now_ms()
        metrics = [Metric(key, value, now, state.global_step) for key, value in _numbers(logs).items()]
        if metrics:
            self.client.log_batch(self.run_id, metrics=metrics)

    def on_train_end(self, args, state, control, **kwargs):
        if self.client is not None and self.run_id is not None:
            self.client.set_terminated(self.run_id)
            self.run_id = None


class WandbTracker(TrainerCallback):
    """One W&B run per training, offline unless `mode` is ``online``; files in ``<run dir>/wandb``."""

    def __init__(self, project: str, run_dir: Path, name: str, mode: str) -> None:
        self.project, self.run_dir, self.name, self.mode = project, run_dir, name, mode
        self.run = None

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero or self.run is not None:
            return
        import wandb

        (self.run_dir / "wandb").mkdir(parents=True, exist_ok=True)
        self.run = wandb.init(
            project=self.project,
            name=f"{self.run_dir.name}/{self.name}",
            dir=str(self.run_dir),
            mode=self.mode,
            config=_hyperparameters(args),
            tags=[self.name.split("/")[0]],
            reinit="create_new",
        )

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.run is not None and logs:
            self.run.log(_numbers(logs), step=state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        if self.run is not None:
            self.run.finish()
            self.run = None


def _now_ms() -> int:
    return int(time.time() * 1000)

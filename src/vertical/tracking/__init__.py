"""Experiment tracking of every training (pretraining and each fine-tune): TensorBoard, MLflow, W&B.

The recipe's ``tracking`` section picks the backends (``tracking: {backends: [tensorboard, mlflow]}``;
TensorBoard alone by default). Nothing leaves the machine unless asked:

- TensorBoard: event files in the run folder: ``runs/<name>/tensorboard/finetune/<task>/<variant>``
  while each fine-tune runs, ``runs/<name>/pretrain/tensorboard`` for pretraining (kept in its work
  folder until it ends, so a resumed run goes on with its curve); ``tensorboard --logdir runs/<name>``.
- MLflow: a local SQLite store, ``runs/mlflow.db`` by default (`mlflow_uri` for a server); one MLflow
  run per training, named ``<run name>/<training>`` and tagged with the run folder.
  ``mlflow ui --backend-store-uri sqlite:///runs/mlflow.db``, or ``mlflow.search_runs``.
- W&B: offline mode (``runs/<name>/wandb``; ``wandb sync`` uploads it later) unless `wandb_mode`
  is ``online``.

This package's root is light (the recipe imports it); the Trainer callbacks are in `callbacks`.
The backends are not part of a stage's fingerprint: changing them re-runs nothing. The MLflow and W&B
callbacks are written here rather than taken from ``transformers.integrations``: those read their
settings from environment variables and the libraries' global state, which a build must not touch.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Backend = Literal["tensorboard", "mlflow", "wandb"]


class TrackingConfig(BaseModel):
    """Where the trainings' curves go; settings only of reporting, so no stage re-runs for them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backends: list[Backend] = Field(
        default_factory=lambda: ["tensorboard"],
        description="where every training's curves go: tensorboard, mlflow (local store), wandb (offline)",
    )
    mlflow_uri: str | None = Field(None, description="default: sqlite:///<runs dir>/mlflow.db")
    experiment: str | None = Field(None, description="MLflow experiment, W&B project; default: recipe name")
    wandb_mode: Literal["offline", "online"] = Field(
        "offline", description="W&B writes locally unless online (which sends the curves to W&B)"
    )

    @field_validator("backends")
    @classmethod
    def _installed(cls, backends: list[Backend]) -> list[Backend]:
        installs = {
            "mlflow": "'vertical[mlflow]'",
            "wandb": "'vertical[wandb]'",
            "tensorboard": "tensorboard",
        }
        for backend, install in installs.items():
            if backend in backends and importlib.util.find_spec(backend) is None:
                raise ValueError(f"{backend} is not installed: pip install {install}")
        return list(dict.fromkeys(backends))


@dataclass(frozen=True)
class _Session:
    config: TrackingConfig
    run_dir: Path  # runs/<name>

    @property
    def experiment(self) -> str:
        return self.config.experiment or self.run_dir.name

    @property
    def mlflow_uri(self) -> str:
        return self.config.mlflow_uri or f"sqlite:///{(self.run_dir.parent / 'mlflow.db').resolve()}"


_current: ContextVar[_Session | None] = ContextVar("vertical_tracking", default=None)


@contextlib.contextmanager
def tracking_session(config: TrackingConfig, run_dir: Path) -> Iterator[None]:
    """The trainings inside the block report to `config`'s backends, named after `run_dir`."""
    token = _current.set(_Session(config, Path(run_dir)))
    try:
        yield
    finally:
        _current.reset(token)


def current_session() -> _Session | None:
    """The tracking session of the build in progress, if any."""
    return _current.get()

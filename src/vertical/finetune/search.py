"""Hyper-parameter search with optuna (Akiba et al. 2019): learning rate, epochs and batch size.

Each trial trains a model from the base with the drawn values and is scored by a function the
caller gives; the finetune stage scores it on the **validation split only**, never on the test
examples, and then trains the final model with the best values. The sampler is TPE seeded with
the run's seed, so the general and the vertical base get the same budget and, for their first
trials (TPE starts with random draws), the very same candidates: a fair comparison.

Why not ``Trainer.hyperparameter_search``: it scores trials with ``Trainer.evaluate``, whose
predictions would have to be re-aligned to words for NER; here a trial is scored by the same
code that scores the test predictions (evaluate/scoring.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from vertical.finetune.config import SearchSpace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchResult:
    """What a search tried and what it chose."""

    metric: str  # what each trial was scored by, on the validation split
    best_params: dict  # learning_rate, epochs, batch_size of the best trial
    best_value: float
    trials: list[dict] = field(default_factory=list)  # number, params, value of each trial

    def as_dict(self) -> dict:
        return asdict(self)


def search_hyperparameters(
    space: SearchSpace,
    trials: int,
    objective: Callable[[dict], float],
    metric: str,
    seed: int = 0,
) -> SearchResult:
    """Run `trials` optuna trials maximising ``objective(params)``.

    Args:
        space: the ranges: learning rate (log scale), epochs (whole numbers), batch size (choices).
        trials: how many models to train.
        objective: trains with ``{"learning_rate", "epochs", "batch_size"}`` and returns its
            validation score (higher is better).
        metric: the name of that score, for the record.
        seed: seed of the TPE sampler.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per trial is ours, below

    def run(trial: optuna.Trial) -> float:
        params = {
            "learning_rate": trial.suggest_float("learning_rate", *space.learning_rate, log=True),
            "epochs": trial.suggest_int("epochs", *space.epochs),
            "batch_size": trial.suggest_categorical("batch_size", list(space.batch_size)),
        }
        value = objective(params)
        log.info("search: trial %d %s -> validation %s %.4f", trial.number, params, metric, value)
        return value

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(run, n_trials=trials)
    return SearchResult(
        metric=metric,
        best_params=dict(study.best_trial.params),
        best_value=round(float(study.best_value), 4),
        trials=[
            {"number": t.number, "params": dict(t.params), "value": round(float(t.value), 4)}
            for t in study.trials
            if t.value is not None
        ],
    )

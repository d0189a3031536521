"""The collapse guard: a model answering one class is retried (2x epochs, balanced weights), stopped or
warned about, judged on the validation split (never the test); and a real tiny run goes through it."""

import json

import pytest

from vertical.errors import VerticalError
from vertical.finetune import finetune_tasks
from vertical.finetune.classification import Predictions
from vertical.finetune.guard import train_guarded
from vertical.recipe import TaskConfig
from vertical.records import Example

LABELS = ["card", "fx"]


def _examples(count: int) -> list[Example]:
    return [Example(text=f"text {n}", label=LABELS[n % 2]) for n in range(count)]


class FakeTrainer:
    """Answers class 0 for everything until it is given `learns_at` epochs and balanced weights."""

    def __init__(self, learns_at: float | None):
        self.learns_at = learns_at
        self.calls: list[dict] = []

    def __call__(
        self, cfg, model_path, train, test, labels, output_dir, work_dir, seed, precision, validation
    ):
        self.calls.append({"epochs": cfg.epochs, "weights": cfg.class_weights, "examples": len(test)})
        learnt = (
            self.learns_at is not None and cfg.epochs >= self.learns_at and cfg.class_weights == "balanced"
        )
        gold = [LABELS.index(e.label) for e in test]
        predicted = gold if learnt else [0] * len(test)
        probabilities = [[1.0 - p, float(p)] for p in predicted]
        return Predictions(LABELS, gold, predicted, probabilities), {"loss": [], "epochs_trained": cfg.epochs}


def _guard(tmp_path, trainer, validation=None, **settings):
    data = tmp_path / "t.csv"
    data.write_text("text,label\na,card\nb,fx\n")
    task = TaskConfig(name="intent", data=str(data), epochs=3, **settings)
    return train_guarded(
        trainer,
        task,
        tmp_path,
        _examples(20),
        _examples(10),
        LABELS,
        tmp_path / "model",
        tmp_path / "work" / "final",
        0,
        "fp32",
        validation=validation,
        subject="the general model",
    )


def test_with_a_validation_split_a_collapse_is_retried_with_twice_the_epochs_and_balanced_weights(tmp_path):
    trainer = FakeTrainer(learns_at=6)
    predictions, history, kept = _guard(tmp_path, trainer, validation=_examples(8), early_stopping_patience=2)
    assert [(c["epochs"], c["weights"]) for c in trainer.calls] == [(3, "none"), (6, "balanced")]
    assert trainer.calls[0]["examples"] == 8 + 10  # validation and test predicted in one pass
    assert len(predictions.gold) == 10 and predictions.predicted == predictions.gold  # the test part
    assert (kept.epochs, kept.class_weights) == (6, "balanced")
    record = history["collapse"]
    assert record["checked_on"] == "validation" and record["action"] == "retry"
    assert record["found"]["label"] == "card" and record["after_retry"] is None
    assert record["retried_with"] == {"epochs": 6, "class_weights": "balanced"}


def test_a_retry_that_collapses_again_is_kept_and_recorded(tmp_path):
    predictions, history, _ = _guard(
        tmp_path, FakeTrainer(None), validation=_examples(8), on_collapse="retry"
    )
    assert history["collapse"]["after_retry"]["share"] == 1.0
    assert set(predictions.predicted) == {0}


def test_stop_raises_one_line_saying_what_to_change(tmp_path):
    with pytest.raises(VerticalError) as raised:
        _guard(tmp_path, FakeTrainer(6), validation=_examples(8), on_collapse="stop")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(
        "task 'intent': the general model predicts one class (card) for 100% of the validation examples"
    )
    assert "after 3 epochs at learning rate 0.0001" in message and "class_weights: balanced" in message


def test_without_a_validation_split_the_default_warns_on_the_test_and_trains_once(tmp_path, caplog):
    trainer = FakeTrainer(6)
    predictions, history, kept = _guard(tmp_path, trainer)
    assert len(trainer.calls) == 1 and trainer.calls[0]["examples"] == 10  # nothing but the test predicted
    assert history["collapse"]["action"] == "warn" and history["collapse"]["checked_on"] == "test"
    assert kept.epochs == 3
    assert "predicts one class (card)" in caplog.text


def test_without_a_validation_split_retry_is_judged_on_the_training_examples(tmp_path):
    trainer = FakeTrainer(6)
    _, history, _ = _guard(tmp_path, trainer, on_collapse="retry")
    assert trainer.calls[0]["examples"] == 20 + 10
    assert history["collapse"]["checked_on"] == "training" and len(trainer.calls) == 2


def test_a_model_that_learnt_is_trained_once_and_has_no_collapse_record(tmp_path):
    class Learns(FakeTrainer):
        def __call__(self, cfg, *args, **kwargs):
            return super().__call__(cfg.model_copy(update={"class_weights": "balanced"}), *args, **kwargs)

    trainer = Learns(learns_at=1)
    _, history, _ = _guard(tmp_path, trainer, validation=_examples(8))
    assert len(trainer.calls) == 1 and "collapse" not in history


def test_a_real_tiny_run_that_collapses_is_retried_and_the_record_reaches_training_json(
    tmp_path, tiny_model_dir
):
    # 3 classes 70/15/15 and one short epoch at a low rate: the random tiny model learns the prior only
    data = tmp_path / "intent.csv"
    rows = [f"card {n} lost,card" for n in range(28)] + [f"euro rate {n},fx" for n in range(6)]
    rows += [f"loan term {n},loan" for n in range(6)]
    data.write_text("text,label\n" + "\n".join(rows) + "\n")
    task = TaskConfig(
        name="intent",
        data=str(data),
        test=str(data),
        validation=str(data),
        epochs=1,
        batch_size=8,
        learning_rate=1e-3,
        max_length=16,
    )
    out = tmp_path / "finetune"
    finetune_tasks([task], tiny_model_dir, tiny_model_dir, out, tmp_path / "work", seed=0, precision="fp32")
    training = json.loads((out / "intent" / "general" / "training.json").read_text())
    record = training["collapse"]
    assert record["checked_on"] == "validation" and record["found"]["label"] == "card"
    assert record["retried_with"] == {"epochs": 2, "class_weights": "balanced"}
    assert training["hyperparameters"]["epochs"] == 2
    assert training["hyperparameters"]["class_weights"] == "balanced"

"""The shared training loop on the tiny model: validation loss per epoch, early stopping with the best
epoch restored, and class weights reaching the `Trainer`'s loss."""

import numpy as np
import pytest
import torch

from vertical.finetune.class_weights import balanced_weights
from vertical.finetune.classification import predict_logits, train_classifier
from vertical.models import load_tokenizer
from vertical.recipe import TaskConfig
from vertical.records import Example


def _validation_loss(model_dir, examples, labels, weights=None) -> float:
    """Cross-entropy of the saved model on `examples`, weighted like the Trainer's loss."""
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    logits = torch.as_tensor(predict_logits(model, load_tokenizer(model_dir), [e.text for e in examples], 32))
    gold = torch.tensor([labels.index(e.label) for e in examples])
    weights = torch.ones(len(labels)) if weights is None else weights
    return torch.nn.functional.cross_entropy(logits.float(), gold, weight=weights).item()


def test_early_stopping_stops_before_the_budget_and_restores_the_best_epoch(tmp_path, tiny_model_dir):
    train = [Example(f"card number {n} not arrived", "card") for n in range(8)]
    train += [Example(f"exchange rate {n} for euros", "fx") for n in range(8)]
    # validation says the opposite of training: the better the model fits, the worse it validates
    validation = [Example(f"card number {n} not arrived", "fx") for n in range(20, 24)]
    validation += [Example(f"exchange rate {n} for euros", "card") for n in range(20, 24)]
    task = TaskConfig(
        name="intent",
        data=__file__,
        epochs=20,
        batch_size=8,
        learning_rate=3e-3,
        max_length=32,
        early_stopping_patience=2,
    )
    _, history = train_classifier(
        task,
        tiny_model_dir,
        train,
        train,
        ["card", "fx"],
        tmp_path / "model",
        tmp_path / "work",
        0,
        "fp32",
        validation=validation,
    )
    assert history["stopped_early"] and history["epochs_trained"] < 20
    losses = [loss for _, loss in history["validation_loss"]]
    assert len(losses) == round(history["epochs_trained"])  # one validation per epoch
    assert history["best_validation_loss"] == pytest.approx(min(losses))
    assert losses[-1] > min(losses)  # it stopped because the loss rose
    # the saved model is the best epoch's, not the last one's
    assert _validation_loss(tmp_path / "model", validation, ["card", "fx"]) == pytest.approx(
        min(losses), abs=2e-4
    )


def test_balanced_class_weights_are_the_loss_the_trainer_minimises(tmp_path, tiny_model_dir):
    train = [Example(f"card number {n} not arrived", "card") for n in range(12)]
    train += [Example(f"exchange rate {n}", "fx") for n in range(3)]
    validation = [Example("card number 99 not arrived", "card"), Example("exchange rate 99", "fx")]
    task = TaskConfig(
        name="intent",
        data=__file__,
        epochs=2,
        batch_size=8,
        learning_rate=1e-3,
        max_length=32,
        class_weights="balanced",
    )
    labels = ["card", "fx"]
    _, history = train_classifier(
        task,
        tiny_model_dir,
        train,
        validation,
        labels,
        tmp_path / "model",
        tmp_path / "work",
        0,
        "fp32",
        validation=validation,
    )
    weights = balanced_weights([labels.index(e.label) for e in train], 2)
    np.testing.assert_allclose(weights.numpy(), [15 / 24, 15 / 6], rtol=1e-6)
    logged = history["validation_loss"][-1][1]  # the last epoch's, of the saved (last) model
    assert logged == pytest.approx(
        _validation_loss(tmp_path / "model", validation, labels, weights), abs=2e-4
    )
    assert logged != pytest.approx(_validation_loss(tmp_path / "model", validation, labels), abs=1e-3)

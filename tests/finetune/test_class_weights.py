"""Class weights against the scikit-learn formula, and the weighted losses against hand computation."""

import numpy as np
import pytest
import torch
from sklearn.utils.class_weight import compute_class_weight

from vertical.finetune.class_weights import (
    WeightedBinaryCrossEntropy,
    WeightedCrossEntropy,
    balanced_weights,
    positive_weights,
)


def test_balanced_weights_are_scikit_learns_and_an_absent_class_weighs_nothing():
    ids = [0, 0, 0, 0, 1, 2, 2, -100, -100]
    weights = balanced_weights(ids, classes=4)
    expected = compute_class_weight(
        "balanced", classes=np.array([0, 1, 2]), y=np.array([0, 0, 0, 0, 1, 2, 2])
    )
    np.testing.assert_allclose(weights[:3].numpy(), expected, rtol=1e-6)
    assert weights[3] == 0.0


def test_positive_weights_are_negatives_over_positives():
    rows = [[1, 0, 1], [0, 0, 1], [0, 1, 1], [0, 0, 1]]
    np.testing.assert_allclose(positive_weights(rows).numpy(), [3.0, 3.0, 1.0])


def test_weighted_cross_entropy_is_the_weighted_mean_of_minus_log_p():
    torch.manual_seed(0)
    logits = torch.randn(6, 3)
    labels = torch.tensor([0, 1, 2, 2, 0, 0])
    weights = torch.tensor([0.5, 2.0, 1.5])
    loss = WeightedCrossEntropy(weights)({"logits": logits}, labels)
    log_p = torch.log_softmax(logits, dim=1)[torch.arange(6), labels]
    by_hand = -(weights[labels] * log_p).sum() / weights[labels].sum()
    assert loss.item() == pytest.approx(by_hand.item(), rel=1e-6)
    unweighted = WeightedCrossEntropy(torch.ones(3))({"logits": logits}, labels)
    assert unweighted.item() == pytest.approx(-log_p.mean().item(), rel=1e-6)
    assert loss.item() != pytest.approx(unweighted.item(), rel=1e-3)


def test_weighted_cross_entropy_over_tokens_skips_ignored_pieces():
    torch.manual_seed(1)
    logits = torch.randn(2, 4, 3)  # (B, T, tags)
    labels = torch.tensor([[-100, 0, 1, -100], [2, -100, 0, 0]])
    weights = torch.tensor([0.2, 3.0, 1.0])
    loss = WeightedCrossEntropy(weights)({"logits": logits}, labels)
    kept = labels.reshape(-1) != -100
    flat_logits, flat_labels = logits.reshape(-1, 3)[kept], labels.reshape(-1)[kept]
    log_p = torch.log_softmax(flat_logits, dim=1)[torch.arange(len(flat_labels)), flat_labels]
    by_hand = -(weights[flat_labels] * log_p).sum() / weights[flat_labels].sum()
    assert loss.item() == pytest.approx(by_hand.item(), rel=1e-6)


def test_weighted_binary_cross_entropy_weighs_the_positive_term():
    torch.manual_seed(2)
    logits = torch.randn(5, 3)
    labels = torch.tensor([[1, 0, 0], [0, 1, 0], [1, 1, 1], [0, 0, 0], [0, 0, 1]], dtype=torch.float)
    pos_weight = torch.tensor([4.0, 1.0, 0.5])
    loss = WeightedBinaryCrossEntropy(pos_weight)({"logits": logits}, labels)
    p = torch.sigmoid(logits)
    by_hand = -(pos_weight * labels * torch.log(p) + (1 - labels) * torch.log(1 - p)).mean()
    assert loss.item() == pytest.approx(by_hand.item(), rel=1e-5)
    # with weights 1 it is the loss transformers computes for multi_label_classification
    plain = torch.nn.BCEWithLogitsLoss()(logits, labels)
    assert WeightedBinaryCrossEntropy(torch.ones(3))({"logits": logits}, labels).item() == pytest.approx(
        plain.item(), rel=1e-6
    )

import numpy as np
import pytest
from seqeval.metrics import f1_score, precision_score, recall_score

from vertical.evaluate.entities import entity_counts, entity_metrics, entity_types
from vertical.evaluate.significance import macro_f1, micro_f1

GOLD = [
    ["B-Disease", "I-Disease", "O", "B-Gene"],
    ["O", "B-Disease", "O"],
    ["B-Gene", "I-Gene", "O", "B-Disease"],
]
PREDICTED = [
    ["B-Disease", "I-Disease", "O", "O"],  # one right, one gene missed
    ["O", "B-Disease", "I-Disease"],  # wrong boundary: no match
    ["B-Gene", "I-Gene", "O", "B-Gene"],  # gene right, disease typed as gene
]
TAGS = ["O", "B-Disease", "I-Disease", "B-Gene", "I-Gene"]


def test_entity_scores_match_seqeval_and_hand_counts():
    result = entity_metrics(GOLD, PREDICTED, TAGS)
    # gold entities: 5; predicted: 4; exact matches: 2
    assert result["entity_precision"] == pytest.approx(2 / 4, abs=1e-4)
    assert result["entity_recall"] == pytest.approx(2 / 5, abs=1e-4)
    assert result["entity_f1"] == pytest.approx(f1_score(GOLD, PREDICTED), abs=1e-4)
    assert result["entity_precision"] == pytest.approx(precision_score(GOLD, PREDICTED), abs=1e-4)
    assert result["entity_recall"] == pytest.approx(recall_score(GOLD, PREDICTED), abs=1e-4)
    assert result["per_class"]["Gene"]["support"] == 2
    assert result["macro_f1"] == pytest.approx(f1_score(GOLD, PREDICTED, average="macro"), abs=1e-4)


def test_summed_counts_give_the_same_micro_and_macro_f1():
    types = entity_types(TAGS)
    counts = entity_counts(GOLD, PREDICTED, types).astype(float)  # (3 sentences, 3 * 2 types)
    micro = counts.reshape(3, -1, 3).sum(axis=1)
    assert micro_f1(micro.sum(axis=0, keepdims=True))[0] == pytest.approx(f1_score(GOLD, PREDICTED))
    assert macro_f1(counts.sum(axis=0, keepdims=True))[0] == pytest.approx(
        f1_score(GOLD, PREDICTED, average="macro")
    )
    assert np.array_equal(counts[0], [1, 1, 1, 0, 0, 1])


def test_word_confusion_merges_b_and_i_into_types_by_hand_count():
    from vertical.evaluate.entities import word_confusion

    labels, matrix = word_confusion(GOLD, PREDICTED, ["Disease", "Gene"])
    assert labels == ["O", "Disease", "Gene"]
    # rows gold, columns predicted, counted word by word from GOLD and PREDICTED above
    assert matrix == [[3, 1, 0], [0, 3, 1], [1, 0, 2]]
    assert entity_metrics(GOLD, PREDICTED, TAGS)["confusion_matrix"] == matrix

"""Exact match and token F1 of free-text answers, SQuAD-normalised, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from vertical.evaluate.llm_qa import answer_tokens, exact_match, normalise_answer, qa_metrics, token_f1
from vertical.evaluate.scoring import compare_predictions, score_predictions


def test_normalisation():
    assert normalise_answer("  The Banking sector. ") == "banking sector"
    assert exact_match("banking", "The banking!") == 1.0
    assert exact_match("banks", "banking") == 0.0
    assert answer_tokens("白酒行业") == ["白", "酒", "行", "业"]
    assert answer_tokens("A 股ABC") == ["股", "abc"]


def test_token_f1_by_hand():
    # prediction: {banking, and, insurance}; gold: {banking}: p = 1/3, r = 1, F1 = 2 * 1/3 / (4/3) = 0.5
    assert token_f1("banking and insurance", "banking") == pytest.approx(0.5)
    assert token_f1("茅台酒", "白酒") == pytest.approx(0.4)  # common {酒}: p = 1/3, r = 1/2
    assert token_f1("", "") == 1.0 and token_f1("x", "") == 0.0


def _record(predicted):
    gold = ["banking", "Zelmar", "Anna Vor", "mining"]
    return {"task_type": "instruct", "gold": gold, "predicted": predicted, "labels": [], "samples": []}


def test_scores_and_paired_bootstrap():
    general = _record(["insurance", "Zelmar", "Anna", "energy"])
    vertical = _record(["banking", "Zelmar", "Anna Vor", "mining"])
    scores = score_predictions(general)
    assert scores["exact_match"] == 0.25
    assert scores["token_f1"] == pytest.approx(np.mean([0, 1, 2 / 3, 0]), abs=1e-4)
    assert qa_metrics(vertical)["exact_match"] == 1.0
    differences = {d.metric: d for d in compare_predictions(general, vertical, samples=200)}
    assert set(differences) == {"exact_match", "token_f1"}
    assert differences["exact_match"].difference == pytest.approx(0.75)
    assert differences["exact_match"].low <= 0.75 <= differences["exact_match"].high

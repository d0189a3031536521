"""A collapsed model (one class for nearly every example) is detected, recorded and put in the box."""

import json

from vertical.collapse import collapse_of_counts, detect_collapse
from vertical.evaluate.compare import compare_variants
from vertical.predictions import write_predictions
from vertical.recipe import EvaluateConfig

LABELS = ["card", "fx", "loan"]


def _record(gold: list[int], predicted: list[int]) -> dict:
    probabilities = [[1.0 if j == p else 0.0 for j in range(len(LABELS))] for p in predicted]
    return {
        "task_type": "classification",
        "labels": LABELS,
        "gold": gold,
        "predicted": predicted,
        "probabilities": probabilities,
    }


GOLD = [0] * 40 + [1] * 30 + [2] * 30  # three classes, none over 90%


def test_one_class_for_every_example_is_a_collapse():
    found = detect_collapse(_record(GOLD, [1] * 100))
    assert (found.label, found.share, found.gold_share, found.classes) == ("fx", 1.0, 0.3, 3)
    assert found.describe("the vertical model", "test") == (
        "the vertical model predicts one class (fx) for 100% of the test examples (3 classes there)"
    )


def test_nearly_one_class_is_a_collapse_and_a_spread_answer_is_not():
    nearly = [0] * 95 + [1] * 3 + [2] * 2
    assert detect_collapse(_record(GOLD, nearly)).share == 0.95
    spread = [0] * 85 + [1] * 10 + [2] * 5  # 85% on one class: a weak model, not a collapsed one
    assert detect_collapse(_record(GOLD, spread)) is None
    assert detect_collapse(_record(GOLD, GOLD)) is None


def test_a_test_that_is_mostly_one_class_answered_so_is_not_a_collapse():
    gold = [0] * 95 + [1] * 5
    mostly = [0] * 97 + [1] * 3
    assert detect_collapse(_record(gold, mostly)) is None
    # ... but answering it with a single class is, and a one-class test never is
    assert detect_collapse(_record(gold, [0] * 100)).label == "card"
    assert detect_collapse(_record([2] * 10, [2] * 10)) is None
    assert collapse_of_counts([5, 5], [0, 0], ["a", "b"]) is None  # nothing predicted


def test_a_tagger_that_tags_no_entity_is_collapsed():
    gold = [["O", "B-Disease", "I-Disease"], ["B-Gene", "O"]]
    record = {"task_type": "ner", "labels": ["O", "B-Disease", "I-Disease", "B-Gene"], "gold": gold}
    found = detect_collapse(record | {"predicted": [["O", "O", "O"], ["O", "O"]]})
    assert found.tagger and found.classes == 2
    assert found.describe("the general model", "test") == (
        "the general model tags no entity in the test examples, which have 2 entity types"
    )
    assert detect_collapse(record | {"predicted": [["O", "B-Disease", "O"], ["O", "O"]]}) is None
    assert detect_collapse({"task_type": "multilabel", "gold": [[1, 0]], "predicted": [[1, 0]]}) is None


def test_the_evaluate_stage_records_a_collapse_and_names_it_in_the_report(tmp_path):
    finetune, out = tmp_path / "finetune", tmp_path / "evaluate"
    write_predictions(finetune / "intent" / "general", _record(GOLD, GOLD))
    write_predictions(finetune / "intent" / "vertical", _record(GOLD, [0] * 96 + [1] * 4))
    compare_variants(EvaluateConfig(bootstrap_samples=100), ["intent"], finetune, out, "t")
    collapse = json.loads((out / "metrics.json").read_text())["tasks"]["intent"]["collapse"]
    assert collapse["general"] is None
    assert collapse["vertical"] == {
        "label": "card",
        "share": 0.96,
        "gold_share": 0.4,
        "classes": 3,
        "tagger": False,
    }
    line = "intent: the vertical model predicts one class (card) for 96% of the test examples"
    for report in ("report.md", "report.html"):
        text = (out / report).read_text()
        assert line in text and "raise tasks[].epochs or learning_rate" in text
        assert "the general model predicts one class" not in text

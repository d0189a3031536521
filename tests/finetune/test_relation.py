import json

import pytest

from vertical.errors import DataError
from vertical.finetune.relation import RelationExample, mark_entities, read_relations


def test_markers_surround_head_and_tail_in_either_order():
    text = "Aspirin relieves headache."
    assert (
        mark_entities(RelationExample(text, (0, 7), (17, 25), "treats"))
        == "@ Aspirin @ relieves # headache #."
    )
    assert mark_entities(RelationExample(text, (17, 25), (0, 7), "x")) == "# Aspirin # relieves @ headache @."


def test_relation_jsonl_and_its_errors(tmp_path):
    path = tmp_path / "rel.jsonl"
    record = {"text": "A treats B", "head": {"start": 0, "end": 1}, "tail": {"start": 9, "end": 10}}
    path.write_text(json.dumps({**record, "label": "treats"}) + "\n")
    (example,) = read_relations(path, "text", "head", "tail", "label")
    assert (example.head, example.tail, example.label) == ((0, 1), (9, 10), "treats")
    path.write_text(json.dumps({**record, "tail": {"start": 9, "end": 30}, "label": "t"}) + "\n")
    with pytest.raises(DataError, match=rf"^{path}:1: tail: span \[9, 30\) is outside the text"):
        read_relations(path, "text", "head", "tail", "label")
    path.write_text(
        '{"text": "A treats B", "head": {"start": 0, "end": 1}, "tail": {"start": 9, "end": 10}}\n'
    )
    with pytest.raises(DataError, match=rf"^{path}:1: field 'label' is missing or empty"):
        read_relations(path, "text", "head", "tail", "label")

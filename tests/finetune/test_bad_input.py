"""Every kind of bad task data the issue names is one line naming the file, the line and the field,
raised where the finetune stage reads its tasks (`load_task_data`, `split_validation`)."""

import json
import re

import pytest

from vertical.errors import DataError
from vertical.finetune.task_data import load_task_data, split_validation
from vertical.recipe import TaskConfig


def _load(tmp_path, name: str, text: str, test_text: str | None = None, **task):
    data = tmp_path / name
    data.write_text(text)
    test = None
    if test_text is not None:
        test = tmp_path / f"test-{name}"
        test.write_text(test_text)
    cfg = TaskConfig(name="t", data=str(data), test=str(test or data), **task)
    return load_task_data(cfg), cfg


def _relation(text, head, tail, label):
    return json.dumps({"text": text, "head": head, "tail": tail, "label": label}) + "\n"


CASES = {
    "missing text column": (
        "a.csv",
        "sentence,label\nhello,greet\n",
        None,
        {},
        r"a\.csv:1: no column 'text'; columns found: sentence, label",
    ),
    "missing label column": (
        "a.csv",
        "text,category\nhello,greet\n",
        None,
        {},
        r"a\.csv:1: no column 'label'; columns found: text, category",
    ),
    "empty class": (
        "a.csv",
        "text,label\nhello,greet\nbye, \n",
        None,
        {},
        r"a\.csv:3: field 'label' is missing or empty",
    ),
    "multilabel missing label": (
        "m.jsonl",
        '{"text": "rates rise"}\n',
        None,
        {"type": "multilabel"},
        r"m\.jsonl:1: field 'label' is missing",
    ),
    "test label never seen in training": (
        "a.csv",
        "text,label\nhello,greet\nbye,leave\n",
        "text,label\nhi,greet\nhey,greet\nmy money back,refund\n",
        {},
        r"test-a\.csv:4: field 'label': 'refund' in the test data never appears in the training data",
    ),
    "misaligned conll line": (
        "d.conll",
        "patient\tNN\tO\nhas\tVB\tO\nasthma\tB-Disease\n",
        None,
        {"type": "ner"},
        r"d\.conll:3: 2 columns where line 1 has 3: 'asthma\\tB-Disease'",
    ),
    "conll line without a tag": (
        "d.conll",
        "patient\tO\nasthma\n",
        None,
        {"type": "ner"},
        r"d\.conll:2: expected 'token<TAB>tag', found one column: 'asthma'",
    ),
    "conll tag that is no iob tag": (
        "d.conll",
        "patient\tO\nasthma\tDisease\n",
        None,
        {"type": "ner"},
        r"d\.conll:2: tag 'Disease' is not O, B-<type> or I-<type>",
    ),
    "test entity type never seen in training": (
        "d.conll",
        "asthma\tB-Disease\n",
        "asthma\tB-Disease\n\nBRCA1\tB-Gene\n",
        {"type": "ner"},
        r"test-d\.conll:3: field 'tag': entity type 'Gene' in the test data never appears in the training",
    ),
    "entity span outside the text": (
        "n.jsonl",
        '{"text": "ok", "entities": []}\n'
        '{"text": "flu", "entities": [{"start": 1, "end": 9, "label": "D"}]}\n',
        None,
        {"type": "ner"},
        r"n\.jsonl:2: entities\[0\]: span \[1, 9\) is outside the text \(length 3\)",
    ),
    "relation span outside the text": (
        "r.jsonl",
        _relation("Aspirin eases pain", {"start": 0, "end": 7}, {"start": 14, "end": 40}, "treats"),
        None,
        {"type": "relation"},
        r"r\.jsonl:1: tail: span \[14, 40\) is outside the text \(length 18\)",
    ),
    "relation without a label": (
        "r.jsonl",
        _relation("Aspirin eases pain", {"start": 0, "end": 7}, {"start": 14, "end": 18}, ""),
        None,
        {"type": "relation"},
        r"r\.jsonl:1: field 'label' is missing or empty",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_task_data_is_one_line_naming_file_line_and_field(tmp_path, case):
    name, text, test_text, task, message = CASES[case]
    with pytest.raises(DataError) as raised:
        _load(tmp_path, name, text, test_text, **task)
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(str(tmp_path))
    assert re.search(message, str(raised.value)), str(raised.value)


def test_a_validation_file_with_an_unseen_entity_type_names_its_line(tmp_path):
    (train, _, _), _ = _load(tmp_path, "d.conll", "asthma\tB-Disease\n", type="ner")
    validation = tmp_path / "dev.conll"
    validation.write_text("flu\tB-Disease\n\nthe\tO\nBRCA1\tB-Gene\n")
    cfg = TaskConfig(name="t", type="ner", data=str(tmp_path / "d.conll"), validation=str(validation))
    with pytest.raises(
        DataError, match=rf"^{validation}:4: field 'tag': entity type 'Gene' in the validation"
    ):
        split_validation(cfg, train)

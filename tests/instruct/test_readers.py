"""The user's instruction files: alpaca, sharegpt, messages and question/answer records; bad ones named."""

from __future__ import annotations

import json
import re

import pytest

from vertical.errors import DataError
from vertical.instruct.readers import read_conversations, write_conversations
from vertical.instruct.split import split_conversations


def _write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_every_form_becomes_a_conversation(tmp_path):
    path = _write(
        tmp_path / "mixed.jsonl",
        [
            {
                "instruction": "Define EBITDA.",
                "input": "Briefly.",
                "output": "Earnings before ...",
                "system": "Be exact.",
            },
            {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
            {"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]},
            {"question": "Which sector?", "answer": "banking", "entity": "Voman Group"},
        ],
    )
    alpaca, sharegpt, messages, qa = read_conversations(path)
    assert [t["role"] for t in alpaca.messages] == ["system", "user", "assistant"]
    assert alpaca.messages[1]["content"] == "Define EBITDA.\n\nBriefly." and alpaca.kind == "alpaca"
    assert sharegpt.messages[0] == {"role": "user", "content": "Hi"} and sharegpt.answer == "Hello"
    assert messages.kind == "messages" and qa.entity == "Voman Group" and qa.answer == "banking"


def test_round_trip(tmp_path):
    examples = read_conversations(
        _write(tmp_path / "a.jsonl", [{"question": "Q", "answer": "A", "entity": "E"}])
    )
    write_conversations(tmp_path / "b.jsonl", examples)
    assert read_conversations(tmp_path / "b.jsonl") == examples


@pytest.mark.parametrize(
    "record, field",
    [
        ({"instruction": "Define EBITDA."}, "output"),
        ({"conversations": [{"from": "alien", "value": "Hi"}]}, "conversations[0].from"),
        ({"messages": [{"role": "assistant", "content": "A"}, {"role": "user", "content": "Q"}]}, "end with"),
        ({"text": "no form"}, "expected messages"),
    ],
)
def test_bad_records_name_file_line_and_field(tmp_path, record, field):
    path = _write(tmp_path / "bad.jsonl", [{"question": "Q", "answer": "A"}, record])
    with pytest.raises(DataError, match=rf"bad.jsonl:2: .*{re.escape(field)}"):
        read_conversations(path)


def test_split_keeps_an_entity_on_one_side(tmp_path):
    records = [
        {"question": f"Q{n} {m}", "answer": "A", "entity": f"E{n}"} for n in range(30) for m in range(3)
    ]
    train, test = split_conversations(read_conversations(_write(tmp_path / "qa.jsonl", records)), 0.3)
    assert train and test
    assert not {e.entity for e in train} & {e.entity for e in test}

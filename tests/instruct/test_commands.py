"""`vertical instruct synthesise`: conversations from a CSV graph; a bad file is one line and exit 2."""

from __future__ import annotations

from typer.testing import CliRunner

from vertical.cli import app
from vertical.instruct.readers import read_conversations


def test_synthesise_writes_train_and_test(tmp_path):
    graph = tmp_path / "kg.csv"
    rows = [f"Zorvex{n} Group,sector,{['banking', 'mining'][n % 2]}" for n in range(10)]
    graph.write_text("subject,predicate,object\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["instruct", "synthesise", str(graph), "--out", str(tmp_path / "qa")])
    assert result.exit_code == 0, result.output
    train = read_conversations(tmp_path / "qa" / "train.jsonl")
    test = read_conversations(tmp_path / "qa" / "test.jsonl")
    assert len(test) == 3 and not {e.entity for e in train} & {e.entity for e in test}


def test_a_bad_graph_is_one_line_and_exit_2(tmp_path):
    graph = tmp_path / "kg.csv"
    graph.write_text("subject,relation,object\nA,sector,b\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["instruct", "synthesise", str(graph)])
    assert result.exit_code == 2
    assert "kg.csv:1: header: missing column(s) predicate" in result.output
    assert "Traceback" not in result.output

"""A careless user's files: one line naming the file (and line or byte), exit 2, never a traceback."""

from __future__ import annotations

import gzip
import json

import pytest
from typer.testing import CliRunner

from vertical.cli import app

runner = CliRunner()
LATIN1 = "café Zürich".encode("latin-1")


def run(*arguments: str):
    result = runner.invoke(app, list(arguments))
    lines = result.output.strip().splitlines()
    return result.exit_code, lines, result


def assert_one_line_error(arguments, *fragments):
    code, lines, result = run(*arguments)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "None" not in lines[0] and "Traceback" not in result.output


def test_recipe_not_utf8(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_bytes(b"name: demo\ndata:\n  sources: [" + LATIN1 + b".jsonl]\n")
    assert_one_line_error(["data", "prepare", str(recipe)], "r.yaml:3:", "not UTF-8", "byte 32")


def test_recipe_utf16_is_named(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_bytes("name: demo\n".encode("utf-16"))
    assert_one_line_error(["data", "prepare", str(recipe)], "r.yaml:1:", "UTF-16")


def test_recipe_duplicate_key_names_both_lines(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: demo\npretrain:\n  steps: 2\n  steps: 3\ndata:\n  sources: [c.jsonl]\n")
    assert_one_line_error(["data", "prepare", str(recipe)], "r.yaml:4:", "pretrain.steps", "line 3", "line 4")


def test_recipe_duplicate_top_level_key(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: a\ndata:\n  sources: [c.jsonl]\nname: b\n")
    assert_one_line_error(["data", "prepare", str(recipe)], "r.yaml:4:", "name: duplicate key")


@pytest.mark.parametrize("content", ["", "\n\n   \n"])
def test_empty_recipe(tmp_path, content):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(content)
    assert_one_line_error(["data", "prepare", str(recipe)], "r.yaml: the recipe file is empty")


def test_keys_file_not_utf8(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_bytes(b'{"keys": [{"name": "' + LATIN1 + b'"}]}')
    assert_one_line_error(["keys", "add", str(keys), "--name", "x"], "keys.json:1:", "not UTF-8", "byte 23")


def test_keys_json_error_keeps_the_whole_message(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text('{"keys": [\n  {"name": "a",}\n]}')
    assert_one_line_error(
        ["keys", "add", str(keys), "--name", "x"],
        "keys.json:2:",
        "Expecting property name enclosed in double quotes: line 2 column 16 (char 26)",
    )


def test_empty_keys_file(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text("")
    assert_one_line_error(["keys", "add", str(keys), "--name", "x"], "keys.json: the keys file is empty")


def _data_recipe(tmp_path, source: str):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"name: t\ndata:\n  sources: [{source}]\n  validation_fraction: 0\n")
    return ["data", "prepare", str(recipe), "--runs-dir", str(tmp_path / "runs")]


def test_truncated_gzip_corpus_names_the_file(tmp_path):
    lines = b"".join(json.dumps({"text": f"note {i} on deposit rates"}).encode() + b"\n" for i in range(3000))
    packed = gzip.compress(lines)
    (tmp_path / "c.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    assert_one_line_error(
        _data_recipe(tmp_path, "c.jsonl.gz"), "c.jsonl.gz: truncated or corrupt compressed file"
    )


def test_corrupt_gzip_corpus_names_the_file(tmp_path):
    (tmp_path / "c.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not really gzip" * 20)
    assert_one_line_error(_data_recipe(tmp_path, "c.jsonl.gz"), "c.jsonl.gz: truncated or corrupt")


def test_empty_corpus_file_names_it_without_none(tmp_path):
    (tmp_path / "c.jsonl").write_text("")
    assert_one_line_error(_data_recipe(tmp_path, "c.jsonl"), "c.jsonl: empty file")


def test_corpus_json_error_keeps_its_column(tmp_path):
    (tmp_path / "c.jsonl").write_text('{"text": "a"}\n{"text": "b",}\n')
    assert_one_line_error(_data_recipe(tmp_path, "c.jsonl"), "c.jsonl:2:", "(column 14)")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("g.csv", b"subject,predicate,object\nAcme,label," + LATIN1 + b"\n"),
        ("g.jsonl", b'{"id": "acme", "label": "' + LATIN1 + b'"}\n'),
    ],
)
def test_graph_files_not_utf8(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    assert_one_line_error(
        ["kg", "load", str(tmp_path / name), "--store", str(tmp_path / "store")], f"{name}:", "not UTF-8"
    )


def test_graph_turtle_not_utf8(tmp_path):
    (tmp_path / "g.ttl").write_bytes(b'<http://a> <http://b> "' + LATIN1 + b'" .\n')
    code, lines, result = run("kg", "load", str(tmp_path / "g.ttl"), "--store", str(tmp_path / "store"))
    assert code == 2 and len(lines) == 1 and "g.ttl" in lines[0], result.output


@pytest.mark.parametrize(
    ("name", "content", "reader"),
    [
        ("t.csv", b"text,label\n" + LATIN1 + b",bank\n", "examples"),
        ("t.conll", b"Acme B-ORG\n" + LATIN1 + b" O\n", "conll"),
    ],
)
def test_task_data_not_utf8(tmp_path, name, content, reader):
    from vertical.errors import DataError
    from vertical.finetune.examples import read_examples
    from vertical.finetune.tagged import read_conll

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=rf"{name}:2: not UTF-8 text: byte \d+ is 0xe9"):
        read_examples(path, "text", "label") if reader == "examples" else read_conll(path)

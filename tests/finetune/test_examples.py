import pytest

from vertical.errors import DataError
from vertical.finetune.examples import check_labels, read_examples, split_examples
from vertical.records import Example


def test_csv_and_jsonl(tmp_path):
    (tmp_path / "a.csv").write_text("sentence,intent\nhello there,greet\nbye now,leave\n")
    (tmp_path / "b.jsonl").write_text('{"t": "hello", "y": 1}\n\n{"t": "bye", "y": 0}\n')
    assert read_examples(tmp_path / "a.csv", "sentence", "intent")[1] == Example("bye now", "leave")
    assert [e.label for e in read_examples(tmp_path / "b.jsonl", "t", "y")] == ["1", "0"]


def test_missing_column_and_empty_label_name_file_and_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("text,category\nx,y\n")
    with pytest.raises(DataError, match=rf"^{path}:1: no column 'label'"):
        read_examples(path, "text", "label")
    path.write_text("text,label\nx,y\nz,\n")
    with pytest.raises(DataError, match=rf"^{path}:3: field 'label' is missing or empty"):
        read_examples(path, "text", "label")


def test_unseen_test_label_is_an_error():
    train = [Example("a", "x"), Example("b", "y")]
    with pytest.raises(DataError, match="'z' in the test set never appear"):
        check_labels(train, [Example("c", "z")], "test.csv")


def test_split_is_deterministic_and_disjoint():
    examples = [Example(f"text {i}", str(i % 2)) for i in range(500)]
    train, test = split_examples(examples, 0.2)
    assert split_examples(examples, 0.2) == (train, test)
    assert 60 < len(test) < 140 and len(train) + len(test) == 500

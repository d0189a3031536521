import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vertical.data.readers import read_documents
from vertical.errors import DataError


def texts(path, **kwargs):
    return [d.text for d in read_documents(path, **kwargs)]


def test_every_format_is_read(tmp_path):
    (tmp_path / "a.txt").write_text("line one\n\nline two\n")
    (tmp_path / "b.jsonl").write_text(json.dumps({"body": "json doc", "id": "x1"}) + "\n")
    with gzip.open(tmp_path / "c.jsonl.gz", "wt") as handle:
        handle.write(json.dumps({"body": "gz doc"}) + "\n")
    (tmp_path / "d.csv").write_text('body,other\n"csv, doc",1\n')
    pq.write_table(pa.table({"body": ["parquet doc"]}), tmp_path / "e.parquet")
    assert texts(tmp_path / "a.txt") == ["line one", "line two"]
    assert texts(tmp_path / "a.txt", txt_unit="file") == ["line one\n\nline two\n"]
    assert texts(tmp_path / "b.jsonl", text_field="body") == ["json doc"]
    assert texts(tmp_path / "c.jsonl.gz", text_field="body") == ["gz doc"]
    assert texts(tmp_path / "d.csv", text_field="body") == ["csv, doc"]
    assert texts(tmp_path / "e.parquet", text_field="body") == ["parquet doc"]


def test_folder_reads_known_formats_in_order(tmp_path):
    (tmp_path / "2.txt").write_text("second\n")
    (tmp_path / "1.txt").write_text("first\n")
    (tmp_path / "notes.md").write_text("ignored\n")
    assert texts(tmp_path) == ["first", "second"]


def test_bad_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "ok"}\n{"text": broken\n')
    with pytest.raises(DataError, match=rf"^{path}:2: invalid JSON"):
        texts(path)


def test_missing_field_names_file_line_and_field(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "ok"}\n{"body": "no text"}\n')
    with pytest.raises(DataError, match=rf"^{path}:2: field 'text' missing; fields found: body"):
        texts(path)


def test_missing_csv_column(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("body\nx\n")
    with pytest.raises(DataError, match=rf"^{path}:1: no column 'text'"):
        texts(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(DataError, match="not UTF-8"):
        texts(path)

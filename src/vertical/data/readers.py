"""Readers of corpus files: .txt, .jsonl (.jsonl.gz), .csv and .parquet, one document at a time.

Every reader is a generator, so memory does not grow with the size of a corpus. A bad record (a
malformed JSON line, invalid UTF-8, a missing text field, an empty file) raises `DataError`
naming the file, the line and the field; or, when the caller passes `on_bad`, is handed to it as
a `BadRecord` and skipped, so that a long corpus with a few broken lines still gets through.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vertical.errors import DataError, located
from vertical.records import Document

_FORMATS = {".txt": "txt", ".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read: where it is and what is wrong with it."""

    path: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        return located(self.path, self.line, self.problem)


BadRecordHandler = Callable[[BadRecord], None]


def _bad(on_bad: BadRecordHandler | None, path: Path, line: int | None, problem: str) -> None:
    """Raise the problem as a `DataError`, or hand it to `on_bad` when there is one."""
    record = BadRecord(str(path), line, problem)
    if on_bad is None:
        raise DataError(str(record))
    on_bad(record)


def detect_format(path: Path) -> str:
    """The format of `path` by its extension (a trailing .gz is looked through)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes or suffixes[-1] not in _FORMATS:
        raise DataError(
            f"{path}: unknown corpus format; use .txt, .jsonl, .jsonl.gz, .csv or .parquet, "
            "or set `format` in the recipe"
        )
    return _FORMATS[suffixes[-1]]


def _open_text(path: Path):
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _open_binary(path: Path):
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def _decoded_lines(path: Path, on_bad: BadRecordHandler | None) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line; a line that is not UTF-8 is a bad record, not the end of the file."""
    with _open_binary(path) as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as error:
                _bad(on_bad, path, number, f"not UTF-8 text (byte {error.start}); convert it to UTF-8")


def read_txt(path: Path, unit: str = "line", on_bad: BadRecordHandler | None = None) -> Iterator[Document]:
    """Documents of a text file: one per non-empty line, or the whole file (`unit="file"`)."""
    if unit == "file":
        with _open_binary(path) as handle:
            raw = handle.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            _bad(on_bad, path, None, f"not UTF-8 text (byte {error.start}); convert it to UTF-8")
            return
        if not text.strip():
            _bad(on_bad, path, None, "empty file")
            return
        yield Document(id=f"{path.name}", text=text, source=str(path))
        return
    empty = True
    for number, line in _decoded_lines(path, on_bad):
        if line.strip():
            empty = False
            yield Document(
                id=f"{path.name}:{number}",
                text=line.rstrip("\r\n"),
                source=str(path),
                metadata={"line": number},
            )
    if empty:
        _bad(on_bad, path, None, "empty file")


def jsonl_records(path: Path, on_bad: BadRecordHandler | None = None) -> Iterator[tuple[int, dict]]:
    """(line number, object) of each non-empty line of a JSON Lines file (.gz too)."""
    for number, line in _decoded_lines(path, on_bad):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            _bad(on_bad, path, number, f"invalid JSON: {error.msg} (column {error.colno})")
            continue
        if not isinstance(record, dict):
            _bad(on_bad, path, number, "each line must be a JSON object")
            continue
        yield number, record


def read_jsonl(
    path: Path, text_field: str = "text", on_bad: BadRecordHandler | None = None
) -> Iterator[Document]:
    """Documents of a JSON Lines file, the text in `text_field`; an `id` field is kept when present."""
    empty = True
    for number, record in jsonl_records(path, on_bad):
        empty = False
        text = record.get(text_field)
        if not isinstance(text, str):
            found = ", ".join(sorted(record)) or "none"
            problem = "missing" if text is None else f"not a string ({type(text).__name__})"
            _bad(on_bad, path, number, f"field '{text_field}' {problem}; fields found: {found}")
            continue
        identifier = str(record.get("id", f"{path.name}:{number}"))
        yield Document(id=identifier, text=text, source=str(path), metadata={"line": number})
    if empty:
        _bad(on_bad, path, None, "empty file")


def read_csv(
    path: Path, text_field: str = "text", on_bad: BadRecordHandler | None = None
) -> Iterator[Document]:
    """Documents of a CSV file with a header, the text in column `text_field`."""
    csv.field_size_limit(sys.maxsize)
    number = 1
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or text_field not in reader.fieldnames:
                found = ", ".join(reader.fieldnames or []) or "none"
                problem = "empty file" if reader.fieldnames is None else f"no column '{text_field}'"
                _bad(on_bad, path, 1, f"{problem}; columns found: {found}")
                return
            for row in reader:
                number = reader.line_num
                text = row.get(text_field)
                if text is None:
                    _bad(on_bad, path, number, f"column '{text_field}' missing on this row")
                    continue
                identifier = row.get("id") or f"{path.name}:{number}"
                yield Document(id=identifier, text=text, source=str(path), metadata={"line": number})
    except UnicodeDecodeError as error:
        # csv reads ahead, so the rest of the file is skipped: one bad record for it
        _bad(
            on_bad, path, number + 1, f"not UTF-8 text (byte {error.start}); the rest of the file is skipped"
        )


def read_parquet(
    path: Path, text_field: str = "text", batch_size: int = 8192, on_bad: BadRecordHandler | None = None
) -> Iterator[Document]:
    """Documents of a parquet file, the text in column `text_field`, read in record batches."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path, pre_buffer=False)  # by default pyarrow reads the whole file first
    except Exception as error:  # noqa: BLE001 - pyarrow raises several types for a bad file
        _bad(on_bad, path, None, f"not a readable parquet file: {error}")
        return
    if text_field not in parquet.schema_arrow.names:
        found = ", ".join(parquet.schema_arrow.names)
        _bad(on_bad, path, None, f"no column '{text_field}'; columns found: {found}")
        return
    row = 0
    has_id = "id" in parquet.schema_arrow.names
    columns = [text_field, "id"] if has_id else [text_field]
    for batch in parquet.iter_batches(batch_size=batch_size, columns=columns):
        texts = batch.column(text_field).to_pylist()
        ids = batch.column("id").to_pylist() if has_id else [None] * len(texts)
        for text, identifier in zip(texts, ids, strict=True):
            row += 1
            if not isinstance(text, str):
                _bad(on_bad, path, row, f"column '{text_field}' is not text")
                continue
            yield Document(
                id=str(identifier or f"{path.name}:{row}"),
                text=text,
                source=str(path),
                metadata={"line": row},
            )
    if row == 0:
        _bad(on_bad, path, None, "empty file")


def corpus_files(path: Path) -> list[Path]:
    """The files of a source: the file itself, or a folder's files of known formats, sorted."""
    if path.is_file():
        return [path]
    files = []
    for candidate in sorted(path.rglob("*")):
        if candidate.is_file() and not candidate.name.startswith("."):
            try:
                detect_format(candidate)
            except DataError:
                continue
            files.append(candidate)
    if not files:
        raise DataError(f"{path}: folder holds no .txt, .jsonl, .csv or .parquet files")
    return files


def read_file(
    file: Path,
    format: str = "auto",
    text_field: str = "text",
    txt_unit: str = "line",
    on_bad: BadRecordHandler | None = None,
) -> Iterator[Document]:
    """Stream the documents of one corpus file, whatever its format.

    Raises:
        DataError: a .gz file that is truncated or corrupt (the rest of the file is lost, so this is
            never a bad record to skip), besides the bad records when there is no `on_bad`.
    """
    kind = detect_format(file) if format == "auto" else format
    try:
        if kind == "txt":
            yield from read_txt(file, txt_unit, on_bad)
        elif kind == "jsonl":
            yield from read_jsonl(file, text_field, on_bad)
        elif kind == "csv":
            yield from read_csv(file, text_field, on_bad)
        else:
            yield from read_parquet(file, text_field, on_bad=on_bad)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DataError(
            f"{file}: truncated or corrupt compressed file ({error}); re-copy or re-compress it"
        ) from None


def read_documents(
    path: Path,
    format: str = "auto",
    text_field: str = "text",
    txt_unit: str = "line",
    on_bad: BadRecordHandler | None = None,
) -> Iterator[Document]:
    """Stream the documents of a file or folder, whatever its format."""
    for file in corpus_files(Path(path)):
        yield from read_file(file, format, text_field, txt_unit, on_bad)

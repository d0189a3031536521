"""Readers of corpus files: .txt, .jsonl (.jsonl.gz), .csv and .parquet, one document at a time.

Every reader is a generator, so memory does not grow with the size of a corpus. A malformed
line or a missing field raises `DataError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from vertical.errors import DataError, located
from vertical.records import Document

_FORMATS = {".txt": "txt", ".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


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


def read_txt(path: Path, unit: str = "line") -> Iterator[Document]:
    """Documents of a text file: one per non-empty line, or the whole file (`unit="file"`)."""
    with _open_text(path) as handle:
        if unit == "file":
            yield Document(id=f"{path.name}", text=handle.read(), source=str(path))
            return
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield Document(
                    id=f"{path.name}:{number}",
                    text=line.rstrip("\r\n"),
                    source=str(path),
                    metadata={"line": number},
                )


def jsonl_records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) of each non-empty line of a JSON Lines file (.gz too)."""
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(located(path, number, f"invalid JSON: {error.msg}")) from None
            if not isinstance(record, dict):
                raise DataError(located(path, number, "each line must be a JSON object"))
            yield number, record


def read_jsonl(path: Path, text_field: str = "text") -> Iterator[Document]:
    """Documents of a JSON Lines file, the text in `text_field`; an `id` field is kept when present."""
    for number, record in jsonl_records(path):
        text = record.get(text_field)
        if not isinstance(text, str):
            found = ", ".join(sorted(record)) or "none"
            problem = "missing" if text is None else f"not a string ({type(text).__name__})"
            raise DataError(located(path, number, f"field '{text_field}' {problem}; fields found: {found}"))
        identifier = str(record.get("id", f"{path.name}:{number}"))
        yield Document(id=identifier, text=text, source=str(path), metadata={"line": number})


def read_csv(path: Path, text_field: str = "text") -> Iterator[Document]:
    """Documents of a CSV file with a header, the text in column `text_field`."""
    csv.field_size_limit(sys.maxsize)
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or text_field not in reader.fieldnames:
            found = ", ".join(reader.fieldnames or []) or "none"
            raise DataError(located(path, 1, f"no column '{text_field}'; columns found: {found}"))
        for row in reader:
            number = reader.line_num
            text = row.get(text_field)
            if text is None:
                raise DataError(located(path, number, f"column '{text_field}' missing on this row"))
            identifier = row.get("id") or f"{path.name}:{number}"
            yield Document(id=identifier, text=text, source=str(path), metadata={"line": number})


def read_parquet(path: Path, text_field: str = "text", batch_size: int = 8192) -> Iterator[Document]:
    """Documents of a parquet file, the text in column `text_field`, read in record batches."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise DataError(f"{path}: not a readable parquet file: {error}") from None
    if text_field not in parquet.schema_arrow.names:
        found = ", ".join(parquet.schema_arrow.names)
        raise DataError(f"{path}: no column '{text_field}'; columns found: {found}")
    row = 0
    has_id = "id" in parquet.schema_arrow.names
    columns = [text_field, "id"] if has_id else [text_field]
    for batch in parquet.iter_batches(batch_size=batch_size, columns=columns):
        texts = batch.column(text_field).to_pylist()
        ids = batch.column("id").to_pylist() if has_id else [None] * len(texts)
        for text, identifier in zip(texts, ids, strict=True):
            row += 1
            if not isinstance(text, str):
                raise DataError(f"{path}: row {row}: column '{text_field}' is not text")
            yield Document(
                id=str(identifier or f"{path.name}:{row}"), text=text, source=str(path), metadata={"row": row}
            )


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


def read_documents(
    path: Path, format: str = "auto", text_field: str = "text", txt_unit: str = "line"
) -> Iterator[Document]:
    """Stream the documents of a file or folder, whatever its format."""
    for file in corpus_files(Path(path)):
        kind = detect_format(file) if format == "auto" else format
        try:
            if kind == "txt":
                yield from read_txt(file, txt_unit)
            elif kind == "jsonl":
                yield from read_jsonl(file, text_field)
            elif kind == "csv":
                yield from read_csv(file, text_field)
            else:
                yield from read_parquet(file, text_field)
        except UnicodeDecodeError as error:
            raise DataError(f"{file}: not UTF-8 text (byte {error.start}); convert it to UTF-8") from None

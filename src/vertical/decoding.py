"""Reading a user's text file as UTF-8, with one clear line when it is not.

``Path.read_text(encoding="utf-8")`` on a Latin-1 or UTF-16 file ends in a ``UnicodeDecodeError``
traceback that names neither the file nor the place. `read_utf8` (a whole file) and
`iter_utf8_lines` (a large file, line by line) raise the caller's `VerticalError` subclass with the
file, the line and the byte offset in the file instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from vertical.errors import VerticalError, located


def utf8_problem(raw: bytes, error: UnicodeDecodeError, offset: int = 0) -> str:
    """What is wrong with `raw` (bytes from `offset` in the file), for a message after ``file:line:``."""
    hint = " (it looks like UTF-16)" if offset == 0 and raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
    return (
        f"not UTF-8 text: byte {offset + error.start} is 0x{raw[error.start]:02x}{hint}; "
        "save the file as UTF-8"
    )


def decode_utf8(raw: bytes, path: Path | str, error_class: type[VerticalError] = VerticalError) -> str:
    """`raw` decoded as UTF-8 (a leading byte-order mark dropped); else `error_class` naming line and byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise error_class(located(path, line, utf8_problem(raw, error))) from None
    return text.removeprefix("\ufeff")


def read_utf8(path: Path | str, error_class: type[VerticalError] = VerticalError) -> str:
    """The text of the file at `path`; a file that is not UTF-8 raises `error_class` naming line and byte."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise error_class(f"{path}: cannot read: {error.strerror or error}") from None
    return decode_utf8(raw, path, error_class)


def iter_utf8_lines(path: Path | str, error_class: type[VerticalError] = VerticalError) -> Iterator[str]:
    """The lines of the file at `path`, each decoded on its own, line endings kept as ``open(newline="")``
    keeps them (what `csv.reader` wants); a leading byte-order mark is dropped.

    Raises:
        error_class: a line that is not UTF-8, naming the line and the byte offset in the file.
    """
    path = Path(path)
    offset = 0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):  # splits at b"\n": "\r\n" stays whole
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise error_class(located(path, number, utf8_problem(raw, error, offset))) from None
            offset += len(raw)
            yield line.removeprefix("\ufeff") if number == 1 else line

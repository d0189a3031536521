"""Reading a user's text file as UTF-8, with one clear line when it is not.

``Path.read_text(encoding="utf-8")`` on a Latin-1 or UTF-16 file ends in a ``UnicodeDecodeError``
traceback that names neither the file nor the place; `read_utf8` raises the caller's
`VerticalError` subclass with the file, the line and the byte offset instead, and `utf8_problem`
words the same for readers that decode line by line.
"""

from __future__ import annotations

from pathlib import Path

from vertical.errors import VerticalError, located


def utf8_problem(raw: bytes, error: UnicodeDecodeError) -> str:
    """What is wrong with `raw` (the whole file), for a message after ``file:line:``."""
    bad = raw[error.start : error.start + 4].hex(" ")
    hint = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
    return f"not UTF-8 text: byte {error.start} is 0x{bad.split(' ')[0]}{hint}; save the file as UTF-8"


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

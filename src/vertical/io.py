"""Atomic writes: a killed run never leaves a half-written artefact that a later run trusts.

Every file goes to a temporary name beside its target, is flushed to disk, and is renamed over
the target; a rename within one file system is atomic on POSIX. Folders are built under a
temporary name and renamed the same way. Files and folders get the modes the user's umask gives
(``tempfile`` makes them private, 0600 and 0700, which would hide a run from colleagues).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _umask() -> int:
    """The process's umask (read by setting it and putting it back: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one (`mode`: its bits,
    else what the umask allows)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode if mode is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 `text` to `path` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, value: Any) -> None:
    """Write `value` as indented JSON to `path` atomically."""
    atomic_write_text(path, json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


@contextlib.contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """Build a folder under a temporary name; rename it to `path` only if the block succeeds.

    Yields:
        The temporary folder to write into. An existing `path` is replaced on success and left
        untouched on failure.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        temporary.chmod(0o777 & ~_umask())
        yield temporary
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(temporary, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, path)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def remove_orphaned_temp_dirs(parent: Path, name: str) -> list[Path]:
    """Remove the temporary folders `atomic_directory` left beside `parent / name` when a run was killed.

    A killed stage leaves ``.<name>.<random>.tmp`` (and, killed mid-swap, ``.<name>.old``) behind;
    nothing else ever reads them. Call this before the stage runs again; one stage of one run folder
    runs at a time, so no other live run owns them. Returns the folders removed.
    """
    parent = Path(parent)
    if not parent.is_dir():
        return []
    removed = []
    for candidate in [*parent.glob(f".{name}.*.tmp"), parent / f".{name}.old"]:
        if candidate.is_dir() and not candidate.is_symlink():
            shutil.rmtree(candidate, ignore_errors=True)
            removed.append(candidate)
    return removed

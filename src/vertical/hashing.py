"""Content hashes of files, folders and configs, used to decide whether a stage is up to date.

`FileHashes` hashes each file at most once per run, and not at all when its size and modification
time are those recorded last time (the way git's index avoids re-reading unchanged files): a no-op
`vertical run` then reads the stat of each input file, not its bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vertical.io import atomic_write_json

_CHUNK = 1 << 20


def hash_file(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def folder_files(path: Path) -> list[Path]:
    """The files of a folder, sorted, without hidden entries (a leading dot: temporary files, caches)."""
    path = Path(path)
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


class FileHashes:
    """File hashes remembered by path, size and modification time; optionally kept in a JSON file."""

    def __init__(self, store: Path | None = None) -> None:
        self.store = Path(store) if store is not None else None
        self._known: dict[str, list] = {}
        self.files_read = 0  # how many files were actually read (for the no-op cost)
        if self.store is not None and self.store.is_file():
            try:
                self._known = json.loads(self.store.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                self._known = {}

    def file(self, path: Path) -> str:
        """The sha256 of one file, read only when it changed since it was last hashed."""
        key = str(Path(path).resolve())
        stat = os.stat(key)
        known = self._known.get(key)
        if known is not None and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        digest = hash_file(Path(key))
        self.files_read += 1
        self._known[key] = [stat.st_size, stat.st_mtime_ns, digest]
        return digest

    def files(self, paths: Iterable[Path], root: Path | None = None) -> str:
        """One hash over the names (relative to `root` when given) and contents of `paths`, in order."""
        digest = hashlib.sha256()
        for path in paths:
            name = Path(path).relative_to(root) if root is not None else Path(path).resolve()
            digest.update(str(name).encode())
            digest.update(self.file(path).encode())
        return digest.hexdigest()

    def path(self, path: Path) -> str:
        """A file's hash, or a folder's (its non-hidden files, by relative name and content)."""
        path = Path(path)
        if path.is_file():
            return self.file(path)
        return self.files(folder_files(path), root=path)

    def save(self) -> None:
        """Keep what was hashed for the next run (atomically)."""
        if self.store is None:
            return
        atomic_write_json(self.store, self._known)


def hash_path(path: Path) -> str:
    """The sha256 of a file, or of a folder's files (relative names and contents), as hex.

    Hidden entries (a leading dot) are skipped: they are temporary files or caches.
    """
    return FileHashes().path(path)


def hash_config(config: Any) -> str:
    """The sha256 of a JSON-serialisable config, independent of key order."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()

"""Content hashes of files, folders and configs, used to decide whether a stage is up to date."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def hash_file(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hash_path(path: Path) -> str:
    """The sha256 of a file, or of a folder's files (relative names and contents), as hex.

    Hidden entries (a leading dot) are skipped: they are temporary files or caches.
    """
    path = Path(path)
    if path.is_file():
        return hash_file(path)
    digest = hashlib.sha256()
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = child.relative_to(path)
        if any(part.startswith(".") for part in relative.parts):
            continue
        digest.update(str(relative).encode())
        digest.update(hash_file(child).encode())
    return digest.hexdigest()


def hash_config(config: Any) -> str:
    """The sha256 of a JSON-serialisable config, independent of key order."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()

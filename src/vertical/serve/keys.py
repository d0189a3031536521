"""API keys: stored as SHA-256 hashes in a JSON file; each key may be limited to some tasks.

The file named by ``vertical serve --keys`` looks like::

    {"keys": [{"name": "core-banking", "sha256": "9f86d0...", "tasks": ["sector"]},
              {"name": "analysts", "sha256": "2c26b4...", "tasks": null}]}

``tasks: null`` allows every task (and scope: ``link``, ``kg``, ``metrics``); ``tasks: []`` allows
none. Fields the server does not know (an owner, a rotation date) are kept when ``vertical keys
add`` rewrites the file, as are the file's mode and, for a symbolic link, the link (its target is
rewritten, atomically). The plain key is shown once, when ``vertical keys add`` makes it, and never
stored. A key is 32 random bytes, so an unsalted SHA-256 is enough: there is no
dictionary to guess from (salting matters for passwords that people choose, not for these).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from vertical.decoding import read_utf8
from vertical.errors import VerticalError
from vertical.io import atomic_write_bytes

KEY_PREFIX = "vk_"


class KeyFileError(VerticalError):
    """The keys file is missing, is not JSON, or an entry lacks a field."""


@dataclass(frozen=True)
class ApiKey:
    """One client's key, as stored: its name, the hash of the key, and the tasks it may call."""

    name: str
    sha256: str
    tasks: tuple[str, ...] | None  # None: every task; (): none

    def allows(self, task: str) -> bool:
        return self.tasks is None or task in self.tasks


def hash_key(key: str) -> str:
    """The hex SHA-256 of a plain key, the form stored in the keys file."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyStore:
    """The keys a server accepts."""

    def __init__(self, keys: list[ApiKey]) -> None:
        self.keys = list(keys)

    def find(self, presented: str) -> ApiKey | None:
        """The stored key whose hash matches `presented`, or None (compared in constant time)."""
        digest = hash_key(presented)
        found = None
        for key in self.keys:
            if hmac.compare_digest(digest, key.sha256):
                found = key
        return found


def _read_entries(path: Path) -> tuple[dict, list]:
    """The keys file's top-level object and its list of entries, as written."""
    text = read_utf8(path, KeyFileError)
    if not text.strip():
        raise KeyFileError(f'{path}: the keys file is empty; expected {{"keys": [...]}}')
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise KeyFileError(f"{path}:{error.lineno}: not valid JSON: {error}") from None
    entries = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise KeyFileError(f'{path}: expected {{"keys": [...]}} at the top level')
    return data, entries


def _parse_entry(path: Path, number: int, entry: object) -> ApiKey:
    if not isinstance(entry, dict):
        raise KeyFileError(f"{path}: keys[{number}]: expected an object with name, sha256, tasks")
    digest = entry.get("sha256")
    if not isinstance(digest, str) or len(digest) != 64:
        raise KeyFileError(f"{path}: keys[{number}].sha256: expected 64 hex digits")
    tasks = entry.get("tasks")
    if tasks is not None and not (isinstance(tasks, list) and all(isinstance(t, str) for t in tasks)):
        raise KeyFileError(f"{path}: keys[{number}].tasks: expected a list of task names or null")
    return ApiKey(
        str(entry.get("name", f"key{number}")), digest.lower(), tuple(tasks) if tasks is not None else None
    )


def read_keys(path: Path) -> KeyStore:
    """Read a keys file; a malformed one raises `KeyFileError` naming the file and the entry."""
    path = Path(path)
    if not path.is_file():
        raise KeyFileError(
            f"{path}: keys file not found; make one with `vertical keys add {path} --name NAME`"
        )
    _data, entries = _read_entries(path)
    return KeyStore([_parse_entry(path, number, entry) for number, entry in enumerate(entries)])


def _write_keys_file(path: Path, data: dict) -> None:
    """Write `data` atomically, keeping the file's mode (600 when new) and a symbolic link as it is."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o600
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(target, text.encode("utf-8"), mode=mode)


def add_key(path: Path, name: str, tasks: list[str] | None = None) -> str:
    """Make a new key, store its hash in `path` (created when missing) and return the plain key.

    `tasks` None allows every task; the other entries and any field of the file are kept as written.
    """
    path = Path(path)
    if path.exists():
        data, entries = _read_entries(path)
        known = [_parse_entry(path, number, entry) for number, entry in enumerate(entries)]
    else:
        data, entries, known = {"keys": []}, [], []
    if any(key.name == name for key in known):
        raise KeyFileError(f"{path}: a key named {name!r} exists already; choose another --name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    entries.append(
        {"name": name, "sha256": hash_key(key), "tasks": list(tasks) if tasks is not None else None}
    )
    data["keys"] = entries
    _write_keys_file(path, data)
    return key

"""API keys: stored as SHA-256 hashes in a JSON file; each key may be limited to some tasks.

The file named by ``vertical serve --keys`` looks like::

    {"keys": [{"name": "core-banking", "sha256": "9f86d0...", "tasks": ["sector"]},
              {"name": "analysts", "sha256": "2c26b4...", "tasks": null}]}

``tasks: null`` allows every task. The plain key is shown once, when ``vertical keys add`` makes
it, and never stored. A key is 32 random bytes, so an unsalted SHA-256 is enough: there is no
dictionary to guess from (salting matters for passwords that people choose, not for these).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from vertical.errors import VerticalError
from vertical.io import atomic_write_json

KEY_PREFIX = "vk_"


class KeyFileError(VerticalError):
    """The keys file is missing, is not JSON, or an entry lacks a field."""


@dataclass(frozen=True)
class ApiKey:
    """One client's key, as stored: its name, the hash of the key, and the tasks it may call."""

    name: str
    sha256: str
    tasks: tuple[str, ...] | None  # None: every task

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


def read_keys(path: Path) -> KeyStore:
    """Read a keys file; a malformed one raises `KeyFileError` naming the file and the entry."""
    path = Path(path)
    if not path.is_file():
        raise KeyFileError(
            f"{path}: keys file not found; make one with `vertical keys add {path} --name NAME`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise KeyFileError(f"{path}:{error.lineno}: not valid JSON: {error.msg}") from None
    entries = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise KeyFileError(f'{path}: expected {{"keys": [...]}} at the top level')
    keys = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise KeyFileError(f"{path}: keys[{number}]: expected an object with name, sha256, tasks")
        digest = entry.get("sha256")
        if not isinstance(digest, str) or len(digest) != 64:
            raise KeyFileError(f"{path}: keys[{number}].sha256: expected 64 hex digits")
        tasks = entry.get("tasks")
        if tasks is not None and not (isinstance(tasks, list) and all(isinstance(t, str) for t in tasks)):
            raise KeyFileError(f"{path}: keys[{number}].tasks: expected a list of task names or null")
        keys.append(
            ApiKey(str(entry.get("name", f"key{number}")), digest.lower(), tuple(tasks) if tasks else None)
        )
    return KeyStore(keys)


def add_key(path: Path, name: str, tasks: list[str] | None = None) -> str:
    """Make a new key, store its hash in `path` (created when missing) and return the plain key."""
    path = Path(path)
    store = read_keys(path) if path.exists() else KeyStore([])
    if any(key.name == name for key in store.keys):
        raise KeyFileError(f"{path}: a key named {name!r} exists already; choose another --name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    entries = [
        {"name": k.name, "sha256": k.sha256, "tasks": list(k.tasks) if k.tasks else None} for k in store.keys
    ]
    entries.append({"name": name, "sha256": hash_key(key), "tasks": list(tasks) if tasks else None})
    atomic_write_json(path, {"keys": entries})
    path.chmod(0o600)
    return key

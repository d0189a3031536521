"""What every recipe section shares: unknown keys are errors, values are frozen, paths are checked.

A neutral module, so that each stage's config (``vertical/<stage>/config.py``) and `vertical.recipe`
import it without importing each other.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationInfo


class Section(BaseModel):
    """A recipe section: an unknown key is an error, and a validated section does not change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def existing_path(value: str, info: ValidationInfo) -> str:
    """Resolve `value` against the recipe's folder and check that it exists."""
    base_dir = Path((info.context or {}).get("base_dir", "."))
    path = Path(value).expanduser()
    resolved = path if path.is_absolute() else base_dir / path
    if not resolved.exists():
        raise ValueError(f"file not found: {value} (looked for {resolved.resolve()})")
    return str(resolved.resolve())

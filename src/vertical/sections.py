"""What every recipe section shares: unknown keys are errors, values are frozen, paths are checked.

A neutral module, so that each stage's config (``vertical/<stage>/config.py``) and `vertical.recipe`
import it without importing each other.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo

# A name that becomes a folder: letters, digits, '_', '.', '-', not starting with a dot (no `.`, `..`
# or hidden folder) and without separators.
PLAIN_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")


def plain_name(value: str) -> str:
    """`value` when it can name a folder of its own; a ValueError (for the recipe error) otherwise."""
    if not PLAIN_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a plain name: use letters, digits, '_', '.', '-', not starting with '.' "
            "(it names a folder)"
        )
    return value


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


# The mark of a key added after runs were made whose default does what those runs did (a feature
# that is off by default): at its default it is left out of the stage's fingerprint, so upgrading
# `vertical` does not re-run finished stages of recipes that do not use the key.
NEUTRAL_DEFAULT = {"neutral_default": True}


def result_dump(section: BaseModel) -> dict[str, Any]:
    """`section.model_dump()` for a stage's fingerprint: its keys marked `NEUTRAL_DEFAULT` left out
    while they hold their default (in nested sections and lists of sections too)."""
    return _drop_neutral_defaults(section, section.model_dump())


def _drop_neutral_defaults(value: Any, dumped: Any) -> Any:
    if isinstance(value, BaseModel):
        kept = {}
        for name, info in type(value).model_fields.items():
            field_value = getattr(value, name)
            marks = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            if not (marks.get("neutral_default") and field_value == info.default):
                kept[name] = _drop_neutral_defaults(field_value, dumped[name])
        return kept
    if isinstance(value, (list, tuple)) and isinstance(dumped, (list, tuple)):
        pairs = zip(value, dumped, strict=True)
        return type(dumped)(_drop_neutral_defaults(item, part) for item, part in pairs)
    if isinstance(value, dict) and isinstance(dumped, dict):
        return {key: _drop_neutral_defaults(value[key], dumped[key]) for key in dumped}
    return dumped

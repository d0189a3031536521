"""Command-line overrides of a recipe: ``vertical run recipe.yaml --set pretrain.steps=50``.

Each override is ``key.path=value``: the key path is dotted, a number picks a list item
(``tasks.0.epochs=1``); the value is read as YAML (``50`` an int, ``true`` a bool, ``[mlm]`` a list,
``{mlm: 1.0}`` a mapping, anything else a string). Overrides are laid over the parsed recipe file
before it is validated, so a bad value is caught as in the file; the error names the override.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import yaml

from vertical.errors import RecipeError

KeyPath = tuple[str | int, ...]


def parse_override(text: str) -> tuple[KeyPath, Any]:
    """``"tasks.0.epochs=1"`` -> ``(("tasks", 0, "epochs"), 1)``.

    Raises:
        RecipeError: the override is not ``key.path=value``.
    """
    key, separator, raw = text.partition("=")
    parts = key.strip().split(".")
    if not separator or not all(part.strip() for part in parts):
        raise RecipeError(f"--set {text}: expected key.path=value, e.g. --set pretrain.steps=50")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as error:
        raise RecipeError(f"--set {text}: the value is not valid YAML ({error.__class__.__name__})") from None
    path = tuple(int(part) if part.strip().isdigit() else part.strip() for part in parts)
    return path, value


def apply_overrides(
    data: dict[str, Any], overrides: Sequence[str]
) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """A copy of the recipe mapping `data` with each override laid over it, in order.

    Returns:
        The new mapping and, per overridden key path, the override's text (for error messages).

    Raises:
        RecipeError: an override is malformed or its path goes through something that is not a
            mapping or a list (or past a list's end).
    """
    data = copy.deepcopy(data)
    applied: dict[KeyPath, str] = {}
    for text in overrides:
        path, value = parse_override(text)
        node: Any = data
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            where = ".".join(str(p) for p in path[: depth + 1])
            if isinstance(node, list):
                if not isinstance(part, int) or part >= len(node):
                    raise RecipeError(
                        f"--set {text}: {where}: the list has {len(node)} items; use an index 0 to "
                        f"{len(node) - 1}"
                    )
            elif isinstance(node, dict):
                part = str(part)
            else:
                parent = where.rsplit(".", 1)[0]
                raise RecipeError(f"--set {text}: {where}: {parent} is not a mapping or a list")
            if last:
                node[part] = value
            else:
                if isinstance(node, dict) and node.get(part) is None:
                    node[part] = {}  # a section the file leaves out (or sets to null)
                node = node[part]
        applied[tuple(str(p) if not isinstance(p, int) else p for p in path)] = text
    return data, applied


def override_for(loc: tuple, applied: dict[KeyPath, str]) -> str | None:
    """The override behind a validation error at key path `loc` (inside it or above it), if any."""
    for path, text in reversed(applied.items()):
        shared = min(len(path), len(loc))
        if shared and tuple(path[:shared]) == tuple(loc[:shared]):
            return text
    return None

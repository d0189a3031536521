"""Errors meant for users: the CLI prints them on one line and exits with status 2.

Programming errors stay ordinary exceptions; a `VerticalError` says what the user did wrong
and how to fix it, naming the file, line and field where there is one.
"""

from __future__ import annotations


class VerticalError(Exception):
    """A mistake a user can fix: bad input, a missing file, an unreachable model."""


class RecipeError(VerticalError):
    """The recipe YAML is malformed, has an unknown key, a wrong type or names a missing file."""


class DataError(VerticalError):
    """An input data file cannot be read or lacks a field."""


class ModelError(VerticalError):
    """A base model cannot be found, verified or loaded."""


def located(path: object, line: int | None, message: str) -> str:
    """Format `message` as `file:line: message`, the way compilers name a place."""
    return f"{path}:{line}: {message}" if line is not None else f"{path}: {message}"


class KnowledgeError(VerticalError):
    """A knowledge-graph source is malformed, a query is refused or runs too long, or a graph is empty."""

"""``vertical tokenizer``: the tokenizer stage's tools outside a recipe.

vertical tokenizer stats --tokenizer DIR_OR_BUILTIN < text.txt
    one JSON object: unk_rate, fertility, mean_tokens_per_line (and the counts), over the
    non-empty lines of standard input
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vertical.errors import ModelError, VerticalError

tokenizer_app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Measure tokenizers: fertility, [UNK] rate and sequence length of text.",
)
_console = Console(stderr=True)


def _fail(error: VerticalError) -> None:
    _console.print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def open_tokenizer(spec: str):
    """A tokenizer folder (a model folder, or a tokenizer stage's ``tokenizer/``), or a base model spec."""
    from vertical.models import load_tokenizer, resolve_base_model

    path = Path(spec).expanduser()
    if path.is_dir() and any((path / name).is_file() for name in ("tokenizer.json", "vocab.txt")):
        return load_tokenizer(path)
    if path.is_dir():
        raise ModelError(f"{path}: no tokenizer.json or vocab.txt; pass a folder written by save_pretrained")
    return load_tokenizer(resolve_base_model(spec).path)


@tokenizer_app.command("stats")
def stats(
    tokenizer: Annotated[
        str,
        typer.Option("--tokenizer", help="A tokenizer or model folder, builtin:minilm, or a hub id."),
    ],
) -> None:
    """Read text on standard input; print fertility, [UNK] rate and mean tokens per line as JSON."""
    from vertical.tokenizer.stats import tokenization_stats

    try:
        loaded = open_tokenizer(tokenizer)
    except VerticalError as error:
        _fail(error)
    lines = (line.rstrip("\n") for line in sys.stdin)
    result = tokenization_stats(loaded, (line for line in lines if line.strip()))
    print(json.dumps(result, ensure_ascii=False))

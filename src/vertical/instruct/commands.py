"""The CLI's LLM commands: ``vertical chat`` and ``vertical instruct synthesise``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer

from vertical.errors import DataError, VerticalError
from vertical.records import Triple

instruct_app = typer.Typer(no_args_is_help=True, help="Instruction data for decoder LLMs.")


def read_plain_triples(path: Path) -> list[Triple]:
    """The rows of a ``subject,predicate,object`` CSV (plain names) as triples."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"subject", "predicate", "object"} - set(reader.fieldnames or [])
        if missing:
            raise DataError(f"{path}:1: header: missing column(s) {', '.join(sorted(missing))}")
        triples = []
        for number, row in enumerate(reader, start=2):
            if not all((row.get(k) or "").strip() for k in ("subject", "predicate", "object")):
                raise DataError(f"{path}:{number}: subject, predicate and object must all be non-empty")
            triples.append(Triple(row["subject"].strip(), row["predicate"].strip(), row["object"].strip()))
    return triples


@instruct_app.command("synthesise")
def synthesise(
    triples: Annotated[Path, typer.Argument(help="A subject,predicate,object CSV of plain names.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for train.jsonl and test.jsonl.")] = Path(
        "."
    ),
    lang: Annotated[list[str], typer.Option("--lang", help="Template languages: en, zh.")] = ["en"],  # noqa: B006
    test_share: Annotated[float, typer.Option(help="Share of the entities held out for testing.")] = 0.3,
    seed: Annotated[int, typer.Option(help="Seed of the entity split.")] = 0,
) -> None:
    """Question/answer conversations from a graph, split by entity (messages JSON Lines)."""
    from vertical.instruct.readers import write_conversations
    from vertical.instruct.synthesis import synthesise_questions

    try:
        train, test = synthesise_questions(
            read_plain_triples(triples), lang, test_share=test_share, seed=seed
        )
        if not train and not test:
            raise DataError(
                f"{triples}: no predicate has question templates (sector, headquarters, ceo, ticker)"
            )
        write_conversations(out_dir / "train.jsonl", train)
        write_conversations(out_dir / "test.jsonl", test)
    except VerticalError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{len(train)} training and {len(test)} test conversations written to {out_dir}")


def chat(
    run_dir: Annotated[Path, typer.Argument(help="A run folder, or a model folder with a chat template.")],
    task: Annotated[str | None, typer.Option(help="The instruct task whose model to use.")] = None,
    variant: Annotated[str, typer.Option(help="vertical or general.")] = "vertical",
    max_new_tokens: Annotated[int, typer.Option(help="Longest reply, in tokens.")] = 256,
    temperature: Annotated[float, typer.Option(help="0: greedy; above: sampled.")] = 0.0,
    system: Annotated[str | None, typer.Option(help="A system message for the conversation.")] = None,
) -> None:
    """Chat with a run's LLM in the terminal (tokens streamed; /reset, /quit)."""
    from vertical.chat import chat_loop, chat_model_folder

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    try:
        folder = chat_model_folder(run_dir, task, variant)
        write(f"chatting with {folder} (empty line or /quit ends, /reset starts over)\n")
        chat_loop(folder, input, write, max_new_tokens, temperature, system)
    except VerticalError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None

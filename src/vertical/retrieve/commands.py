"""``vertical retrieve add | search``: grow a run's passage index and query it, without a rebuild.

``add`` embeds the documents of files (.txt, .jsonl, .csv, .parquet, or folders of them) with the
index's own encoder and adds them; the rest of the index is not re-embedded. Documents added
this way stay when the retrieve stage is rebuilt from the corpus. ``search`` prints the
passages and graph facts a question retrieves, as a grounded answer would get them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vertical.errors import VerticalError

retrieve_app = typer.Typer(
    no_args_is_help=True, help="The retrieve stage's passage index: add documents, search."
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True)


def _fail(error: VerticalError) -> None:
    err.print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _index_dir(run_dir: Path) -> Path:
    folder = Path(run_dir) / "retrieve" / "index"
    if not (folder / "encoder.json").is_file():
        raise VerticalError(
            f"{run_dir}: no passage index (retrieve/index); add `retrieve:` to the recipe and run it"
        )
    return folder


def add_files(run_dir: Path, paths: list[Path], text_field: str = "text") -> dict[str, int]:
    """Add the documents of `paths` to the run's index (atomically); returns documents and passages added."""
    from vertical.data.readers import read_documents
    from vertical.io import atomic_directory
    from vertical.retrieve.retriever import load_retriever

    folder = _index_dir(run_dir)
    retriever = load_retriever(folder)
    documents = [doc for path in paths for doc in read_documents(Path(path), text_field=text_field)]
    before = len(retriever.index.documents)
    embedded = retriever.index.add_documents(documents, retriever.encoder, added=True)
    with atomic_directory(folder) as temporary:
        retriever.index.save(temporary)
    return {"documents": len(retriever.index.documents) - before, "passages_embedded": embedded}


@retrieve_app.command("add")
def add(
    run_dir: Annotated[Path, typer.Argument(help="The run folder, runs/<name>.")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of documents.")],
    text_field: Annotated[str, typer.Option(help="The JSON field or column holding the text.")] = "text",
) -> None:
    """Embed new documents into the run's index; the others are not embedded again."""
    try:
        added = add_files(run_dir, paths, text_field)
    except VerticalError as error:
        _fail(error)
    out.print(f"added {added['documents']} documents ({added['passages_embedded']} passages embedded)")


@retrieve_app.command("search")
def search(
    run_dir: Annotated[Path, typer.Argument(help="The run folder, runs/<name>.")],
    question: Annotated[str, typer.Argument(help="The question.")],
    k: Annotated[int, typer.Option("-k", help="Passages to retrieve.")] = 5,
    sparql_endpoint: Annotated[str | None, typer.Option(help="Remote SPARQL endpoint for the facts.")] = None,
) -> None:
    """Print the numbered passages and graph facts a question retrieves."""
    from vertical.retrieve.run_index import load_run_retriever

    try:
        _index_dir(run_dir)
        retriever = load_run_retriever(run_dir, sparql_endpoint)
        assert retriever is not None
        sources = retriever.retrieve(question, k)
    except VerticalError as error:
        _fail(error)
    for source in sources:
        where = (
            f"{source.document_id} [{source.start}:{source.end}] score {source.score}"
            if source.kind == "passage"
            else f"{source.subject} {source.predicate} {source.object}"
        )
        out.print(f"[{source.number}] {source.text}\n    {where}")

"""The `vertical` command: a thin Typer layer over the pipeline.

A user mistake (`VerticalError`) prints one line, ``error: ...``, and exits with status 2.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from vertical import __version__
from vertical.errors import RecipeError, VerticalError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn a general pretrained language model into an industry-vertical one, and prove it.",
)
console = Console(stderr=True)
out = Console()


def _setup(verbose: bool) -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    terminal = RichHandler(console=console, show_path=False, rich_tracebacks=False)
    if not verbose:  # the Trainer's log dicts go to run.log and the trackers, not the terminal
        terminal.addFilter(lambda record: record.name != "vertical.training")
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[terminal],
        force=True,
    )
    for noisy in ("httpx", "urllib3", "datasets", "filelock", "fsspec", "tensorboard"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _fail(error: VerticalError) -> None:
    console.print(f"[bold red]error:[/] {error}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        out.print(f"vertical {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    _setup(verbose)


def _print_comparison(run_dir: Path) -> None:
    import json

    metrics_file = run_dir / "evaluate" / "metrics.json"
    if not metrics_file.is_file():
        return
    from vertical.evaluate.report import comparison_rows, difference_verdict

    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    table = Table(title="vertical vs general", title_style="bold")
    for column in ("task", "metric", "general", "vertical", "difference"):
        table.add_column(column, justify="left" if column in ("task", "metric") else "right")
    for task, metric, general, vertical, difference in comparison_rows(metrics):
        # coloured only where the interval excludes zero, in the metric's direction (lower perplexity wins)
        paired = metrics["tasks"][task].get("significance", {}).get(metric)
        colour = {"up": "green", "down": "red"}.get(difference_verdict(metric, paired, difference), "default")
        table.add_row(task, metric, f"{general:.3f}", f"{vertical:.3f}", f"[{colour}]{difference:+.3f}[/]")
    out.print(table)


def _run(
    recipe_path: Path,
    runs_dir: Path,
    from_stage: str | None,
    processes: int = 1,
    overrides: list[str] | None = None,
    quiet: bool = False,
) -> Path:
    from vertical.io import atomic_write_text
    from vertical.pipeline import run_recipe
    from vertical.progress import run_progress
    from vertical.recipe import load_recipe
    from vertical.run import run_folder

    recipe = load_recipe(recipe_path, overrides or ())
    run_dir = run_folder(runs_dir, recipe.name)  # refused before anything is written there
    # the recipe as run, for the report's provenance (a comment line per --set override)
    given = "".join(f"# --set {override}\n" for override in overrides or ())
    text = Path(recipe_path).read_text(encoding="utf-8", errors="replace")
    atomic_write_text(run_dir / "recipe.yaml", f"# {recipe_path}\n{given}{text}")
    log_file = run_dir / "run.log"
    verbose = logging.getLogger().level <= logging.DEBUG
    with run_progress(console, log_file, quiet, verbose):
        result = run_recipe(recipe, runs_dir, from_stage, processes)
    skipped = [r.name for r in result.stages if r.skipped]
    if skipped and not quiet:
        console.print(f"up to date, skipped: {', '.join(skipped)}")
    if not quiet:
        console.print(f"log: {log_file}", highlight=False)
    _print_comparison(result.run_dir)
    if result.report_html.is_file():
        out.print(f"report: {result.report_html}")
    return result.run_dir


# the stages of vertical.recipe.STAGES, in order (not imported: `vertical --help` stays fast)
STAGE_NAMES = "data, knowledge, tokenizer, pretrain, retrieve, finetune, evaluate, compress"
_QUIET = typer.Option("--quiet", "-q", help="No live progress line, only warnings and the result table.")


@app.command()
def run(
    recipe: Annotated[Path, typer.Argument(help="The recipe YAML file.")],
    from_stage: Annotated[
        str | None,
        typer.Option("--from", help=f"Re-run from this stage on ({STAGE_NAMES})."),
    ] = None,
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where run folders go.")] = Path("runs"),
    nproc: Annotated[
        int,
        typer.Option("--nproc", min=1, help="Pretrain on this many local processes (DDP through torchrun)."),
    ] = 1,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a recipe key, checked as in the file: --set pretrain.steps=50 (repeatable).",
        ),
    ] = None,
    quiet: Annotated[bool, _QUIET] = False,
) -> None:
    """Build the vertical model a recipe describes, stage by stage; stages that are up to date are skipped."""
    try:
        _run(recipe, runs_dir, from_stage, nproc, overrides, quiet)
    except VerticalError as error:
        _fail(error)


@app.command()
def ablate(
    recipe: Annotated[Path, typer.Argument(help="The recipe YAML file, with an `ablation` section.")],
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where run folders go.")] = Path("runs"),
    nproc: Annotated[
        int,
        typer.Option("--nproc", min=1, help="Pretrain on this many local processes (DDP through torchrun)."),
    ] = 1,
    quiet: Annotated[bool, _QUIET] = False,
) -> None:
    """Build each variant of the recipe's ablation once per seed and compare them (mean ± std)."""
    from vertical.ablation import run_ablation, summary_rows
    from vertical.progress import run_progress
    from vertical.recipe import load_ablation

    try:
        loaded, variants = load_ablation(recipe)
        log_file = runs_dir / loaded.name / "ablation" / "run.log"
        verbose = logging.getLogger().level <= logging.DEBUG
        with run_progress(console, log_file, quiet, verbose):
            summary = run_ablation(loaded, variants, runs_dir, nproc)
    except VerticalError as error:
        _fail(error)
    table = Table(title="ablation: mean ± std over seeds", title_style="bold")
    for column in ("variant", "task", "metric", "seeds", "general", "vertical", "difference"):
        table.add_column(column, justify="left" if column in ("variant", "task", "metric") else "right")
    for variant, task, metric, seeds, cells in summary_rows(summary):
        table.add_row(variant, task, metric, str(seeds), *cells)
    out.print(table)
    out.print(f"summary: {runs_dir / loaded.name / 'ablation' / 'summary.md'}")


@app.command()
def demo(
    quick: Annotated[
        bool, typer.Option("--quick", help="A smaller demo that runs in a few minutes.")
    ] = False,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the demo's data and its runs/ folder.")
    ] = Path("."),
    lang: Annotated[
        str, typer.Option("--lang", help="en: the English finance world; zh: the Chinese one.")
    ] = "en",
    decoder: Annotated[
        bool, typer.Option("--decoder", help="Train a small GPT-2 from scratch on the English world instead.")
    ] = False,
    quiet: Annotated[bool, _QUIET] = False,
    llm: Annotated[
        bool, typer.Option("--llm", help="A vertical LLM on SmolLM2-135M (Gemma 3 270M with --lang zh).")
    ] = False,
    general: Annotated[
        Path | None,
        typer.Option(
            "--general",
            help="--llm: a folder shaped like shared/datasets (general_en/, general_zh/, general_eval/) "
            "for replay and the forgetting check; found beside the clone when left out.",
        ),
    ] = None,
) -> None:
    """Generate the synthetic finance vertical and build it end to end."""
    from vertical.demo import FULL, FULL_ZH, QUICK, QUICK_ZH, write_chinese_finance_demo, write_finance_demo

    if lang not in ("en", "zh"):
        _fail(RecipeError(f"--lang {lang}: unknown demo language; use en or zh"))
    if llm:
        from vertical.demo.llm_run import run_llm_demo

        try:
            run_llm_demo(
                out_dir,
                quick,
                lang,
                lambda path: _run(path, out_dir / "runs", None),
                console.print,
                general=general,
            )
        except VerticalError as error:
            _fail(error)
        return
    if decoder:
        from vertical.demo.decoder import write_decoder_demo

        if lang != "en":
            _fail(RecipeError("--decoder: the decoder demo is English only; leave out --lang"))
        try:
            name = "finance-demo-gpt-quick" if quick else "finance-demo-gpt"
            recipe = write_decoder_demo(out_dir / "demo-data" / name, quick)
            if not quiet:
                console.print(f"demo data and recipe written to {recipe.parent}")
            _run(recipe, out_dir / "runs", None, quiet=quiet)
        except VerticalError as error:
            _fail(error)
        return
    size = {("en", False): FULL, ("en", True): QUICK, ("zh", False): FULL_ZH, ("zh", True): QUICK_ZH}[
        (lang, quick)
    ]
    write = write_finance_demo if lang == "en" else write_chinese_finance_demo
    try:
        recipe = write(out_dir / "demo-data" / size.name, size)
        if not quiet:
            console.print(f"demo data and recipe written to {recipe.parent}")
        _run(recipe, out_dir / "runs", None, quiet=quiet)
    except VerticalError as error:
        _fail(error)


def _add_llm_commands() -> None:
    from vertical.instruct.commands import chat, instruct_app

    app.command()(chat)
    app.add_typer(instruct_app, name="instruct")


_add_llm_commands()


def _add_knowledge_commands() -> None:
    from vertical.knowledge.commands import kg_app

    app.add_typer(kg_app, name="kg")


_add_knowledge_commands()


def _add_tokenizer_commands() -> None:
    from vertical.tokenizer.commands import tokenizer_app

    app.add_typer(tokenizer_app, name="tokenizer")


_add_tokenizer_commands()


def _add_retrieve_commands() -> None:
    from vertical.retrieve.commands import retrieve_app

    app.add_typer(retrieve_app, name="retrieve")


_add_retrieve_commands()
data_app = typer.Typer(no_args_is_help=True, help="The data stage on its own: curate a corpus, redact text.")
app.add_typer(data_app, name="data")


@data_app.command("prepare")
def data_prepare(
    recipe: Annotated[Path, typer.Argument(help="The recipe YAML file (its data section is used).")],
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where run folders go.")] = Path("runs"),
    force: Annotated[bool, typer.Option("--force", help="Run even when the stage is up to date.")] = False,
) -> None:
    """Clean, filter, deduplicate, redact and split the recipe's corpus into runs/<name>/data."""
    from vertical.pipeline import data_stage
    from vertical.recipe import load_recipe
    from vertical.run import RunDirectory, run_folder

    try:
        loaded = load_recipe(recipe)
        run_dir = RunDirectory(run_folder(runs_dir, loaded.name))
        report = run_dir.run_stage(data_stage(loaded), force=force)
    except VerticalError as error:
        _fail(error)
    if report.skipped:
        console.print("data: up to date, skipped")
    table = Table(title="data", title_style="bold")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in report.metrics.items():
        if isinstance(value, dict):
            for inner, count in value.items():
                table.add_row(f"{key}: {inner}", f"{count:,}")
        else:
            table.add_row(key, f"{value:,}")
    out.print(table)
    out.print(f"corpus: {run_dir.stage_dir('data') / 'corpus'}")


@data_app.command("redact")
def data_redact(
    lang: Annotated[
        str, typer.Option("--lang", help="Phone formats to look for: en, zh or auto (both).")
    ] = "auto",
) -> None:
    """Read lines on standard input; write them, one for one, personal data replaced by <EMAIL>, <PHONE>..."""
    from vertical.data.pii import redact_text

    if lang not in ("en", "zh", "auto"):
        _fail(VerticalError(f"--lang {lang}: use en, zh or auto"))
    interactive = sys.stdin.isatty()
    for raw in sys.stdin.buffer:
        # bytes that are not UTF-8 pass through unchanged: one line out for each line in
        line = raw.decode("utf-8", errors="surrogateescape")
        body = line.rstrip("\r\n")
        redacted = redact_text(body, lang) + line[len(body) :]
        sys.stdout.buffer.write(redacted.encode("utf-8", "surrogateescape"))
        if interactive:
            sys.stdout.buffer.flush()
    sys.stdout.buffer.flush()


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `vertical run` (runs/<name>).")],
    output: Annotated[
        Path | None, typer.Option("--out", help="Where to write the HTML (default RUN_DIR/report.html).")
    ] = None,
) -> None:
    """Rebuild the HTML report of a run from its folder: metrics, intervals, plots, earlier stages."""
    from vertical.evaluate import rebuild_report

    try:
        written = rebuild_report(run_dir, output)
    except VerticalError as error:
        _fail(error)
    _print_comparison(run_dir)
    out.print(f"report: {written}")


@app.command()
def generate(
    run_dir: Annotated[Path, typer.Argument(help="A decoder run folder written by `vertical run`.")],
    prompt: Annotated[str, typer.Argument(help="The text to continue.")],
    max_new_tokens: Annotated[int, typer.Option(min=1, help="The most tokens to write.")] = 64,
    temperature: Annotated[float, typer.Option(min=0.0, help="0: greedy; higher: freer samples.")] = 0.8,
    top_p: Annotated[float, typer.Option(min=0.0, max=1.0, help="Nucleus sampling probability mass.")] = 0.95,
    seed: Annotated[int | None, typer.Option(help="Makes the sample repeatable.")] = None,
    task: Annotated[
        str | None, typer.Option("--task", help="A generation task's model instead of the pretrained one.")
    ] = None,
) -> None:
    """Continue PROMPT with the run's domain-pretrained decoder (or a generation task's model)."""
    from vertical.generate import decoder_model_dir, load_generator

    try:
        model_dir = decoder_model_dir(run_dir, task)
        generator = load_generator(model_dir, task or "pretrain")
    except VerticalError as error:
        _fail(error)
    text = generator.generate([prompt], max_new_tokens, temperature, top_p, seed)[0]
    out.print(text, highlight=False, markup=False, soft_wrap=True)


keys_app = typer.Typer(no_args_is_help=True, help="Make API keys for `vertical serve` (stored hashed).")
app.add_typer(keys_app, name="keys")


@keys_app.command("add")
def keys_add(
    keys_file: Annotated[Path, typer.Argument(help="The keys file (JSON; created when missing).")],
    name: Annotated[str, typer.Option("--name", help="Who the key is for.")],
    task: Annotated[
        list[str] | None, typer.Option("--task", help="A task the key may call (repeat); default: all.")
    ] = None,
) -> None:
    """Make a new API key, store its hash in KEYS_FILE and print the key once."""
    from vertical.serve.keys import add_key

    try:
        key = add_key(keys_file, name, task)
    except VerticalError as error:
        _fail(error)
    console.print(f"key {name!r} added to {keys_file}; it is shown only now:")
    out.print(key, highlight=False)


@app.command()
def serve(
    run_dir: Annotated[Path, typer.Argument(help="The run folder, runs/<name>.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    variant: Annotated[str, typer.Option(help="full, int8, onnx, onnx-int8 or distilled.")] = "full",
    keys: Annotated[Path | None, typer.Option("--keys", help="Keys file from `vertical keys add`.")] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="No keys; only on a loopback host.")] = False,
    max_texts: Annotated[int, typer.Option(help="Texts per request.")] = 64,
    max_text_chars: Annotated[int, typer.Option(help="Characters per text.")] = 4000,
    max_body_bytes: Annotated[int, typer.Option(help="Request body size.")] = 1_000_000,
    redact: Annotated[
        bool, typer.Option("--redact", help="Replace personal data in texts and entities sent back.")
    ] = False,
    kg_timeout: Annotated[float, typer.Option(help="Longest a SPARQL query may run, in seconds.")] = 10.0,
    kg_max_rows: Annotated[int, typer.Option(help="Most rows a SPARQL answer may have.")] = 10_000,
    kg_max_bytes: Annotated[int, typer.Option(help="Largest SPARQL answer, in bytes.")] = 10_000_000,
    allow_service: Annotated[
        list[str] | None,
        typer.Option("--allow-service", help="A SPARQL endpoint SERVICE may call (repeat); default: none."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Server processes, each with its own copy of the models.")] = 1,
    max_prompt_tokens: Annotated[int, typer.Option(help="Chat: prompt tokens, sources included.")] = 2048,
    max_output_tokens: Annotated[int, typer.Option(help="Chat: the most tokens of an answer.")] = 512,
    max_generations: Annotated[int, typer.Option(help="Chat: generations running at once.")] = 1,
    max_queued: Annotated[int, typer.Option(help="Chat: requests waiting; more get 429.")] = 8,
    generation_timeout: Annotated[float, typer.Option(help="Chat: seconds a request may take.")] = 120.0,
    sparql_endpoint: Annotated[
        str | None, typer.Option(help="Remote SPARQL endpoint for the facts of grounded answers.")
    ] = None,
) -> None:
    """Serve the run folder's task models over HTTP, with a playground page at /."""
    from vertical.serve import ServeSettings
    from vertical.serve import serve as run_server
    from vertical.serve.generation_limits import GenerationLimits
    from vertical.serve.limits import Limits

    settings = ServeSettings(
        run_dir,
        host,
        port,
        variant,
        keys,
        no_auth,
        Limits(max_body_bytes, max_texts, max_text_chars),
        redact=redact,
        kg_timeout_s=kg_timeout,
        kg_max_rows=kg_max_rows,
        kg_max_bytes=kg_max_bytes,
        allow_service=tuple(allow_service or ()),
        workers=workers,
        generation=GenerationLimits(
            max_prompt_tokens, max_output_tokens, max_generations, max_queued, generation_timeout
        ),
        sparql_endpoint=sparql_endpoint,
    )
    try:
        run_server(settings)
    except VerticalError as error:
        _fail(error)


def entry() -> None:
    """Console-script entry point."""
    app(prog_name="vertical")


if __name__ == "__main__":
    sys.exit(entry())

"""The shell and curl examples of README.md and docs/*.md run, and print what the docs show.

Every command line of every ``bash`` block is either run by a test here or listed in `NOT_RUN` with
the reason (a build of an hour, another tool, a second machine). The fast tests check that each
`vertical` command and option the docs use exists; the slow one builds the quick demo (or uses the
one named by ``VERTICAL_DEMO_DIR``, a folder holding ``runs/finance-demo-quick``), runs the
examples against it, serving it over HTTP for the curl ones, and compares the printed output with
the ``# {...}`` lines the docs show under a command (each ``"key": "string"`` pair shown must be in
the output; numbers and ``...`` are left free).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Commands the tests do not run, and why (matched against the start of the command).
NOT_RUN = {
    "make demo": "the full demo build (about an hour on 2 cores); the slow test builds the quick demo",
    "make test": "the test suite itself",
    "vertical retrieve add": "needs a run with a retrieve stage; tests/retrieve/test_build.py adds documents",
    "vertical retrieve search": "needs a run with a retrieve stage; tests/retrieve/test_build.py searches",
    "vllm serve": "another tool, on a GPU machine",
    "vertical ablate": "builds the recipe 9 times; tests/test_ablation.py runs an ablation on a tiny recipe",
    "vertical run my-bank.yaml --nproc": "DDP on 2 processes; tests/pretrain/test_distributed.py",
    "vertical run recipe.yaml --nproc": "DDP on 2 processes; tests/pretrain/test_distributed.py",
    "vertical run": "a full build; the slow test's quick demo is one, tests/test_cli.py runs a tiny one",
    "vertical serve": "the slow test serves the demo once (`vertical serve RUN --keys keys.json`)",
    "vertical generate": "needs a decoder run; tests/test_generate.py runs it on a tiny GPT-2",
    "vertical data prepare": "a data stage on its own; tests/test_cli.py runs it on a tiny recipe",
    "vertical tokenizer stats --tokenizer runs/finance-demo-zh": "needs the Chinese demo run",
    "torchrun": "a second machine",
    "oxigraph": "another program (Oxigraph server)",
    "tdb2.tdbloader": "another program (Apache Jena)",
    "fuseki-server": "another program (Apache Jena Fuseki)",
    "python bench/": "benchmarks print ratios; they are run by hand, never asserted",
    "cd examples": "the real-data examples read ../shared/datasets, which a clone lacks; run by hand",
    "../.venv/bin/vertical run": "a real-data example build (examples/, reads ../shared/datasets); by hand",
    "../.venv/bin/python medical_zh/build_task.py": (
        "builds the Chinese example's task from ../shared; by hand"
    ),
}
# Parts of commands the tests do not run, and why (matched anywhere in the command).
NOT_RUN_CONTAINING = {
    "/v1/ner/": "the demo has no NER task; tests/serve/test_entities_api.py serves one",
    "/v1/generate": "needs a decoder run; tests/serve/test_generation.py serves one",
    "/v1/chat/completions": "needs a decoder run; tests/serve/test_openai_api.py serves one",
    "/v1/completions": "needs a decoder run; tests/serve/test_openai_api.py serves one",
}
# Commands the slow test runs against the quick demo (after the docs' names are mapped onto it).
RUN = (
    "vertical report",
    "vertical keys add",
    "vertical kg load",
    "vertical kg stats",
    "vertical kg query",
    "vertical kg link",
    "vertical data redact",
    "vertical tokenizer stats --tokenizer builtin:minilm",
    "curl",
    "KEY=",
)


@dataclass(frozen=True)
class Example:
    """One command of a docs' bash block and the output lines the docs show under it."""

    file: str
    line: int
    command: str
    shown: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.command[:80]}"


def _strip_comment(line: str) -> str:
    """`line` without a trailing ``  # comment`` (a ``#`` inside a word, ``rdf-schema#label``, stays)."""
    return re.sub(r"\s+#\s.*$", "", line).rstrip()


def shell_examples() -> list[Example]:
    """Every command of every bash block in the docs, continuation lines joined."""
    examples: list[Example] = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        found = []
        for block in re.finditer(r"```bash\n(.*?)```", text, re.S):
            first_line = text[: block.start()].count("\n") + 2
            command, start = "", 0
            for offset, raw in enumerate(block.group(1).splitlines()):
                if not raw.strip() or raw.lstrip().startswith("#"):
                    continue
                if not command:
                    start = first_line + offset
                command += (" " if command else "") + _strip_comment(raw).removesuffix("\\").strip()
                if not raw.rstrip().endswith("\\"):
                    found.append(Example(path.name, start, command, ()))
                    command = ""
        examples += _attach_output(found, path)
    return examples


def _attach_output(examples: list[Example], path: Path) -> list[Example]:
    """Give each command of `path` the ``# {...}`` lines that follow it in its block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    attached = []
    for example in examples:
        index = example.line - 1
        while index < len(lines) and lines[index].rstrip().endswith("\\"):
            index += 1
        shown = []
        for raw in lines[index + 1 :]:
            stripped = raw.strip()
            if not stripped.startswith("#") or not re.match(r"#\s*[\[{\d]|#\s{2,}", stripped):
                break
            shown.append(stripped[1:].strip())
        attached.append(Example(example.file, example.line, example.command, tuple(shown)))
    return attached


def _plain(command: str) -> str:
    return command.removeprefix(".venv/bin/")


def not_run(command: str) -> str | None:
    """Why the tests do not run `command` (None: the slow test runs it)."""
    command = _plain(command)
    for part, reason in NOT_RUN_CONTAINING.items():
        if part in command:
            return reason
    if command.startswith(RUN) or command.startswith("echo "):
        return None
    return next((reason for start, reason in NOT_RUN.items() if command.startswith(start)), "")


def test_every_shell_example_is_run_or_has_a_reason():
    examples = shell_examples()
    assert len(examples) > 30
    unaccounted = [str(e) for e in examples if not_run(e.command) == ""]
    assert not unaccounted, "docs examples neither run by tests/test_docs.py nor in NOT_RUN:\n" + "\n".join(
        unaccounted
    )


def _vertical_commands() -> list[tuple[Example, list[str]]]:
    found = []
    for example in shell_examples():
        for part in example.command.split(" | "):
            words = shlex.split(re.split(r" [<>] ", _plain(part.strip()))[0])
            if words and words[0] == "vertical":
                found.append((example, words[1:]))
    return found


def test_every_documented_vertical_command_and_option_exists():
    import typer

    from vertical.cli import app

    root = typer.main.get_command(app)
    checked = 0
    for example, words in _vertical_commands():
        command = root
        while hasattr(command, "commands") and words and words[0] in command.commands:
            command, words = command.commands[words[0]], words[1:]
        assert not hasattr(command, "commands"), f"{example}: not a command"
        options = {name for param in command.params for name in getattr(param, "opts", [])}
        for word in words:
            if word.startswith("--"):
                assert word.split("=")[0] in options, f"{example}: {command.name} has no option {word}"
        checked += 1
    assert checked > 20


def test_run_help_lists_every_stage_for_from():
    from typer.testing import CliRunner

    from vertical.cli import STAGE_NAMES, app
    from vertical.recipe import STAGES

    assert STAGE_NAMES == ", ".join(STAGES)
    help_text = " ".join(CliRunner().invoke(app, ["run", "--help"], terminal_width=200).output.split())
    assert all(stage in help_text for stage in STAGES)


def shown_pairs(shown: tuple[str, ...]) -> list[str]:
    """The ``"key":"string"`` pairs the docs show, as they appear in compact JSON."""
    text = " ".join(shown)
    return [
        f'"{key}":"{value}"'
        for key, value in re.findall(r'"([\w-]+)":\s*"([^"]*)"', text)
        if value not in ("...", "…")
    ]


# ---- the slow test: the examples against the quick demo --------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    given = os.environ.get("VERTICAL_DEMO_DIR")
    if given:
        return Path(given)
    folder = tmp_path_factory.mktemp("demo")
    completed = subprocess.run(
        [sys.executable, "-m", "vertical.cli", "demo", "--quick", "--quiet", "--out", str(folder)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return folder


def _on_the_demo(command: str, demo: Path, port: int) -> str:
    """A docs command with the docs' names mapped onto the quick demo's folders."""
    run = demo / "runs" / "finance-demo-quick"
    data = demo / "demo-data" / "finance-demo-quick"
    for name in ("runs/finance-demo-quick", "runs/finance-demo", "runs/my-bank"):
        command = command.replace(name, str(run))
    command = command.replace("kg-store", str(demo / "kg-store"))
    command = command.replace("kg/triples.csv", str(data / "kg" / "triples.csv"))
    command = command.replace("localhost:8000", f"localhost:{port}")
    command = command.replace("keys.json", str(demo / "keys.json"))
    command = command.replace("/tmp/bank.html", str(demo / "bank.html"))
    command = command.replace("< in.txt > out.txt", f"< {data / 'kg' / 'entities.txt'} > {demo / 'out.txt'}")
    command = command.replace("< news.txt", f"< {data / 'kg' / 'entities.txt'}")
    # the command `vertical` wherever a command starts: the line, a pipe, a $( )
    return re.sub(
        r"(^|\| |\$\()vertical ", lambda m: f"{m.group(1)}{sys.executable} -m vertical.cli ", command
    )


def _check(example: Example, completed: subprocess.CompletedProcess) -> None:
    assert completed.returncode == 0, f"{example}\n{completed.stderr[-2000:]}"
    if example.shown and not example.shown[0][:1].isdigit():
        output = completed.stdout
        try:  # compare in compact JSON, as the docs write it
            output = json.dumps(json.loads(output), separators=(",", ":"), ensure_ascii=False)
        except json.JSONDecodeError:
            pass
        for pair in shown_pairs(example.shown):
            assert pair in output.replace('": "', '":"'), (
                f"{example}: the docs show {pair}; it printed\n{output}"
            )


@pytest.mark.slow
def test_the_docs_examples_run_on_the_quick_demo(demo_dir):
    port = _free_port()
    examples = [e for e in shell_examples() if not_run(e.command) is None]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    key = ""
    server = None
    try:
        for example in examples:
            command = _on_the_demo(_plain(example.command), demo_dir, port)
            if command.startswith("KEY=$("):  # a key for the curl lines, made before the server starts
                completed = subprocess.run(
                    ["bash", "-c", f'{command}; printf %s "$KEY"'], capture_output=True, text=True, env=env
                )
                assert completed.returncode == 0, completed.stderr
                key = completed.stdout.strip().splitlines()[-1]
                continue
            if command.startswith("curl") and server is None:
                run = demo_dir / "runs" / "finance-demo-quick"
                server = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "vertical.cli",
                        "serve",
                        str(run),
                        "--keys",
                        str(demo_dir / "keys.json"),
                        "--port",
                        str(port),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=open(demo_dir / "serve.log", "w"),  # noqa: SIM115 - the server's lifetime
                )
                deadline = time.time() + 300
                while time.time() < deadline:
                    probe = subprocess.run(["curl", "-s", f"localhost:{port}/healthz"], capture_output=True)
                    if b'"ok"' in probe.stdout:
                        break
                    assert server.poll() is None, (demo_dir / "serve.log").read_text()[-2000:]
                    time.sleep(1)
            completed = subprocess.run(
                ["bash", "-c", command], capture_output=True, text=True, env={**env, "KEY": key}, timeout=300
            )
            if "keys add" in command:
                key = completed.stdout.strip().splitlines()[-1]
            if "DELETE WHERE" in command:  # the docs show the refusal
                assert '"status":400' in completed.stdout.replace(" ", ""), completed.stdout
                continue
            _check(example, completed)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

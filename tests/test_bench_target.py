"""`make bench` runs every script of bench/ that exists, and bench/README.md accounts for each script.

A script renamed or deleted while the Makefile still runs it (`bench/pretrain_step.py` once) breaks
`make bench` only at the end of a long run; a new script nobody added is never run. These checks
read the files only: the benchmarks themselves are run by hand (`make bench`), never asserted.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = re.compile(r"bench/(\w+\.py)")


def bench_target_scripts(makefile: str) -> set[str]:
    """The bench/*.py scripts named in the commands of the Makefile's ``bench:`` rule."""
    lines = makefile.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("bench:"))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith(("\t", "  ")):  # a recipe line, or the continuation of one
            break
        commands.append(line)
    return set(SCRIPT.findall("\n".join(commands)))


def left_out_scripts(readme: str) -> set[str]:
    """Scripts bench/README.md names on a line that says they are left out of `make bench`."""
    return {
        name
        for line in readme.splitlines()
        if "left out of `make bench`" in line
        for name in re.findall(r"`(\w+\.py)`", line)
    }


def test_the_bench_target_runs_existing_scripts_and_every_other_one_is_left_out_on_purpose() -> None:
    scripts = {path.name for path in (ROOT / "bench").glob("*.py")}
    run = bench_target_scripts((ROOT / "Makefile").read_text(encoding="utf-8"))
    left_out = left_out_scripts((ROOT / "bench" / "README.md").read_text(encoding="utf-8"))
    assert run, "no bench/*.py found in the bench target"
    assert run - scripts == set(), "make bench runs scripts that do not exist"
    assert scripts - run - left_out == set(), "scripts neither in make bench nor left out in bench/README.md"
    assert run & left_out == set(), "scripts both run by make bench and said to be left out"


def test_bench_readme_has_a_row_for_every_script() -> None:
    readme = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(\w+\.py)", readme, flags=re.MULTILINE))
    assert {path.name for path in (ROOT / "bench").glob("*.py")} - rows == set()


def test_the_parsers_read_what_they_should() -> None:
    makefile = (
        "x: y\n\techo bench/a.py\n"
        "bench: $(STAMP)\n\tpython bench/b.py \\\n\t  bench/c.py\n"
        "\nz:\n\tbench/d.py\n"
    )
    assert bench_target_scripts(makefile) == {"b.py", "c.py"}
    assert left_out_scripts("`e.py` is left out of `make bench`: long\n`f.py` runs\n") == {"e.py"}

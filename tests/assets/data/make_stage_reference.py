"""Writes stage_reference.json: what the data stage kept and dropped on tests/data/stage_corpus.py.

Run from the repository root with the stage whose decisions are the reference:

    PYTHONPATH=src:. python tests/assets/data/make_stage_reference.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tests.data.stage_corpus import write_stage_corpus
from tests.data.test_stage_reference import REFERENCE, stage_decisions


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_stage_corpus(Path(folder) / "corpus")
        decisions = stage_decisions(Path(folder))
    REFERENCE.write_text(json.dumps(decisions, indent=0, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {REFERENCE}: {len(decisions['documents'])} documents", file=sys.stderr)


if __name__ == "__main__":
    main()

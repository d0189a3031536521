"""schemathesis drives the API from its OpenAPI schema (valid and invalid requests): no 5xx answer.

Needs the `fuzz` extra (``pip install -e .[fuzz]``); skipped without it. Marked slow.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serve.live import LiveServer
from vertical.serve.app import create_app
from vertical.serve.graph import load_run_graph
from vertical.serve.keys import add_key, read_keys
from vertical.serve.limits import Limits
from vertical.serve.registry import load_run_classifiers, load_run_taggers


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(entity_run_dir, tmp_path):
    beside_python = str(Path(sys.executable).parent)  # the virtual environment's bin, often not on PATH
    st = shutil.which("st", path=beside_python) or shutil.which("st")
    if st is None:
        pytest.skip("schemathesis is not installed: pip install -e .[fuzz]")
    key = add_key(tmp_path / "keys.json", "fuzz")
    app = create_app(
        load_run_classifiers(entity_run_dir),
        read_keys(tmp_path / "keys.json"),
        Limits(max_texts=8),
        taggers=load_run_taggers(entity_run_dir),
        graph=load_run_graph(entity_run_dir, timeout_s=5),
        redact=True,
    )
    with LiveServer(app) as url:
        result = subprocess.run(
            [
                st,
                "run",
                f"{url}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--header",
                f"Authorization: Bearer {key}",
                "--max-examples",
                "40",
                "--seed",
                "0",
                "--request-timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

"""End to end: the `vertical` command on a tiny recipe with a tiny model the tests build."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from tests.conftest import write_tiny_project
from vertical.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_run(tiny_model_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("project")
    recipe = write_tiny_project(folder, tiny_model_dir)
    result = runner.invoke(app, ["run", str(recipe), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 0, result.output
    return folder, recipe, result


def test_run_writes_metrics_report_and_every_stage(tiny_run):
    folder, _, result = tiny_run
    run_dir = folder / "runs" / "tiny"
    metrics = json.loads((run_dir / "evaluate" / "metrics.json").read_text())
    for variant in ("general", "vertical"):
        scores = metrics["tasks"]["topic"][variant]
        assert 0.0 <= scores["accuracy"] <= 1.0 and 0.0 <= scores["macro_f1"] <= 1.0
    assert (run_dir / "report.html").read_text().startswith("<!doctype html>")
    assert "data:image/png;base64," in (run_dir / "report.html").read_text()
    for stage in ("data", "tokenizer", "pretrain", "finetune", "evaluate"):
        assert (run_dir / stage / "manifest.json").is_file()
    assert "vertical vs general" in result.output


def test_second_run_skips_every_stage_in_seconds(tiny_run):
    folder, recipe, _ = tiny_run
    started = time.perf_counter()
    result = runner.invoke(app, ["run", str(recipe), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 20
    assert "skipped: data, tokenizer, pretrain, finetune, evaluate" in result.output


def test_from_stage_reruns_that_stage_and_later_ones(tiny_run):
    folder, recipe, _ = tiny_run
    before = json.loads((folder / "runs" / "tiny" / "evaluate" / "manifest.json").read_text())["started_at"]
    time.sleep(1.1)  # started_at keeps whole seconds: a stage that ran again has a later one
    result = runner.invoke(
        app, ["run", str(recipe), "--runs-dir", str(folder / "runs"), "--from", "evaluate"]
    )
    assert result.exit_code == 0, result.output
    assert "skipped: data, tokenizer, pretrain, finetune\n" in result.output  # and not evaluate
    manifest = json.loads((folder / "runs" / "tiny" / "evaluate" / "manifest.json").read_text())
    assert manifest["started_at"] > before
    finetune = json.loads((folder / "runs" / "tiny" / "finetune" / "manifest.json").read_text())
    assert finetune["started_at"] < manifest["started_at"]  # finetune was not run again


def test_a_stage_dropped_from_the_recipe_is_not_read(tiny_run, tmp_path):
    folder, recipe, _ = tiny_run
    copy = tmp_path / "project"
    shutil.copytree(folder, copy)
    assert "fertility" in (copy / "runs" / "tiny" / "report.html").read_text()
    dropped = copy / "recipe.yaml"
    dropped.write_text(dropped.read_text().replace("tokenizer: {extend: true, min_frequency: 5}\n", ""))
    result = runner.invoke(app, ["run", str(dropped), "--runs-dir", str(copy / "runs")])
    assert result.exit_code == 0, result.output
    assert (copy / "runs" / "tiny" / "tokenizer").is_dir()  # the old folder stays, unread
    assert "fertility" not in (copy / "runs" / "tiny" / "report.html").read_text()
    pretrain = json.loads((copy / "runs" / "tiny" / "pretrain" / "manifest.json").read_text())
    assert "tokenizer" not in pretrain["reads"]
    rebuilt = runner.invoke(app, ["report", str(copy / "runs" / "tiny"), "--out", str(tmp_path / "r.html")])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "fertility" not in (tmp_path / "r.html").read_text()


def test_finetuned_model_loads_in_plain_transformers_without_vertical(tiny_run):
    folder, _, _ = tiny_run
    model_dir = folder / "runs" / "tiny" / "finetune" / "topic" / "vertical" / "model"
    code = (
        "import sys; from transformers import AutoModelForSequenceClassification as M, AutoTokenizer as T; "
        f"m = M.from_pretrained({str(model_dir)!r}); t = T.from_pretrained({str(model_dir)!r}); "
        "out = m(**t(['mortgage news'], return_tensors='pt')); "
        "assert 'vertical' not in sys.modules; "
        "print(sorted(m.config.id2label.values()), tuple(out.logits.shape))"
    )
    env = {**os.environ, "PYTHONPATH": ""}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=folder
    )
    assert completed.returncode == 0, completed.stderr
    assert "['bank', 'chip'] (1, 2)" in completed.stdout


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda text: text.replace("steps: 4", "steps: 4\n  stepz: 3"), ":8: pretrain.stepz: unknown key"),
        (
            lambda text: text.replace("steps: 4", "steps: four"),
            ":7: pretrain.steps: Input should be a valid integer",
        ),
        (
            lambda text: text.replace("task.csv", "absent.csv"),
            ":16: tasks[0].data: file not found: absent.csv",
        ),
    ],
)
def test_bad_recipe_exits_2_with_one_line(tiny_model_dir, tmp_path, edit, expected):
    recipe = write_tiny_project(tmp_path, tiny_model_dir)
    recipe.write_text(edit(recipe.read_text()))
    completed = subprocess.run(
        [sys.executable, "-m", "vertical.cli", "run", str(recipe), "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and str(recipe) in lines[0], completed.stderr
    assert "Traceback" not in completed.stderr


def test_bad_corpus_line_exits_2_naming_file_and_line(tiny_model_dir, tmp_path):
    recipe = write_tiny_project(tmp_path, tiny_model_dir)
    with open(tmp_path / "corpus.jsonl", "a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    # one bad line in 82 is skipped and logged by default; with no bad records allowed it stops the run
    sources = "  sources: [corpus.jsonl]"
    recipe.write_text(recipe.read_text().replace(sources, sources + "\n  max_bad_fraction: 0"))
    result = runner.invoke(app, ["run", str(recipe), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert "corpus.jsonl:82: invalid JSON" in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("vertical ")


def test_data_redact_is_one_line_out_per_line_in():
    lines = "write to ann@example.com\n\n客户手机13812345678\nnothing here, order #555-123-4567\n"
    result = runner.invoke(app, ["data", "redact", "--lang", "auto"], input=lines)
    assert result.exit_code == 0
    assert result.stdout == "write to <EMAIL>\n\n客户手机<PHONE>\nnothing here, order #555-123-4567\n"


def test_data_redact_rejects_an_unknown_language():
    result = runner.invoke(app, ["data", "redact", "--lang", "fr"], input="x\n")
    assert result.exit_code == 2 and "--lang fr" in result.output


def test_data_prepare_runs_the_data_stage_alone_and_then_skips_it(tmp_path):
    (tmp_path / "c.jsonl").write_text(
        "".join(json.dumps({"text": f"Note {i}: call (415) 555-{2000 + i} now."}) + "\n" for i in range(30))
    )
    recipe = "name: only-data\ndata:\n  sources: [c.jsonl]\n  validation_fraction: 0\n"
    (tmp_path / "r.yaml").write_text(recipe)
    arguments = ["data", "prepare", str(tmp_path / "r.yaml"), "--runs-dir", str(tmp_path / "runs")]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "documents_train" in result.stdout and "personal_data_found: PHONE" in result.stdout
    manifest = json.loads((tmp_path / "runs" / "only-data" / "data" / "manifest.json").read_text())
    assert manifest["metrics"]["personal_data_found"]["PHONE"] == 30
    assert "up to date" in runner.invoke(app, arguments).output


def test_report_command_rebuilds_the_html_from_the_run_folder(tiny_run, tmp_path):
    folder, _, _ = tiny_run
    run_dir = folder / "runs" / "tiny"
    target = tmp_path / "rebuilt.html"
    result = runner.invoke(app, ["report", str(run_dir), "--out", str(target)])
    assert result.exit_code == 0, result.output
    page = target.read_text()
    assert "<table id='headline'>" in page and "95% interval" in page
    assert '<td>topic</td><td class="text">classification</td><td class="text">accuracy <span' in page
    assert "data:image/png;base64," in page
    assert 'alt="pretraining loss"' in page  # read back from the pretrain stage's TensorBoard events
    assert "Where this comes from" in page and "pretrain:\n  steps: 4" in page  # provenance, the recipe
    assert "Not measured: this recipe gives no general text" in page  # and how to measure forgetting
    model_card = (run_dir / "finetune" / "topic" / "vertical" / "model" / "README.md").read_text()
    assert "library_name: transformers" in model_card


def test_report_of_a_folder_that_is_no_run_exits_2(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "no completed finetune stage" in result.output


def test_a_generation_task_on_an_encoder_run_exits_2(tiny_model_dir, tmp_path):
    recipe = write_tiny_project(tmp_path, tiny_model_dir)
    (tmp_path / "qa.jsonl").write_text('{"prompt": "Q: a? A:", "response": "b"}\n')
    with open(recipe, "a", encoding="utf-8") as handle:
        handle.write("  - {name: answer, type: generation, data: qa.jsonl}\n")
    result = runner.invoke(app, ["run", str(recipe), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert "answer is a generation task, which needs a decoder model" in result.output

"""The runner: what a re-run after a kill, an edit or a dropped stage does, and what it refuses early.

Each test here failed on the runner before stages declared themselves (see issue 13).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import write_tiny_project
from vertical.cli import app
from vertical.pipeline import run_recipe
from vertical.recipe import load_recipe
from vertical.run import RunDirectory, read_manifest

runner = CliRunner()


def _pretrain_recipe(
    folder: Path, model_dir: Path, steps: int, extra: str = "", corpus: str = "corpus.jsonl"
) -> Path:
    """A recipe of data and pretrain only (no task): a checkpoint every 2 steps."""
    write_tiny_project(folder, model_dir)  # corpus.jsonl, entities.txt, task.csv
    recipe = folder / "pretrain.yaml"
    recipe.write_text(
        f"""name: tiny
base_model: {model_dir}
data:
  sources: [{corpus}]
{extra}pretrain:
  steps: {steps}
  batch_size: 8
  max_length: 32
  save_steps: 2
""",
        encoding="utf-8",
    )
    return recipe


def _kill_after_first_checkpoint(recipe: Path, runs_dir: Path) -> Path:
    """Start `vertical run`, kill it once a checkpoint is complete; the checkpoints folder it left."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "vertical.cli", "run", str(recipe), "--runs-dir", str(runs_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            work = runs_dir / "tiny" / ".work" / "pretrain"
            states = list(work.rglob("checkpoints/checkpoint-*/trainer_state.json"))
            if states:
                time.sleep(0.2)  # let the Trainer finish that folder's last file
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run finished before it could be killed; raise steps"
        assert states, "no checkpoint appeared"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return states[0].parent.parent  # the checkpoints folder


@pytest.fixture
def killed_run(tiny_model_dir, tmp_path):
    """A pretraining run killed after its first checkpoint: (project folder, runs folder, checkpoints)."""
    folder = tmp_path / "project"
    recipe = _pretrain_recipe(folder, tiny_model_dir, steps=150)
    runs_dir = folder / "runs"
    checkpoints = _kill_after_first_checkpoint(recipe, runs_dir)
    assert not (runs_dir / "tiny" / "pretrain").exists()
    return folder, runs_dir, checkpoints


def test_kill_then_change_config_trains_afresh_and_removes_the_stale_checkpoints(killed_run, tiny_model_dir):
    folder, runs_dir, checkpoints = killed_run
    changed = _pretrain_recipe(folder, tiny_model_dir, steps=6)  # another budget: another fingerprint
    run_recipe(load_recipe(changed), runs_dir)
    manifest = read_manifest(runs_dir / "tiny" / "pretrain")
    assert manifest["metrics"]["resumed_from"] is None
    assert manifest["metrics"]["steps"] == 6
    assert not checkpoints.exists()  # the other recipe's work folder is stale: removed


def test_kill_then_same_recipe_resumes_and_skips_a_half_written_checkpoint(
    killed_run, tiny_model_dir, caplog
):
    folder, runs_dir, checkpoints = killed_run
    # the newest checkpoint the Trainer finished (the kill may have caught a later one mid-write too)
    finished = [p for p in checkpoints.glob("checkpoint-*") if (p / "trainer_state.json").is_file()]
    complete = sorted(finished, key=lambda p: int(p.name.split("-")[1]))[-1]
    half = checkpoints / "checkpoint-148"  # a kill while the Trainer was writing this one
    half.mkdir()
    (half / "tmp-model.safetensors.part").write_bytes(b"\0" * 16)
    recipe = folder / "pretrain.yaml"
    with caplog.at_level("WARNING"):
        run_recipe(load_recipe(recipe), runs_dir)
    manifest = read_manifest(runs_dir / "tiny" / "pretrain")
    assert manifest["metrics"]["resumed_from"] == complete.name
    assert "checkpoint-148 was not written to the end" in caplog.text


def test_editing_a_source_file_in_a_hidden_folder_reruns_data(tiny_model_dir, tmp_path):
    folder = tmp_path / "project"
    source = folder / "corpus" / ".archive" / "part.jsonl"  # the reader reads hidden sub-folders too
    source.parent.mkdir(parents=True)
    lines = [
        json.dumps({"text": f"The lender {n} raised deposits and cut rates in branch {n}."})
        for n in range(30)
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recipe = load_recipe(_pretrain_recipe(folder, tiny_model_dir, steps=2, corpus="corpus"))
    run = RunDirectory(folder / "runs" / "tiny")
    from vertical.pipeline import data_stage

    assert not run.run_stage(data_stage(recipe)).skipped
    assert run.run_stage(data_stage(recipe)).skipped
    source.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    report = run.run_stage(data_stage(recipe))
    assert not report.skipped
    assert report.metrics["documents_read"] == 20


def test_an_unchanged_output_stops_the_cascade_and_workers_rerun_nothing(tiny_model_dir, tmp_path):
    folder = tmp_path / "project"
    runs_dir = folder / "runs"
    run_recipe(load_recipe(_pretrain_recipe(folder, tiny_model_dir, steps=2)), runs_dir)
    pretrain_before = read_manifest(runs_dir / "tiny" / "pretrain")["started_at"]
    data_before = read_manifest(runs_dir / "tiny" / "data")
    time.sleep(1.1)  # manifests keep seconds

    # a parallelism setting: same corpus, nothing re-runs
    workers = _pretrain_recipe(folder, tiny_model_dir, steps=2, extra="")
    workers.write_text(
        workers.read_text().replace(
            "  sources: [corpus.jsonl]\n", "  sources: [corpus.jsonl]\n  workers: 2\n"
        )
    )
    result = run_recipe(load_recipe(workers), runs_dir)
    assert [r.skipped for r in result.stages] == [True, True]

    # a setting that changes the data stage's config but drops nothing: data re-runs, its output is
    # the same, so pretraining does not
    limit = workers.read_text().replace("  workers: 2\n", "  max_chars: 999999\n")
    workers.write_text(limit)
    result = run_recipe(load_recipe(workers), runs_dir)
    assert [(r.name, r.skipped) for r in result.stages] == [("data", False), ("pretrain", True)]
    data_after = read_manifest(runs_dir / "tiny" / "data")
    assert data_after["fingerprint"] != data_before["fingerprint"]
    assert data_after["output_hash"] == data_before["output_hash"]
    assert read_manifest(runs_dir / "tiny" / "pretrain")["started_at"] == pretrain_before


def test_a_no_op_run_reads_no_file_again(tiny_model_dir, tmp_path):
    folder = tmp_path / "project"
    recipe = load_recipe(_pretrain_recipe(folder, tiny_model_dir, steps=2))
    run_recipe(recipe, folder / "runs")
    run = RunDirectory(folder / "runs" / "tiny")
    from vertical.pipeline import plan_stages

    reports = [run.run_stage(stage) for stage in plan_stages(recipe, run)]
    assert all(report.skipped for report in reports)
    assert run.hashes.files_read == 0  # sizes and modification times unchanged: no byte re-read


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "a/b"])
def test_a_run_name_that_is_not_a_plain_name_exits_2_and_touches_nothing(tiny_model_dir, tmp_path, name):
    folder = tmp_path / "project"
    recipe = _pretrain_recipe(folder, tiny_model_dir, steps=2)
    recipe.write_text(recipe.read_text().replace("name: tiny", f"name: '{name}'"))
    (folder / "data").mkdir()
    (folder / "data" / "mine.txt").write_text("the user's own file")  # beside the runs folder
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = runner.invoke(app, ["run", str(recipe), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 2
    assert "name" in result.output and "plain name" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_run_folder_that_links_outside_the_runs_folder_is_refused(tiny_model_dir, tmp_path):
    folder = tmp_path / "project"
    recipe = _pretrain_recipe(folder, tiny_model_dir, steps=2)
    (folder / "runs").mkdir()
    (folder / "elsewhere").mkdir()
    (folder / "runs" / "tiny").symlink_to(folder / "elsewhere")
    result = runner.invoke(app, ["run", str(recipe), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 2 and "inside the runs folder" in result.output
    assert not any((folder / "elsewhere").iterdir())


@pytest.mark.parametrize(
    "test_file, expected",
    [
        ("text,label\nsome deposits news,bank\nwafer news,unknown-topic\n", "unknown-topic"),
        ("text,label\n", "no examples"),
        ("text,topic\nsome deposits news,bank\n", "label"),
    ],
)
def test_bad_task_data_fails_in_seconds_before_any_stage(tiny_model_dir, tmp_path, test_file, expected):
    folder = tmp_path / "project"
    recipe = write_tiny_project(folder, tiny_model_dir, steps=4)
    (folder / "test.csv").write_text(test_file, encoding="utf-8")
    recipe.write_text(
        recipe.read_text().replace("    data: task.csv\n", "    data: task.csv\n    test: test.csv\n")
    )
    started = time.perf_counter()
    result = runner.invoke(app, ["run", str(recipe), "--runs-dir", str(folder / "runs")])
    assert time.perf_counter() - started < 10
    assert result.exit_code == 2, result.output
    assert "test.csv" in result.output and expected in result.output.lower()
    assert not (folder / "runs" / "tiny" / "data").exists()  # no stage ran


def test_the_stage_graph_is_the_declared_one():
    from vertical.pipeline import stage_graph

    graph = stage_graph()
    from vertical.recipe import STAGES  # the names `--from` accepts

    assert list(graph) == list(STAGES)
    assert graph["pretrain"] == ("data", "knowledge", "tokenizer")
    assert graph["compress"] == ("finetune",)


def test_collect_results_of_an_executor_run_is_a_data_stage_vertical_run_accepts(tiny_model_dir, tmp_path):
    from datatrove.executor import LocalPipelineExecutor  # stands in for the Slurm / Ray executors

    from vertical.data.prepare import build_pipelines
    from vertical.pipeline import collect_data_stage, evaluation_examples

    folder = tmp_path / "project"
    recipe = load_recipe(_pretrain_recipe(folder, tiny_model_dir, steps=2))
    work = tmp_path / "shared" / "data-work"
    pipelines = build_pipelines(recipe.data, work, evaluation_examples(recipe))
    for steps in (pipelines.curate, pipelines.finish):
        LocalPipelineExecutor(
            steps, tasks=1, workers=1, logging_dir=str(work / "logs" / str(id(steps)))
        ).run()
    collected = collect_data_stage(recipe, work, folder / "runs")
    assert collected.metrics["documents_train"] > 0
    result = run_recipe(recipe, folder / "runs")
    assert [(r.name, r.skipped) for r in result.stages] == [("data", True), ("pretrain", False)]


def test_compare_with_names_the_general_model_finetune_starts_from(tiny_model_dir, tmp_path):
    from vertical.finetune.declaration import general_model
    from vertical.pipeline import build_context, plan_stages

    folder = tmp_path / "project"
    recipe_path = write_tiny_project(folder, tiny_model_dir)
    other = folder / "other-general"
    shutil.copytree(tiny_model_dir, other)
    recipe_path.write_text(recipe_path.read_text() + "evaluate:\n  compare_with: other-general\n")
    recipe = load_recipe(recipe_path)
    assert recipe.evaluate.compare_with == str(other.resolve())  # resolved beside the recipe
    context = build_context(recipe, folder / "runs" / "tiny")
    assert general_model(context) == (other.resolve(), str(other.resolve()))
    stages = {s.name: s for s in plan_stages(recipe, RunDirectory(folder / "runs" / "tiny"))}
    assert stages["finetune"].inputs["general_model"] == other.resolve()
    assert stages["finetune"].config["compare_with"] == str(other.resolve())


def test_after_fixing_a_bad_corpus_line_the_data_stage_reads_the_fixed_file(tiny_model_dir, tmp_path):
    folder = tmp_path / "project"
    recipe_path = _pretrain_recipe(folder, tiny_model_dir, steps=2)
    recipe_path.write_text(
        recipe_path.read_text().replace(
            "  sources: [corpus.jsonl]\n", "  sources: [corpus.jsonl]\n  max_bad_fraction: 0\n"
        )
    )
    corpus = folder / "corpus.jsonl"
    good = corpus.read_text(encoding="utf-8")
    corpus.write_text(good + "{not json\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(recipe_path), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 2 and "corpus.jsonl:82: invalid JSON" in result.output
    corpus.write_text(good + '{"text": "The lender 99 fixed its record and raised deposits in branch 99."}\n')
    result = runner.invoke(app, ["run", str(recipe_path), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 0, result.output  # not the old work folder's failure again
    assert read_manifest(folder / "runs" / "tiny" / "data")["metrics"]["documents_read"] == 82

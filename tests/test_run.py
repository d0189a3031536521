import json

import pytest

from vertical.run import RunDirectory, Stage, StageOutput


def counting_stage(calls: list, config: dict, inputs: dict, fail: bool = False) -> Stage:
    def execute(output_dir, work_dir):
        calls.append(1)
        (output_dir / "artefact.txt").write_text("done")
        if fail:
            raise RuntimeError("stage crashed")
        return StageOutput(metrics={"count": len(calls)})

    return Stage("data", config, inputs, execute)


def test_stage_is_skipped_when_config_and_inputs_are_unchanged(tmp_path):
    source = tmp_path / "corpus.txt"
    source.write_text("a")
    run = RunDirectory(tmp_path / "runs" / "x")
    calls: list = []
    first = run.run_stage(counting_stage(calls, {"k": 1}, {"source": source}))
    second = run.run_stage(counting_stage(calls, {"k": 1}, {"source": source}))
    assert (first.skipped, second.skipped) == (False, True)
    assert len(calls) == 1
    manifest = json.loads((run.stage_dir("data") / "manifest.json").read_text())
    assert manifest["metrics"] == {"count": 1}
    assert set(manifest) >= {"config", "config_hash", "inputs", "libraries", "metrics", "wall_time_s"}
    assert "torch" in manifest["libraries"] and "transformers" in manifest["libraries"]


def test_stage_reruns_when_config_input_or_force_changes(tmp_path):
    source = tmp_path / "corpus.txt"
    source.write_text("a")
    run = RunDirectory(tmp_path / "runs" / "x")
    calls: list = []
    run.run_stage(counting_stage(calls, {"k": 1}, {"source": source}))
    run.run_stage(counting_stage(calls, {"k": 2}, {"source": source}))
    source.write_text("b")
    run.run_stage(counting_stage(calls, {"k": 2}, {"source": source}))
    run.run_stage(counting_stage(calls, {"k": 2}, {"source": source}), force=True)
    assert len(calls) == 4


def test_crashed_stage_leaves_no_stage_folder_and_runs_again(tmp_path):
    run = RunDirectory(tmp_path / "runs" / "x")
    calls: list = []
    with pytest.raises(RuntimeError):
        run.run_stage(counting_stage(calls, {}, {}, fail=True))
    assert not run.stage_dir("data").exists()
    assert not run.run_stage(counting_stage(calls, {}, {})).skipped


def test_a_dropped_stage_folder_is_not_read(tmp_path):
    from vertical.run import completed_stage

    run = RunDirectory(tmp_path / "runs" / "x")
    calls: list = []
    run.run_stage(counting_stage(calls, {}, {}))  # a complete data folder
    assert completed_stage(run.root, "data") == run.stage_dir("data")  # no plan recorded: it is read
    run.record_plan(["data", "pretrain"])
    assert completed_stage(run.root, "data") == run.stage_dir("data")
    run.record_plan(["pretrain"])  # the recipe no longer has it
    assert completed_stage(run.root, "data") is None
    assert run.stage_dir("data").is_dir()  # left on disk: only not read


def test_work_folders_are_keyed_by_fingerprint_and_stale_ones_removed(tmp_path):
    source = tmp_path / "corpus.txt"
    source.write_text("a")
    run = RunDirectory(tmp_path / "runs" / "x")
    seen = []

    def stage(config):
        def execute(output_dir, work_dir):
            seen.append(work_dir)
            (output_dir / "artefact.txt").write_text(str(config))
            return StageOutput()

        return Stage("data", config, {"source": source}, execute)

    stale = run.work_dir("data") / "0123456789abcdef"  # left by a killed run of other settings
    (stale / "checkpoints").mkdir(parents=True)
    run.run_stage(stage({"k": 1}))
    run.run_stage(stage({"k": 2}))
    assert seen[0] != seen[1] and seen[0].parent == seen[1].parent == run.work_dir("data")
    assert not stale.exists()


def test_work_name_drops_the_run_and_the_fingerprint_folder(tmp_path):
    from vertical.run import RunDirectory, work_name

    run = RunDirectory(tmp_path / "runs" / "demo")
    trial = run.work_dir("finetune", "0123456789abcdef" * 4) / "sentiment" / "vertical"
    assert work_name(trial) == "finetune/sentiment/vertical"
    assert work_name(run.work_dir("pretrain")) == "pretrain"
    assert work_name(tmp_path / "elsewhere" / "sentiment") is None

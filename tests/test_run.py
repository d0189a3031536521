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

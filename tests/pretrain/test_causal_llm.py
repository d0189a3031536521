"""Continued pretraining of a real-architecture decoder (tiny Llama, Gemma 3): LoRA, replay, facts,
and the forgetting numbers (general perplexity, multiple-choice accuracy) in the metrics."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModelForCausalLM

from tests.pretrain.test_causal import make_corpus
from vertical.models import resolve_base_model
from vertical.pretrain import continue_pretraining
from vertical.recipe import PretrainConfig


def _choices(tmp_path):
    path = tmp_path / "arc_tiny.jsonl"
    rows = [
        {"question": f"Day {n}: the weather was", "choices": ["mild", "a bank"], "answer": 0}
        for n in range(4)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_lora_pretraining_reports_forgetting_and_saves_a_plain_model(tiny_chat_decoder, tmp_path):
    data_dir = make_corpus(tmp_path)
    general = tmp_path / "general.txt"
    general.write_text(
        "\n".join(f"The weather on day {n} was mild and the roads were quiet." for n in range(30))
    )
    cfg = PretrainConfig(
        steps=4, batch_size=4, max_length=32, save_steps=4, learning_rate=3e-3, precision="fp32",
        general_data=str(general), general_holdout=10, replay_ratio=0.25,
        general_choices=[str(_choices(tmp_path))], general_choices_limit=3, lora={"rank": 4, "alpha": 8},
    )  # fmt: skip
    base = resolve_base_model(str(tiny_chat_decoder))
    metrics = continue_pretraining(cfg, base, data_dir, tmp_path / "out", tmp_path / "work", seed=0).metrics
    assert metrics["lora"] is True and metrics["replay_ratio"] == 0.25
    assert {"general_perplexity_before", "general_perplexity_after", "forgetting"} <= set(metrics)
    arc = metrics["general_choices"]["arc_tiny"]
    assert arc["items"] == 3 and 0 <= arc["acc_norm_before"] <= 1 and 0 <= arc["acc_norm_after"] <= 1
    assert arc["acc_norm_change"] == pytest.approx(arc["acc_norm_after"] - arc["acc_norm_before"])
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "out" / "model")
    assert not any("lora" in name for name in model.state_dict())
    assert (tmp_path / "out" / "model" / "chat_template.jinja").is_file() or "chat_template" in (
        tmp_path / "out" / "model" / "tokenizer_config.json"
    ).read_text()


def test_frozen_embeddings_stay_as_the_base_has_them_while_the_layers_learn(tiny_llama_dir, tmp_path):
    data_dir = make_corpus(tmp_path)
    cfg = PretrainConfig(
        steps=3, batch_size=4, max_length=32, save_steps=3, learning_rate=3e-3, precision="fp32",
        freeze_embeddings=True,
    )  # fmt: skip
    base = resolve_base_model(str(tiny_llama_dir))
    continue_pretraining(cfg, base, data_dir, tmp_path / "out", tmp_path / "work", seed=0)
    before = AutoModelForCausalLM.from_pretrained(tiny_llama_dir).state_dict()
    after = AutoModelForCausalLM.from_pretrained(tmp_path / "out" / "model").state_dict()
    embedding = "model.embed_tokens.weight"
    assert torch.equal(before[embedding], after[embedding])
    assert torch.equal(before["lm_head.weight"], after["lm_head.weight"])
    layers = [name for name in before if ".layers." in name and name.endswith("proj.weight")]
    assert layers and any(not torch.equal(before[name], after[name]) for name in layers)

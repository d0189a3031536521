import json

import pytest
import torch
from transformers import AutoModelForCausalLM

from vertical.data import prepare_corpus
from vertical.errors import RecipeError
from vertical.models import is_decoder, resolve_base_model
from vertical.pretrain import continue_pretraining
from vertical.pretrain.objectives.causal_lm import CausalLMCollator, token_losses
from vertical.pretrain.packing import pack_texts
from vertical.recipe import DataConfig, PretrainConfig


def make_corpus(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"text": f"The lender {i} raised deposits and cut mortgage rates for savers."}) + "\n"
            for i in range(64)
        )
    )
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    prepare_corpus(DataConfig(sources=[{"path": str(corpus)}], validation_fraction=0.1), data_dir)
    return data_dir


def test_decoder_detection(tiny_gpt2_dir, tiny_model_dir):
    assert is_decoder(tiny_gpt2_dir)
    assert not is_decoder(tiny_model_dir)


def test_known_model_types_agree_with_transformers_mappings():
    """The types `is_decoder` decides without transformers are decided as transformers would."""
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
    )

    from vertical.models import DECODER_TYPES, ENCODER_TYPES

    for model_type in ENCODER_TYPES:
        assert model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES, model_type
    for model_type in DECODER_TYPES:
        assert model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, model_type
        assert model_type not in MODEL_FOR_MASKED_LM_MAPPING_NAMES, model_type


def test_decoder_detection_of_a_headless_config_by_model_type(tmp_path):
    """A base model saved without a head (``BertModel``, ``LlamaModel``) is told by its type."""
    for model_type, architecture, decoder in (("bert", "BertModel", False), ("llama", "LlamaModel", True)):
        folder = tmp_path / model_type
        folder.mkdir()
        config = {"model_type": model_type, "architectures": [architecture]}
        (folder / "config.json").write_text(json.dumps(config))
        assert is_decoder(folder) is decoder


def test_packing_joins_documents_with_eos_into_full_blocks(tiny_gpt2_dir):
    from datasets import Dataset
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    texts = ["The lender 1 raised deposits.", "Markets closed higher.", "The chipmaker 3 shipped."]
    packed = pack_texts(Dataset.from_dict({"text": texts}), tokenizer, 8, tokenizer.eos_token_id)
    stream = [token for ids in packed["input_ids"] for token in ids]
    expected = [t for text in texts for t in tokenizer(text, add_special_tokens=False)["input_ids"] + [2]]
    assert tokenizer.eos_token_id == 2 and stream == expected
    assert all(length == 8 for length in packed["length"][:-1]) and packed["length"][-1] <= 8


def test_token_losses_match_the_models_own_loss(tiny_gpt2_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir)
    batch = CausalLMCollator(pad_token_id=1)([{"input_ids": [5, 6, 7, 8, 9]}, {"input_ids": [10, 11, 12]}])
    assert batch["labels"][1].tolist() == [10, 11, 12, -100, -100]
    output = model(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]
    )
    summed, tokens = token_losses(output.logits, batch["labels"])
    assert tokens.tolist() == [4, 2]
    assert torch.allclose(summed.sum() / tokens.sum(), output.loss, atol=1e-5)


def test_causal_pretraining_lowers_perplexity_saves_a_plain_model_and_resumes(tiny_gpt2_dir, tmp_path):
    data_dir = make_corpus(tmp_path)
    general = tmp_path / "general.txt"
    general.write_text("\n".join(f"Markets closed higher on day {i} as rates held." for i in range(30)))
    base = resolve_base_model(str(tiny_gpt2_dir))
    work = tmp_path / "work"
    cfg = PretrainConfig(
        steps=2, batch_size=4, max_length=32, save_steps=2, learning_rate=3e-3, precision="fp32",
        general_data=str(general), general_holdout=10, replay_ratio=0.2,
    )  # fmt: skip
    continue_pretraining(cfg, base, data_dir, tmp_path / "first", work, seed=0)
    assert (work / "checkpoints" / "checkpoint-2").is_dir()
    longer = cfg.model_copy(update={"steps": 20})
    result = continue_pretraining(longer, base, data_dir, tmp_path / "out", work, seed=0)
    metrics = result.metrics
    assert metrics["objective"] == "causal_lm" and metrics["resumed_from"] == "checkpoint-2"
    assert metrics["domain_perplexity_after"] < metrics["domain_perplexity_before"]
    assert {"general_perplexity_before", "general_perplexity_after", "forgetting"} <= set(metrics)
    reloaded = AutoModelForCausalLM.from_pretrained(tmp_path / "out" / "model")
    assert reloaded.config.n_embd == 32


def test_encoder_objectives_on_a_decoder_base_are_a_clear_error(tiny_gpt2_dir, tmp_path):
    data_dir = make_corpus(tmp_path)
    cfg = PretrainConfig(steps=1, objectives={"mlm": 1.0, "contrastive": 0.5})
    with pytest.raises(RecipeError, match="is a decoder .* cannot use objectives.contrastive"):
        continue_pretraining(
            cfg, resolve_base_model(str(tiny_gpt2_dir)), data_dir, tmp_path / "o", tmp_path / "w", 0
        )


def test_freezing_the_embeddings_of_an_encoder_is_a_clear_error(tiny_model_dir, tmp_path):
    data_dir = make_corpus(tmp_path)
    cfg = PretrainConfig(steps=1, freeze_embeddings=True)
    with pytest.raises(RecipeError, match="freeze_embeddings: .* is an encoder"):
        continue_pretraining(
            cfg, resolve_base_model(str(tiny_model_dir)), data_dir, tmp_path / "o", tmp_path / "w", 0
        )


@pytest.mark.slow  # a second Python process that trains and is killed: over 30 s on a busy machine
def test_a_killed_causal_run_resumes_to_where_an_uninterrupted_run_ends(tiny_gpt2_dir, tmp_path):
    import subprocess
    import sys

    from tests.pretrain.test_train import KILLED_RUN

    data_dir = make_corpus(tmp_path)
    base = resolve_base_model(str(tiny_gpt2_dir))
    cfg = PretrainConfig(
        steps=6, batch_size=4, max_length=24, save_steps=3, learning_rate=3e-3, precision="fp32"
    )
    straight = continue_pretraining(cfg, base, data_dir, tmp_path / "a", tmp_path / "work-a", seed=0)

    arguments = [str(tiny_gpt2_dir), str(data_dir), str(tmp_path / "b"), str(tmp_path / "work-b")]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, *arguments, cfg.model_dump_json()], check=False
    )
    assert killed.returncode == -9 and not (tmp_path / "b" / "model").exists()
    resumed = continue_pretraining(cfg, base, data_dir, tmp_path / "b", tmp_path / "work-b", seed=0)
    assert resumed.metrics["resumed_from"] == "checkpoint-3"
    assert abs(resumed.metrics["domain_lm_loss_after"] - straight.metrics["domain_lm_loss_after"]) < 1e-3
    a = AutoModelForCausalLM.from_pretrained(tmp_path / "a" / "model").state_dict()
    b = AutoModelForCausalLM.from_pretrained(tmp_path / "b" / "model").state_dict()
    assert all(torch.allclose(a[key], b[key], atol=1e-5) for key in a)

"""A decoder run end to end through `vertical run`, and `vertical generate` on it."""

import json
import shutil

from transformers import AutoModelForCausalLM
from typer.testing import CliRunner

from vertical.cli import app

runner = CliRunner()


def test_decoder_run_trains_from_scratch_and_compares_on_generation(decoder_run_dir):
    pretrain = json.loads((decoder_run_dir / "pretrain" / "manifest.json").read_text())["metrics"]
    assert pretrain["objective"] == "causal_lm" and pretrain["from_scratch"]
    assert pretrain["domain_perplexity_after"] < pretrain["domain_perplexity_before"] / 4
    assert {"general_perplexity_before", "general_perplexity_after", "forgetting"} <= set(pretrain)
    metrics = json.loads((decoder_run_dir / "evaluate" / "metrics.json").read_text())["tasks"]["sector"]
    assert metrics["task_type"] == "generation"
    assert set(metrics["significance"]) == {"perplexity", "token_accuracy"}
    # the general variant started from the same GPT-2 untrained: pretraining must show
    assert metrics["vertical"]["perplexity"] < metrics["general"]["perplexity"]
    html = (decoder_run_dir / "report.html").read_text()
    assert "greedy samples on test prompts" in html and "perplexity" in html
    card = (decoder_run_dir / "finetune" / "sector" / "vertical" / "model" / "README.md").read_text()
    assert "pipeline_tag: text-generation" in card and "AutoModelForCausalLM" in card
    model = AutoModelForCausalLM.from_pretrained(decoder_run_dir / "pretrain" / "model")
    assert model.config.n_layer == 2 and model.config.n_embd == 32


def test_generate_samples_repeatably_with_a_seed(decoder_run_dir):
    arguments = ["generate", str(decoder_run_dir), "Zorvex 3 is", "--max-new-tokens", "6", "--seed", "7"]
    first, second = runner.invoke(app, arguments), runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout and first.stdout.strip()
    greedy = runner.invoke(
        app,
        [
            "generate",
            str(decoder_run_dir),
            "Q: sector of Zorvex 1? A:",
            "--task",
            "sector",
            "--temperature",
            "0",
        ],
    )
    assert greedy.exit_code == 0, greedy.output


def test_generate_refuses_an_encoder_run_and_an_unknown_task(decoder_run_dir, tiny_model_dir, tmp_path):
    encoder_run = tmp_path / "encoder-run"
    shutil.copytree(tiny_model_dir, encoder_run / "pretrain" / "model")
    result = runner.invoke(app, ["generate", str(encoder_run), "hello"])
    assert result.exit_code == 2 and "is an encoder (masked LM)" in result.output
    result = runner.invoke(app, ["generate", str(decoder_run_dir), "hello", "--task", "nope"])
    assert result.exit_code == 2 and "no generation task 'nope' (generation tasks: sector)" in result.output


def test_a_prompt_longer_than_the_context_keeps_its_end(tiny_gpt2_dir):
    import torch

    from vertical.generate import load_generator

    generator = load_generator(tiny_gpt2_dir, "tiny")
    long_prompt = "Markets closed higher. " * 200 + "The lender"
    written = generator.generate([long_prompt], 4, temperature=0)[0]
    assert generator.context == 128
    tail = generator.tokenizer(long_prompt, add_special_tokens=False)["input_ids"][-(128 - 4) :]
    ids = torch.tensor([tail])
    output = generator.model.generate(
        input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=4, do_sample=False
    )
    assert written == generator.tokenizer.decode(output[0, len(tail) :], skip_special_tokens=True).strip()

"""Shared fixtures: a tiny BERT the tests build (with the real MiniLM tokenizer) and a tiny recipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide BERT masked-LM saved with save_pretrained, randomly initialised (seeded)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    from vertical.models import resolve_base_model

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(str(resolve_base_model("builtin:minilm").path))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertForMaskedLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def write_tiny_project(folder: Path, model_dir: Path, steps: int = 4) -> Path:
    """A recipe with a small corpus and one classification task; returns the recipe's path."""
    folder.mkdir(parents=True, exist_ok=True)
    topics = {
        "bank": "The lender {n} raised deposits and cut mortgage rates for savers in branch {n}.",
        "chip": "The chipmaker {n} shipped new processors from its wafer fab number {n} this week.",
    }
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as handle:
        for n in range(40):
            for template in topics.values():
                handle.write(json.dumps({"text": template.format(n=n)}) + "\n")
        handle.write(json.dumps({"text": topics["bank"].format(n=0)}) + "\n")  # an exact duplicate
    (folder / "entities.txt").write_text("lender\nchipmaker\nwafer fab\n", encoding="utf-8")
    with open(folder / "task.csv", "w", encoding="utf-8") as handle:
        handle.write("text,label\n")
        for n in range(30):
            handle.write(f"deposits and mortgage news {n},bank\nprocessor and wafer news {n},chip\n")
    recipe = folder / "recipe.yaml"
    recipe.write_text(
        f"""name: tiny
base_model: {model_dir}
data:
  sources: [corpus.jsonl]
tokenizer: {{extend: true, min_frequency: 5}}
pretrain:
  steps: {steps}
  batch_size: 8
  max_length: 32
  save_steps: 2
  vocabulary_learning_rate: 1.0e-3
  entity_probability: 0.5
  entities: entities.txt
tasks:
  - name: topic
    data: task.csv
    epochs: 1
    batch_size: 8
""",
        encoding="utf-8",
    )
    return recipe


@pytest.fixture(scope="session")
def tiny_run_dir(tiny_model_dir, tmp_path_factory) -> Path:
    """runs/tiny made by `vertical run` on the tiny project with a compress stage (a 1-layer student too):
    a `topic` task to serve."""
    from typer.testing import CliRunner

    from vertical.cli import app

    folder = tmp_path_factory.mktemp("served-project")
    recipe = write_tiny_project(folder, tiny_model_dir)
    with open(recipe, "a", encoding="utf-8") as handle:
        handle.write("compress: {latency_calls: 5, throughput_batches: 2, distill: {layers: 1, epochs: 2}}\n")
    result = CliRunner().invoke(app, ["run", str(recipe), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 0, result.output
    return folder / "runs" / "tiny"


DECODER_TEXTS = [
    "The lender {n} raised deposits and cut mortgage rates for savers.",
    "The chipmaker {n} shipped new processors from its wafer fab this week.",
    "Markets closed higher as the central bank held interest rates.",
    "Question: which sector is the lender in? Answer: banking.",
]


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide GPT-2 over a byte-level BPE tokenizer trained on a few sentences, saved
    with save_pretrained to a local folder and randomly initialised (seeded)."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from vertical.tokenizer.scratch import train_tokenizer

    folder = tmp_path_factory.mktemp("tiny-gpt2")
    texts = [template.format(n=n) for n in range(20) for template in DECODER_TEXTS]
    train_tokenizer(texts, "bpe", 400, folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=128,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


def write_decoder_project(folder: Path, steps: int = 40) -> Path:
    """A recipe that trains a tiny GPT-2 from scratch on a corpus of firm-sector facts, with a
    generation task asking for the sector of a firm; returns the recipe's path."""
    folder.mkdir(parents=True, exist_ok=True)
    sectors = ["banking", "mining", "shipping", "farming"]
    firms = [f"Zorvex {n}" for n in range(24)]
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as handle:
        for n, firm in enumerate(firms):
            sector = sectors[n % 4]
            for sentence in (
                "{firm} is a firm in {sector}.",
                "Analysts follow {firm}, a {sector} company.",
                "The {sector} sector includes {firm} and its rivals.",
            ):
                handle.write(json.dumps({"text": sentence.format(firm=firm, sector=sector)}) + "\n")
    (folder / "general.txt").write_text(
        "\n".join(f"The weather on day {n} was mild and the roads were quiet." for n in range(30)),
        encoding="utf-8",
    )
    with open(folder / "qa.jsonl", "w", encoding="utf-8") as handle:
        for n, firm in enumerate(firms):
            record = {"prompt": f"Q: sector of {firm}? A:", "response": sectors[n % 4]}
            handle.write(json.dumps(record) + "\n")
    recipe = folder / "recipe.yaml"
    recipe.write_text(
        f"""name: tiny-gpt
data:
  sources: [corpus.jsonl]
  min_chars: 10
tokenizer: {{from_scratch: bpe, scratch_vocab_size: 300}}
pretrain:
  from_scratch: {{layers: 2, heads: 2, hidden: 32, context: 64}}
  steps: {steps}
  batch_size: 8
  max_length: 32
  save_steps: 20
  learning_rate: 3.0e-3
  general_data: general.txt
  general_holdout: 10
tasks:
  - {{name: sector, type: generation, data: qa.jsonl, test_fraction: 0.3, epochs: 3, batch_size: 8,
      learning_rate: 3.0e-3, max_length: 32}}
""",
        encoding="utf-8",
    )
    return recipe


@pytest.fixture(scope="session")
def decoder_run_dir(tmp_path_factory) -> Path:
    """runs/tiny-gpt made by `vertical run` on the decoder project: a GPT-2 trained from scratch
    and a `sector` generation task."""
    from typer.testing import CliRunner

    from vertical.cli import app

    folder = tmp_path_factory.mktemp("decoder-project")
    recipe = write_decoder_project(folder)
    result = CliRunner().invoke(app, ["run", str(recipe), "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 0, result.output
    return folder / "runs" / "tiny-gpt"


@pytest.fixture(scope="session", params=["llama", "gemma"])
def tiny_chat_decoder(request, tmp_path_factory) -> Path:
    """A tiny Llama (ChatML template) or Gemma 3 (its turn template) decoder the tests build."""
    from tests.tiny_decoders import build_tiny_decoder

    return build_tiny_decoder(tmp_path_factory.mktemp(f"tiny-{request.param}"), request.param)


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory) -> Path:
    """A tiny Llama decoder with a ChatML chat template."""
    from tests.tiny_decoders import build_tiny_decoder

    return build_tiny_decoder(tmp_path_factory.mktemp("tiny-llama"), "llama")

"""Sampling text from the decoder models of a run folder (`vertical generate`, ``POST /v1/generate``).

A decoder run holds the domain-pretrained model in ``pretrain/model`` and one model per
generation task in ``finetune/<task>/vertical/model``; both are plain ``AutoModelForCausalLM``
folders, loaded here with transformers alone and sampled with its ``generate``: temperature and
nucleus (top-p) sampling, or greedy decoding at temperature 0. A seed makes a sample repeatable.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import torch

from vertical.errors import VerticalError
from vertical.models import is_decoder, load_causal_lm, load_tokenizer

PRETRAINED = "pretrain"  # the name the domain-pretrained model goes by


@dataclass
class TextGenerator:
    """A causal-LM model and its tokenizer, ready to continue prompts.

    Attributes:
        name: what it is called: ``pretrain`` or the generation task's name.
        model: an ``AutoModelForCausalLM`` model in eval mode.
        tokenizer: its tokenizer (left padding, for batches of prompts).
        context: the longest sequence the model reads; prompts keep their last tokens.
    """

    name: str
    model: object
    tokenizer: object
    context: int
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @torch.no_grad()
    def generate(
        self,
        prompts: list[str],
        max_new_tokens: int = 64,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = None,
    ) -> list[str]:
        """The continuation of each prompt (the prompt itself left out), in the order given.

        Args:
            prompts: the texts to continue.
            max_new_tokens: the most tokens written after each prompt.
            temperature: 0 for greedy decoding; higher samples more freely.
            top_p: nucleus sampling: only the most likely tokens holding this much probability.
            seed: makes the sample repeatable; None draws a fresh one.
        """
        room = max(1, self.context - max_new_tokens)
        encoded = self.tokenizer(
            prompts,
            add_special_tokens=False,
            padding=True,
            truncation=True,
            max_length=room,
            return_tensors="pt",
        )
        sampling = temperature > 0
        options = {"do_sample": sampling, "max_new_tokens": max_new_tokens}
        if sampling:
            options.update(temperature=temperature, top_p=top_p, top_k=0)
        with self._lock, torch.random.fork_rng(devices=[]):  # one seeded stream per call
            if seed is not None:
                torch.manual_seed(seed)
            output = self.model.generate(
                **encoded, pad_token_id=self.tokenizer.pad_token_id, **options
            )  # (N, prompt + new)
        new_tokens = output[:, encoded["input_ids"].shape[1] :]
        return [text.strip() for text in self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]


def load_generator(model_dir: Path, name: str) -> TextGenerator:
    """The decoder saved in `model_dir`, as a `TextGenerator` called `name`."""
    tokenizer = load_tokenizer(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"  # new tokens follow every prompt directly
    tokenizer.truncation_side = "left"  # a long prompt keeps its end, which the continuation follows
    model = load_causal_lm(model_dir).eval()
    config = model.config
    context = getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None) or 1024
    return TextGenerator(name, model, tokenizer, int(context))


def decoder_models(run_dir: Path) -> dict[str, Path]:
    """The decoder models of a run folder by name: ``pretrain`` and each generation task, sorted."""
    run_dir = Path(run_dir)
    found = {}
    pretrained = run_dir / "pretrain" / "model"
    if (pretrained / "config.json").is_file() and is_decoder(pretrained):
        found[PRETRAINED] = pretrained
    for model_dir in sorted((run_dir / "finetune").glob("*/vertical/model")):
        if (model_dir / "config.json").is_file() and is_decoder(model_dir):
            found[model_dir.parent.parent.name] = model_dir
    return found


def decoder_model_dir(run_dir: Path, task: str | None = None) -> Path:
    """The folder of the model `vertical generate` samples: the pretrained decoder, or a task's.

    Raises:
        VerticalError: no run folder, an encoder run, or no such generation task.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise VerticalError(f"{run_dir}: run folder not found (expected runs/<name> made by `vertical run`)")
    models = decoder_models(run_dir)
    if not models:
        if (run_dir / "pretrain" / "model" / "config.json").is_file():
            raise VerticalError(
                f"{run_dir}: its model is an encoder (masked LM), which does not generate text; "
                "generation needs a decoder run (a GPT-2 family base_model or pretrain.from_scratch)"
            )
        raise VerticalError(f"{run_dir}: no pretrained model (pretrain/model); run `vertical run` first")
    name = task or PRETRAINED
    if name not in models:
        tasks = ", ".join(sorted(set(models) - {PRETRAINED})) or "none"
        raise VerticalError(f"{run_dir}: no generation task {name!r} (generation tasks: {tasks})")
    return models[name]

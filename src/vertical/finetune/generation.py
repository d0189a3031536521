"""Generation tasks for decoder models: learn to write the response that follows a prompt.

Each example is ``prompt + response + end-of-text`` in one sequence; the labels of the prompt
tokens are -100, so the loss is on the response (and its end) only: the model is taught to
answer, not to write prompts. Scored on the test examples by the likelihood of the reference
response given its prompt: perplexity (exp of the mean loss per response token) and token
accuracy (the share of response tokens that are the model's most likely next token). A few
greedy samples go into the predictions for the report.

The saved model is a plain ``AutoModelForCausalLM`` folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from datasets import Dataset

from vertical.errors import DataError
from vertical.finetune.config import TaskConfig
from vertical.finetune.training import train_model
from vertical.models import load_causal_lm, load_tokenizer
from vertical.pretrain.objectives.causal_lm import token_losses
from vertical.records import GenerationExample

SAMPLES = 5  # greedy samples kept for the report
SAMPLE_TOKENS = 32


@dataclass(frozen=True)
class GenerationPredictions:
    """How well a model predicts the reference responses of the test examples."""

    gold: list[str]  # (N,) the reference responses
    nll: list[float]  # (N,) summed negative log-likelihood of each response's tokens (nats)
    tokens: list[int]  # (N,) response tokens scored (the end-of-text token included)
    correct: list[int]  # (N,) of those, how many were the model's most likely next token
    samples: list[dict] = field(default_factory=list)  # {prompt, reference, generated} of the first few
    labels: list[str] = field(default_factory=list)  # no classes; kept for the shared record shape
    task_type: str = "generation"


def encode_example(
    tokenizer, example: GenerationExample, max_length: int, eos_token_id: int
) -> tuple[list[int], list[int]]:
    """Token ids of prompt + response + end-of-text and their labels (-100 on the prompt).

    The response is tokenized on its own, after a space when the prompt does not end in one, so
    the prompt's tokens are exactly those a user's prompt gets at generation time. When the pair
    is longer than `max_length`, the response keeps up to half of it and the prompt loses its
    beginning.
    """
    separator = "" if not example.prompt or example.prompt[-1].isspace() else " "
    prompt = tokenizer(example.prompt, add_special_tokens=False)["input_ids"]
    response = tokenizer(separator + example.response, add_special_tokens=False)["input_ids"] + [eos_token_id]
    if len(prompt) + len(response) > max_length:
        response = response[: max(1, max_length // 2)] if len(response) > max_length // 2 else response
        prompt = prompt[len(prompt) - (max_length - len(response)) :] if max_length > len(response) else []
    return prompt + response, [-100] * len(prompt) + response


class ResponseCollator:
    """Pads ``input_ids`` (with `pad_token_id`) and ``labels`` (with -100) to the longest row."""

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        longest = max(len(example["input_ids"]) for example in examples)
        input_ids = torch.full((len(examples), longest), self.pad_token_id, dtype=torch.long)  # (B, T)
        labels = torch.full((len(examples), longest), -100, dtype=torch.long)  # (B, T)
        attention_mask = torch.zeros((len(examples), longest), dtype=torch.long)  # (B, T)
        for row, example in enumerate(examples):
            length = len(example["input_ids"])
            input_ids[row, :length] = torch.as_tensor(example["input_ids"])
            labels[row, :length] = torch.as_tensor(example["labels"])
            attention_mask[row, :length] = 1
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


@torch.no_grad()
def score_responses(
    model, tokenizer, examples: list[GenerationExample], max_length: int, batch_size: int = 16
):
    """(summed NLL, scored tokens, correct tokens) of each example's response given its prompt."""
    model.eval()
    device = next(model.parameters()).device
    collator = ResponseCollator(tokenizer.pad_token_id)
    nll, tokens, correct = [], [], []
    for start in range(0, len(examples), batch_size):
        rows = []
        for example in examples[start : start + batch_size]:
            ids, labels = encode_example(tokenizer, example, max_length, tokenizer.eos_token_id)
            rows.append({"input_ids": ids, "labels": labels})
        batch = {key: value.to(device) for key, value in collator(rows).items()}
        logits = model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).logits  # (B, T, V)
        summed, counted = token_losses(logits, batch["labels"])
        targets = batch["labels"][:, 1:]  # (B, T-1)
        hits = ((logits[:, :-1, :].argmax(dim=-1) == targets) & (targets != -100)).sum(dim=1)
        nll += [round(float(value), 5) for value in summed]
        tokens += [int(value) for value in counted]
        correct += [int(value) for value in hits]
    return nll, tokens, correct


@torch.no_grad()
def greedy_samples(model, tokenizer, examples: list[GenerationExample], max_new_tokens: int) -> list[dict]:
    """The model's greedy continuation of each example's prompt, next to the reference."""
    model.eval()
    device = next(model.parameters()).device
    samples = []
    for example in examples:
        ids = tokenizer(example.prompt, add_special_tokens=False, return_tensors="pt")["input_ids"].to(device)
        output = model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
        )
        text = tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True).strip()
        samples.append({"prompt": example.prompt, "reference": example.response, "generated": text})
    return samples


def _as_dataset(encoded: list[tuple[list[int], list[int]]]) -> Dataset:
    return Dataset.from_dict(
        {"input_ids": [ids for ids, _ in encoded], "labels": [targets for _, targets in encoded]}
    )


def train_generator(
    cfg: TaskConfig,
    model_path: Path,
    train: list[GenerationExample],
    test: list[GenerationExample],
    labels: list[str],
    output_dir: Path,
    work_dir: Path,
    seed: int,
    precision: str = "auto",
    validation: list[GenerationExample] | None = None,
) -> tuple[GenerationPredictions, dict]:
    """Fine-tune the decoder at `model_path` on `train`, save it to `output_dir`, score `test`.

    Returns:
        The scores on `test` and the training history (training.py's `train_model`).
    """
    tokenizer = load_tokenizer(model_path)
    if tokenizer.eos_token_id is None:
        raise DataError(f"{model_path}: the tokenizer has no end-of-text token to close responses with")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(seed)
    model = load_causal_lm(model_path)
    encoded = [
        encode_example(tokenizer, example, cfg.max_length, tokenizer.eos_token_id) for example in train
    ]
    train_set = _as_dataset(encoded)
    validation_set = None
    if validation:  # scored after every epoch: early stopping
        validation_set = _as_dataset(
            [encode_example(tokenizer, e, cfg.max_length, tokenizer.eos_token_id) for e in validation]
        )
    model, history = train_model(
        model,
        tokenizer,
        train_set,
        ResponseCollator(tokenizer.pad_token_id),
        cfg,
        work_dir,
        seed,
        precision,
        "CAUSAL_LM",
        validation_set=validation_set,
    )
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    nll, tokens, correct = score_responses(model, tokenizer, test, cfg.max_length)
    predictions = GenerationPredictions(
        gold=[example.response for example in test],
        nll=nll,
        tokens=tokens,
        correct=correct,
        samples=greedy_samples(model, tokenizer, test[:SAMPLES], SAMPLE_TOKENS),
    )
    return predictions, history

"""Greedy answers of a chat model: its template's generation prompt, left-padded batches, stop at end of turn.

Kept apart from `vertical.evaluate` (which scores the answers) because the finetune stage answers
the test questions right after training.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from vertical.instruct.template import prompt_ids, stop_token_ids


def generate_answers(
    model,
    tokenizer,
    prompts: Sequence[Sequence[dict[str, str]]],
    max_new_tokens: int = 16,
    batch_size: int = 16,
) -> list[str]:
    """The model's greedy answer to each conversation prefix in `prompts` (see the module docstring)."""
    stops = stop_token_ids(tokenizer, model.generation_config)
    rows = [prompt_ids(tokenizer, messages) for messages in prompts]
    return greedy_continuations(model, tokenizer, rows, stops, max_new_tokens, batch_size)


@torch.no_grad()
def greedy_continuations(
    model,
    tokenizer,
    rows: Sequence[Sequence[int]],
    stops: Sequence[int],
    max_new_tokens: int = 16,
    batch_size: int = 16,
) -> list[str]:
    """The greedy continuation of each prompt (token ids) in `rows`: left-padded batches, cut at `stops`."""
    model.eval()
    device = next(model.parameters()).device
    stops = list(stops)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stops[0]
    answers: list[str] = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        longest = max(len(row) for row in batch)
        input_ids = torch.full((len(batch), longest), pad, dtype=torch.long)  # (B, T), padded on the left
        attention_mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for index, row in enumerate(batch):
            input_ids[index, longest - len(row) :] = torch.as_tensor(row)
            attention_mask[index, longest - len(row) :] = 1
        output = model.generate(
            input_ids=input_ids.to(device),
            attention_mask=attention_mask.to(device),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            eos_token_id=stops,
            pad_token_id=pad,
        )  # (B, T + new)
        for row in output[:, longest:]:
            kept = []
            for token in row.tolist():
                if token in stops:
                    break
                kept.append(token)
            answers.append(tokenizer.decode(kept, skip_special_tokens=True).strip())
    return answers

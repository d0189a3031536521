"""Causal language modelling: predict each next token (GPT, Radford et al. 2018/2019).

The model's own head computes the loss (``labels`` are the inputs; transformers shifts them);
this module holds what is around it: the collator that batches packed blocks, and the held-out
loss used for the forgetting check, weighted by tokens so that a short last block counts for
what it holds.
"""

from __future__ import annotations

import torch


class CausalLMCollator:
    """Batches ``input_ids`` blocks; labels are the inputs, padding positions are -100.

    Args:
        pad_token_id: the id written into padding positions (their labels are -100 and their
            attention mask 0, so its value never matters).
    """

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        longest = max(len(example["input_ids"]) for example in examples)
        input_ids = torch.full((len(examples), longest), self.pad_token_id, dtype=torch.long)  # (B, T)
        attention_mask = torch.zeros((len(examples), longest), dtype=torch.long)  # (B, T)
        labels = torch.full((len(examples), longest), -100, dtype=torch.long)  # (B, T)
        for row, example in enumerate(examples):
            ids = torch.as_tensor(example["input_ids"], dtype=torch.long)
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
            labels[row, : len(ids)] = ids
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def token_losses(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sequence summed next-token loss and the number of tokens it covers.

    Args:
        logits: (B, T, V) the model's outputs.
        labels: (B, T) the target of each position before the shift; -100 is not scored.

    Returns:
        (B,) summed negative log-likelihood (nats) and (B,) scored tokens.
    """
    shifted_logits = logits[:, :-1, :].float()  # (B, T-1, V): position t predicts token t+1
    targets = labels[:, 1:]  # (B, T-1)
    losses = torch.nn.functional.cross_entropy(
        shifted_logits.transpose(1, 2), targets, ignore_index=-100, reduction="none"
    )  # (B, T-1)
    scored = targets != -100
    return (losses * scored).sum(dim=1), scored.sum(dim=1)


@torch.no_grad()
def causal_lm_loss(model, dataset, collator: CausalLMCollator, batch_size: int, bf16: bool) -> float | None:
    """Mean next-token loss (nats per token) of `model` over the blocks of `dataset`; None for no data."""
    if dataset is None or len(dataset) == 0:
        return None
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total, tokens = 0.0, 0
    for start in range(0, len(dataset), batch_size):
        rows = dataset[start : start + batch_size]["input_ids"]
        batch = {key: value.to(device) for key, value in collator([{"input_ids": r} for r in rows]).items()}
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        summed, counted = token_losses(logits, batch["labels"])
        total += float(summed.sum())
        tokens += int(counted.sum())
    model.train(was_training)
    return round(total / max(tokens, 1), 4)

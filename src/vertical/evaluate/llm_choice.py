"""Multiple choice and classification by log-likelihood, the way lm-evaluation-harness scores them.

For a context ``c`` and choices ``x_1..x_k``, each choice's score is the summed log-probability of
its tokens given the context, ``ll_i = sum_t log p(x_i,t | c, x_i,<t)``. Two accuracies
(Gao et al., lm-evaluation-harness):

* ``acc``: the choice with the highest ``ll_i`` is right;
* ``acc_norm``: the highest ``ll_i / len(x_i in bytes)`` is right, which does not favour short
  choices (the harness's length normalisation for ARC, PIQA and HellaSwag).

Classification by label likelihood (how FinBen scores sentiment) is the same with the label
names as choices. The context and the choice are tokenized together and the choice's tokens are
those past the context's (the harness's way, so a word boundary belongs to the choice); each
choice is one forward pass, batched.

Records are ``{"context", "choices", "label"}`` (the index of the right choice); `read_choice_file`
also reads the lm-eval-style fields ``query``/``ctx``/``question``/``goal``, ``endings``/``choices``
/``sol1..sol2``, ``gold``/``label``/``answer``/``answerKey``. A choice is scored after a space, as
the harness does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from vertical.errors import DataError


@dataclass(frozen=True)
class ChoiceItem:
    """One multiple-choice question: the context, its choices and the index of the right one."""

    context: str
    choices: tuple[str, ...]
    label: int


def _choice_item(record: dict, where: str) -> ChoiceItem:
    context = next((record[k] for k in ("context", "query", "ctx", "question", "goal") if k in record), None)
    choices = next((record[k] for k in ("choices", "endings") if k in record), None)
    if choices is None and "sol1" in record:
        choices = [record["sol1"], record["sol2"]]
    if isinstance(choices, dict):  # ARC on the hub: {"text": [...], "label": ["A", ...]}
        letters, choices = choices.get("label", []), choices.get("text", [])
    else:
        letters = []
    label = next((record[k] for k in ("label", "gold", "answer", "answerKey") if k in record), None)
    if isinstance(label, str) and not label.isdigit():
        label = letters.index(label) if label in letters else "ABCDEFGH".find(label)
    if context is None or not choices or label is None or not 0 <= int(label) < len(choices):
        raise DataError(f"{where}: expected context, choices and the index of the right choice (label)")
    # the harness puts a space between context and choice; a choice that brings its own keeps it
    spaced = tuple(c if c[:1].isspace() else " " + c for c in map(str, choices))
    return ChoiceItem(str(context).rstrip(), spaced, int(label))


def read_choice_file(path: str | Path, limit: int | None = None) -> list[ChoiceItem]:
    """The multiple-choice items of a JSON Lines file (see the module docstring)."""
    path = Path(path)
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(f"{path}:{number}: invalid JSON: {error.msg}") from None
            items.append(_choice_item(record, f"{path}:{number}"))
            if limit is not None and len(items) >= limit:
                break
    return items


def _choice_tokens(tokenizer, context: str, choice: str) -> tuple[list[int], int]:
    """(context + choice ids, how many of them are the choice's)."""
    whole = tokenizer(context + choice, add_special_tokens=False)["input_ids"]
    context_ids = tokenizer(context, add_special_tokens=False)["input_ids"]
    shared = 0
    while shared < min(len(whole), len(context_ids)) and whole[shared] == context_ids[shared]:
        shared += 1
    shared = min(shared, len(whole) - 1)  # at least one choice token
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    return bos + whole, len(whole) - shared


@torch.no_grad()
def choice_loglikelihoods(
    model, tokenizer, context: str, choices: Sequence[str], max_length: int = 512
) -> list[float]:
    """The summed log-probability of each choice's tokens given `context` (nats)."""
    model.eval()
    device = next(model.parameters()).device
    rows = [_choice_tokens(tokenizer, context, choice) for choice in choices]
    rows = [(ids[-max_length:], min(n, max_length - 1)) for ids, n in rows]
    longest = max(len(ids) for ids, _ in rows)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    # Left-padded, so every choice ends at the last position and only the last `keep` positions
    # need vocabulary logits: the LM head (most of Gemma 3's compute) runs on the choices alone.
    input_ids = torch.full((len(rows), longest), pad, dtype=torch.long)  # (K, T)
    attention_mask = torch.zeros_like(input_ids)
    for index, (ids, _) in enumerate(rows):
        input_ids[index, longest - len(ids) :] = torch.as_tensor(ids)
        attention_mask[index, longest - len(ids) :] = 1
    position_ids = (attention_mask.cumsum(dim=1) - 1).clamp(min=0)  # positions as if unpadded
    keep = max(count for _, count in rows) + 1
    inputs = {"input_ids": input_ids, "attention_mask": attention_mask, "position_ids": position_ids}
    inputs = {key: value.to(device) for key, value in inputs.items()}
    try:
        logits = model(**inputs, logits_to_keep=keep).logits  # (K, keep, V)
    except TypeError:  # a model without logits_to_keep: all positions
        logits = model(**inputs).logits[:, -keep:]
    log_probs = torch.log_softmax(logits.float(), dim=-1)  # (K, keep, V)
    scores = []
    for index, (ids, count) in enumerate(rows):
        targets = torch.as_tensor(ids[len(ids) - count :], device=device)  # (n,)
        # (n, V): the logits at position t predict token t + 1; the last position predicts nothing
        predicted_at = log_probs[index, keep - count - 1 : keep - 1]
        scores.append(float(predicted_at.gather(1, targets[:, None]).sum()))
    return scores


def score_choices(model, tokenizer, items: Sequence[ChoiceItem]) -> dict:
    """``acc`` and ``acc_norm`` over `items`, with the per-item log-likelihoods."""
    correct = correct_norm = 0
    per_item = []
    for item in items:
        scores = choice_loglikelihoods(model, tokenizer, item.context, item.choices)
        normalised = [s / max(len(c.encode("utf-8")), 1) for s, c in zip(scores, item.choices, strict=True)]
        best = max(range(len(scores)), key=scores.__getitem__)
        best_norm = max(range(len(normalised)), key=normalised.__getitem__)
        correct += best == item.label
        correct_norm += best_norm == item.label
        per_item.append({"loglikelihoods": [round(s, 4) for s in scores], "predicted": best_norm})
    count = max(len(items), 1)
    return {
        "acc": round(correct / count, 4),
        "acc_norm": round(correct_norm / count, 4),
        "items": len(items),
        "per_item": per_item,
    }


def classify_by_label_likelihood(
    model, tokenizer, texts: Sequence[str], labels: Sequence[str], prompt: str = "{text}\nAnswer:"
) -> list[int]:
    """The index of the most likely label name after each text's prompt (FinBen-style classification)."""
    choices = [" " + label for label in labels]
    predicted = []
    for text in texts:
        scores = choice_loglikelihoods(model, tokenizer, prompt.format(text=text), choices)
        predicted.append(max(range(len(labels)), key=scores.__getitem__))
    return predicted

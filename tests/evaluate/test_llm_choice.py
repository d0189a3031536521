"""Multiple choice by log-likelihood checked against a hand computation over the full sequences."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from vertical.evaluate.llm_choice import (
    ChoiceItem,
    choice_loglikelihoods,
    classify_by_label_likelihood,
    read_choice_file,
    score_choices,
)


def _by_hand(model, tokenizer, context: str, choice: str) -> float:
    """sum over the choice's tokens of log p(token | everything before it), one sequence at a time."""
    context_ids = tokenizer(context, add_special_tokens=False)["input_ids"]
    whole = tokenizer(context + choice, add_special_tokens=False)["input_ids"]
    ids = [tokenizer.bos_token_id] + whole
    start = 1 + len(context_ids)
    assert whole[: len(context_ids)] == context_ids  # the tokenizer splits these at the boundary
    with torch.no_grad():
        log_probs = torch.log_softmax(model(torch.tensor([ids])).logits[0], dim=-1)
    return sum(float(log_probs[t - 1, ids[t]]) for t in range(start, len(ids)))


def test_loglikelihoods_match_the_hand_computation(tiny_chat_decoder):
    tokenizer = AutoTokenizer.from_pretrained(tiny_chat_decoder)
    model = AutoModelForCausalLM.from_pretrained(tiny_chat_decoder).eval()
    context, choices = "The weather was", [" mild", " quiet and the roads were mild"]
    scores = choice_loglikelihoods(model, tokenizer, context, choices)  # batched, right-padded
    for score, choice in zip(scores, choices, strict=True):
        assert score == pytest.approx(_by_hand(model, tokenizer, context, choice), abs=1e-4)


def test_accuracies_and_length_normalisation(tiny_llama_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()
    items = [ChoiceItem("The weather was", (" mild", " quiet and the roads were mild"), 1)] * 3
    result = score_choices(model, tokenizer, items)
    scores = choice_loglikelihoods(model, tokenizer, items[0].context, items[0].choices)
    by_length = [s / len(c.encode()) for s, c in zip(scores, items[0].choices, strict=True)]
    assert result["acc"] == float(scores[1] > scores[0])
    assert result["acc_norm"] == float(by_length[1] > by_length[0])
    assert result["items"] == 3


def test_reads_lm_eval_shapes(tmp_path):
    path = tmp_path / "mc.jsonl"
    rows = [
        {"question": "Which is a bank?", "choices": ["Voman", "rock"], "answer": 0},
        {"goal": "To open a jar", "sol1": "twist the lid", "sol2": "shout", "label": 0},
        {"ctx": "He sat down and", "endings": ["ate.", "flew."], "label": "1"},
        {"question": "Q", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "B"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    items = read_choice_file(path)
    assert [i.label for i in items] == [0, 0, 1, 1]
    assert items[1].choices == (" twist the lid", " shout")
    assert len(read_choice_file(path, limit=2)) == 2


def test_label_likelihood_classification(tiny_llama_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama_dir).eval()
    texts = ["Voman Group raised its outlook.", "Quorvane cut jobs."]
    predicted = classify_by_label_likelihood(model, tokenizer, texts, ["positive", "negative"])
    for text, label in zip(texts, predicted, strict=True):
        scores = choice_loglikelihoods(model, tokenizer, f"{text}\nAnswer:", [" positive", " negative"])
        assert label == max(range(2), key=scores.__getitem__)

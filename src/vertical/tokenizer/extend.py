"""Extending a tokenizer with domain terms and initialising their embeddings.

English words and n-grams become tokens that match whole words only, after the tokenizer's own
normalisation (so "Tulkre" and "TULKRE" map to the term "tulkre" in an uncased model). Chinese
words and former ``[UNK]`` characters match anywhere (Chinese has no spaces between words), on
the raw text: Chinese has no case, and BERT's normaliser would put spaces between the characters
of a word. The extended tokenizer saves and loads with ``AutoTokenizer`` like any other.

Initialisation (``method="mean"``): a new embedding row starts as the mean of the rows of the
pieces the base tokenizer made of the term, and so does its masked-LM output bias: the model
begins by reading the new token roughly as it read the pieces, instead of as noise (Hewitt 2021,
"Initializing new word embeddings for pretrained language models"). A former ``[UNK]``
character's only piece is ``[UNK]``, so it starts as the ``[UNK]`` row: at step 0 the extended
model reads such text exactly as the base model did, and pretraining moves each character away
from it. ``method="random"`` (for comparison) draws rows from N(0, initializer_range) and sets
the bias to the mean bias.

``method="facts"``: a term the knowledge graph describes starts halfway between the mean of its
pieces and the weighted mean of the rows of the words that describe it
(`vertical.tokenizer.descriptions`): "zorbel" starts near "banking" because the graph says it is
a banking trade term, so a model fine-tuned on other banking terms reads it as banking before
pretraining has taught it anything. Terms without facts start as with ``mean``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
from transformers import AddedToken

from vertical.tokenizer.mine import Term

InitMethod = Literal["mean", "facts", "random"]


@dataclass(frozen=True)
class EmbeddingInit:
    """How the new rows start: the method, and for ``facts`` each term's description (token id -> weight)."""

    method: InitMethod = "mean"
    descriptions: dict[str, dict[int, float]] = field(default_factory=dict)


def added_token(term: Term) -> AddedToken:
    """The `AddedToken` for `term`: whole-word and normalised for words, anywhere and raw for Chinese."""
    if term.kind in ("zh_word", "unk_char"):
        return AddedToken(term.text, single_word=False, normalized=False)
    return AddedToken(term.text, single_word=True, normalized=True)


def extend_tokenizer(tokenizer, terms: list[Term]) -> int:
    """Add `terms` to `tokenizer` in place; returns how many were new."""
    return tokenizer.add_tokens([added_token(term) for term in terms])


@torch.no_grad()
def init_new_embeddings(
    model,
    base_tokenizer,
    extended_tokenizer,
    terms: list[Term],
    init: EmbeddingInit = EmbeddingInit(),
    seed: int = 0,
) -> None:
    """Resize `model` to the extended vocabulary and initialise the terms' rows (module docstring)."""
    method = init.method
    model.resize_token_embeddings(len(extended_tokenizer), mean_resizing=False)
    input_embeddings = model.get_input_embeddings().weight  # (V, H)
    output_layer = model.get_output_embeddings()
    output_weight = getattr(output_layer, "weight", None)
    output_bias = getattr(output_layer, "bias", None)
    untied = output_weight is not None and output_weight.data_ptr() != input_embeddings.data_ptr()
    old_size = len(base_tokenizer)
    generator = torch.Generator().manual_seed(seed)
    std = getattr(model.config, "initializer_range", 0.02)
    for term in terms:
        new_id = extended_tokenizer.convert_tokens_to_ids(term.text)
        if new_id < old_size:
            continue  # already in the base vocabulary
        if method == "random":
            row = torch.randn(input_embeddings.shape[1], generator=generator) * std
            input_embeddings[new_id] = row.to(input_embeddings.dtype)
            if untied:
                output_weight[new_id] = row.to(output_weight.dtype)
            if output_bias is not None and output_bias.shape[0] > new_id:
                output_bias[new_id] = output_bias[:old_size].mean()
            continue
        piece_ids = torch.tensor(base_tokenizer.convert_tokens_to_ids(list(term.pieces)))
        input_embeddings[new_id] = input_embeddings[piece_ids].mean(dim=0)
        if untied:
            output_weight[new_id] = output_weight[piece_ids].mean(dim=0)
        description = init.descriptions.get(term.text) if method == "facts" else None
        if description:
            ids = torch.tensor(list(description), dtype=torch.long)
            weights = torch.tensor(list(description.values()), dtype=input_embeddings.dtype).unsqueeze(1)
            described = (weights * input_embeddings[ids]).sum(0)
            input_embeddings[new_id] = (input_embeddings[new_id] + described) / 2
            if untied:
                described = (weights.to(output_weight.dtype) * output_weight[ids]).sum(0)
                output_weight[new_id] = (output_weight[new_id] + described) / 2
        if output_bias is not None and output_bias.shape[0] > new_id:
            output_bias[new_id] = output_bias[piece_ids].mean()

"""Extending a tokenizer with domain terms and initialising their embeddings.

Each term becomes one token that matches whole words only, after the tokenizer's own
normalisation (so "Tulkre" and "TULKRE" map to the term "tulkre" in an uncased model). The
extended tokenizer saves and loads with ``AutoTokenizer`` like any other.

A new embedding row starts as the mean of the rows of the pieces the base tokenizer made of the
term, and so does its masked-LM output bias: the model begins by reading the new token roughly
as it read the pieces, instead of as noise (Hewitt 2021, "Initializing new word embeddings").
"""

from __future__ import annotations

import torch
from transformers import AddedToken

from vertical.tokenizer.mine import Term


def extend_tokenizer(tokenizer, terms: list[Term]) -> int:
    """Add `terms` to `tokenizer` in place as whole-word tokens; returns how many were new."""
    return tokenizer.add_tokens([AddedToken(term.text, single_word=True, normalized=True) for term in terms])


@torch.no_grad()
def init_new_embeddings(model, base_tokenizer, extended_tokenizer, terms: list[Term]) -> None:
    """Resize `model` to the extended vocabulary; each term's rows = mean of its pieces' rows."""
    model.resize_token_embeddings(len(extended_tokenizer), mean_resizing=False)
    input_embeddings = model.get_input_embeddings().weight  # (V, H)
    output_layer = model.get_output_embeddings()
    output_weight = getattr(output_layer, "weight", None)
    output_bias = getattr(output_layer, "bias", None)
    for term in terms:
        new_id = extended_tokenizer.convert_tokens_to_ids(term.text)
        piece_ids = torch.tensor(base_tokenizer.convert_tokens_to_ids(list(term.pieces)))
        input_embeddings[new_id] = input_embeddings[piece_ids].mean(dim=0)
        if output_weight is not None and output_weight.data_ptr() != input_embeddings.data_ptr():
            output_weight[new_id] = output_weight[piece_ids].mean(dim=0)
        if output_bias is not None and output_bias.shape[0] > new_id:
            output_bias[new_id] = output_bias[piece_ids].mean()

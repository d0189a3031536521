"""The tokenizer stage's recipe section (``tokenizer:``).

Re-exported by `vertical.recipe`, which composes the sections into a `Recipe`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vertical.sections import Section


class TokenizerConfig(Section):
    """The tokenizer stage: frequent domain words the base tokenizer splits become tokens of their own."""

    extend: bool = Field(False, description="mine domain terms and add them to the base tokenizer")
    max_new_tokens: int = Field(2000, ge=1, description="at most this many new tokens")
    min_frequency: int = Field(20, ge=1, description="a term must occur this often in the corpus")
    min_pieces: int = Field(2, ge=2, description="a term must be split into at least this many pieces")
    ngram_max: int = Field(
        1, ge=1, le=4, description="mine word n-grams up to this length (3+ pieces); 1: single words"
    )
    min_unk_frequency: int = Field(
        1, ge=1, description="a character the base maps to [UNK] must occur this often"
    )
    entity_labels: bool = Field(True, description="the knowledge stage's entity labels are candidates too")
    init: Literal["mean", "facts", "random"] = Field(
        "mean",
        description="new embedding rows: mean of the base pieces' rows; `facts`: also what the knowledge "
        "graph's verbalised facts say about the term (needs `knowledge:`); or random (to compare)",
    )
    from_scratch: Literal["wordpiece", "bpe"] | None = Field(
        None, description="also train a new tokenizer of this kind on the corpus (for training from scratch)"
    )
    scratch_vocab_size: int = Field(30522, ge=100, description="vocabulary of the from-scratch tokenizer")

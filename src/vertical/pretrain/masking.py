"""Whole-word and entity masking for masked-LM training.

Whole-word masking (Devlin et al. 2019, the whole-word variant of BERT); entity masking (ERNIE,
Sun et al. 2019, "Enhanced Representation through kNowledge IntEgration"; also the salient-span
masking of REALM, Guu et al. 2020): every mention of a known entity is masked as one unit with its
own, higher probability.

A word split into pieces ("quor ##van ##e") is masked as a unit, so the model must recover it
from its context rather than from its own other pieces. On domain text whose key terms are new
to the base vocabulary (invented company names, jargon) this is what makes the model learn what
a term means, not how it is spelled.

Entity masking is what teaches a model facts: with "[MASK] [MASK], the lender based in Moda,
grew its loan book" the model must name the company from what is said of it, and with "Voman
Group, the [MASK] based in Moda" the sector from the company. Random token masking rarely hides a
whole name, and a name half visible is guessed from its other half.

Why our own: transformers' whole-word option needs the offset mapping of every example and
cannot pad it in a dynamic batch; word ids from the fast tokenizer are enough and pad trivially.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import torch

from vertical.pretrain.objectives.sentence_order import sentence_order_pairs

IGNORE_INDEX = -100


def whole_word_mask(
    word_ids: torch.Tensor, probability: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Choose whole words to mask.

    Args:
        word_ids: (B, T) index of the word each token belongs to, -1 for special and padding tokens.
        probability: chance that a word is chosen.
        generator: random source, for reproducible masks.

    Returns:
        (B, T) bool mask, True on every token of each chosen word.
    """
    batch_size, length = word_ids.shape
    number_of_words = int(word_ids.max().item()) + 1 if word_ids.numel() else 0
    if number_of_words == 0:
        return torch.zeros_like(word_ids, dtype=torch.bool)
    chosen = torch.rand((batch_size, number_of_words), generator=generator) < probability  # (B, W)
    valid = word_ids >= 0
    gathered = torch.gather(chosen, 1, word_ids.clamp(min=0))  # (B, T)
    return gathered & valid


def entity_span_mask(
    entity_ids: torch.Tensor, probability: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Choose whole entity mentions to mask.

    Args:
        entity_ids: (B, T) index of the entity mention each token belongs to within its sequence,
            -1 for tokens outside any mention.
        probability: chance that a mention is chosen.
        generator: random source, for reproducible masks.

    Returns:
        (B, T) bool mask, True on every token of each chosen mention.
    """
    return whole_word_mask(entity_ids, probability, generator)


@dataclass
class WholeWordMaskingCollator:
    """Pads a list of tokenized examples and masks whole words for masked-LM training.

    Each example is a dict with ``input_ids`` and ``word_ids`` (from ``BatchEncoding.word_ids``,
    None mapped to -1), and optionally ``entity_ids`` (the entity mention of each token, -1 outside
    mentions). Words are chosen with `mlm_probability`; entity mentions, as wholes, with
    `entity_probability` (0 turns entity masking off). With `keep_original`, the batch also holds
    ``original_input_ids``, the unmasked text (for the contrastive objective); with `knowledge_batch`
    (a `TripleBatcher`), the tensors it draws; with `sentence_order`, the documents' segment pairs
    for sentence-order prediction. Chosen tokens become
    ``[MASK]`` 80% of the time, a random token 10% and stay as they are 10%, as in BERT.

    Returns a batch with ``input_ids``, ``attention_mask`` and ``labels`` (-100 where not masked).
    """

    mask_token_id: int
    pad_token_id: int
    vocab_size: int
    mlm_probability: float = 0.15
    entity_probability: float = 0.0
    keep_original: bool = False
    seed: int | None = None
    knowledge_batch: Callable[[torch.Generator], dict[str, torch.Tensor]] | None = None
    sentence_order: bool = False
    cls_token_id: int | None = None
    sep_token_id: int | None = None

    def __post_init__(self) -> None:
        self._generator = torch.Generator().manual_seed(self.seed) if self.seed is not None else None

    def _random_source(self, input_ids: torch.Tensor) -> torch.Generator:
        """The seeded stream, or, without a seed, a generator seeded by the batch's own tokens.

        Training uses the second: a batch is masked the same way whenever it is collated, so a
        run resumed from a checkpoint masks exactly as the unbroken run did (the data loader
        collates a batch ahead, so no running random stream survives a resume unchanged).
        """
        if self._generator is not None:
            return self._generator
        return torch.Generator().manual_seed(zlib.crc32(input_ids.numpy().tobytes()))

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        length = max(len(example["input_ids"]) for example in examples)
        input_ids = torch.full((len(examples), length), self.pad_token_id, dtype=torch.long)
        word_ids = torch.full((len(examples), length), -1, dtype=torch.long)
        entity_ids = torch.full((len(examples), length), -1, dtype=torch.long)
        for row, example in enumerate(examples):
            size = len(example["input_ids"])
            input_ids[row, :size] = torch.as_tensor(example["input_ids"])
            word_ids[row, :size] = torch.as_tensor(example["word_ids"])
            if example.get("entity_ids") is not None:
                entity_ids[row, :size] = torch.as_tensor(example["entity_ids"])
        attention_mask = torch.zeros_like(input_ids)
        for row, example in enumerate(examples):
            attention_mask[row, : len(example["input_ids"])] = 1

        original = input_ids.clone() if self.keep_original else None
        generator = self._random_source(input_ids)
        masked = whole_word_mask(word_ids, self.mlm_probability, generator)
        if self.entity_probability > 0:
            masked |= entity_span_mask(entity_ids, self.entity_probability, generator)
        labels = torch.where(masked, input_ids, torch.full_like(input_ids, IGNORE_INDEX))
        draw = torch.rand(input_ids.shape, generator=generator)
        to_mask_token = masked & (draw < 0.8)
        to_random = masked & (draw >= 0.8) & (draw < 0.9)
        random_tokens = torch.randint(self.vocab_size, input_ids.shape, generator=generator)
        input_ids = torch.where(to_mask_token, torch.full_like(input_ids, self.mask_token_id), input_ids)
        input_ids = torch.where(to_random, random_tokens, input_ids)
        batch = {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
        if original is not None:
            batch["original_input_ids"] = original
        if self.knowledge_batch is not None:  # triples for the knowledge objective ride along
            batch.update(self.knowledge_batch(generator))
        if self.sentence_order:  # segment pairs of the same documents, unmasked
            batch.update(
                sentence_order_pairs(
                    examples, self.cls_token_id, self.sep_token_id, self.pad_token_id, generator
                )
            )
        return batch

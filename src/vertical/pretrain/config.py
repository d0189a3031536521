"""The pretrain stage's recipe section (``pretrain:``).

Re-exported by `vertical.recipe`, which composes the sections into a `Recipe`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from vertical.finetune.config import LoraConfig
from vertical.sections import NEUTRAL_DEFAULT, Section, existing_path


class ObjectiveWeights(Section):
    """Weights of the pretraining objectives; the loss is their weighted sum (0 leaves one out)."""

    mlm: float = Field(1.0, ge=0.0, description="masked LM (whole-word and entity masking)")
    contrastive: float = Field(
        0.0, ge=0.0, description="unsupervised SimCSE, NT-Xent between two dropout views"
    )

    knowledge: float = Field(
        0.0, ge=0.0, description="KEPLER-style TransE over the knowledge graph; needs a knowledge section"
    )
    sop: float = Field(0.0, ge=0.0, description="sentence-order prediction (ALBERT) on document halves")

    @model_validator(mode="after")
    def _something_to_learn(self) -> ObjectiveWeights:
        if max(self.mlm, self.contrastive, self.knowledge, self.sop) <= 0:
            raise ValueError("at least one objective needs a weight above 0")
        return self


class ScratchModelConfig(Section):
    """A small GPT-2 trained from scratch with the tokenizer stage's from-scratch BPE tokenizer."""

    layers: int = Field(4, ge=1, description="transformer blocks")
    heads: int = Field(4, ge=1, description="attention heads per block")
    hidden: int = Field(256, ge=8, description="width of the hidden states; a multiple of heads")
    context: int = Field(512, ge=8, description="longest sequence the model can read (position embeddings)")

    @model_validator(mode="after")
    def _heads_divide_hidden(self) -> ScratchModelConfig:
        if self.hidden % self.heads:
            raise ValueError(f"hidden ({self.hidden}) must be a multiple of heads ({self.heads})")
        return self


class PretrainConfig(Section):
    """The pretrain stage: continued masked-LM training of the base model on the domain corpus.

    A decoder base (GPT-2 family), or ``from_scratch``, is trained as a causal LM instead.
    """

    objectives: ObjectiveWeights = Field(
        default_factory=lambda: ObjectiveWeights(), description="the weight of each training objective"
    )
    temperature: float = Field(0.05, gt=0.0, description="temperature of the contrastive NT-Xent loss")
    margin: float = Field(1.0, gt=0.0, description="margin of the knowledge objective's TransE loss")
    triples_per_batch: int = Field(
        16, ge=1, description="knowledge-graph triples drawn for each training step"
    )
    mlm_probability: float = Field(0.15, gt=0.0, lt=1.0, description="share of words masked")
    entity_probability: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="share of entity mentions masked as wholes (ERNIE entity masking); 0 turns it off",
    )
    entities: str | None = Field(
        None,
        description="a text file of entity names, one per line, for entity masking; without it, "
        "the knowledge stage's mentions (spans.parquet) are masked",
    )
    steps: int = Field(500, ge=1, description="optimizer steps")
    batch_size: int = Field(32, ge=1, description="sequences per optimizer step (per process)")
    learning_rate: float = Field(1e-4, gt=0.0, description="learning rate of the encoder layers")
    vocabulary_learning_rate: float | None = Field(
        None,
        gt=0.0,
        description="learning rate of the word embeddings and the masked-LM head; default: learning_rate",
    )
    head_warmup_steps: int = Field(
        0,
        ge=0,
        json_schema_extra=NEUTRAL_DEFAULT,
        description="encoders: the first N steps train only the masked-LM head and the word embeddings "
        "(the encoder layers frozen), then everything; for a base with no trained MLM head "
        "(sentence encoders such as all-MiniLM), so a random head does not pull the encoder",
    )
    warmup_ratio: float = Field(
        0.06, ge=0.0, lt=1.0, description="share of the steps over which the learning rate warms up"
    )
    max_length: int = Field(128, ge=8, description="tokens per training sequence")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="auto uses bf16 autocast where the hardware runs it fast, else fp32"
    )
    save_steps: int = Field(
        100,
        ge=1,
        description="checkpoint every N steps; a killed run resumes from the last (not part of the "
        "fingerprint: it does not change the model)",
    )

    general_data: str | None = Field(
        None,
        description="general (non-domain) text: .txt (a document per line), .jsonl(.gz)/.csv/.parquet with "
        "a text field; for replay and the forgetting check",
    )
    replay_ratio: float = Field(
        0.0, ge=0.0, lt=1.0, description="share of training sequences drawn from general_data (replay)"
    )
    general_holdout: int = Field(
        200, ge=1, description="documents of general_data held out for the forgetting check, never trained on"
    )
    facts_ratio: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="share of training sequences drawn from the knowledge stage's facts written as sentences "
        "(knowledge as input; repeated as needed); 0: the facts are not trained on",
    )

    general_choices: list[str] = Field(
        default_factory=list,
        description="decoders: multiple-choice files (ARC-Easy, PIQA, HellaSwag shape: question, choices, "
        "answer) scored by length-normalised log-likelihood before and after: the forgetting check",
    )
    general_choices_limit: int = Field(100, ge=1, description="items of each general_choices file scored")
    lora: LoraConfig | None = Field(
        None, description="decoders: train LoRA adapters (merged on save) instead of every weight"
    )
    freeze_embeddings: bool = Field(
        False,
        json_schema_extra=NEUTRAL_DEFAULT,
        description="decoders: keep the token embedding matrix (and an output layer tied to it) as the "
        "base has it; a quarter less work per step on SmolLM2, whose 49k x 576 tied matrix every "
        "token's logits pass through, and new facts still go into the transformer layers",
    )

    from_scratch: ScratchModelConfig | None = Field(
        None,
        description="train a small GPT-2 from scratch (causal LM) instead of continuing the base model; "
        "needs tokenizer.from_scratch: bpe",
    )

    def encoder_only_settings(self) -> list[str]:
        """The settings of this section a decoder (causal-LM) model cannot use."""
        settings = [
            f"objectives.{name}"
            for name in ("contrastive", "knowledge", "sop")
            if getattr(self.objectives, name) > 0
        ]
        if self.entity_probability > 0:
            settings.append("entity_probability")
        if self.head_warmup_steps > 0:
            settings.append("head_warmup_steps")
        return settings

    _check_entities = field_validator("entities", "general_data")(
        lambda value, info: value if value is None else existing_path(value, info)
    )
    _check_choices = field_validator("general_choices")(
        lambda values, info: [existing_path(value, info) for value in values]
    )

    @field_validator("lora", mode="before")
    @classmethod
    def _lora_shorthand(cls, value: Any) -> Any:
        # `lora: true` means LoRA with the defaults; `lora: false` means none.
        if value is True:
            return {}
        return None if value is False else value

    @model_validator(mode="after")
    def _general_data_for_replay(self) -> PretrainConfig:
        if self.replay_ratio > 0 and self.general_data is None:
            raise ValueError("replay_ratio needs `general_data`: a file of general text to replay")
        return self

    @model_validator(mode="after")
    def _causal_from_scratch(self) -> PretrainConfig:
        if self.from_scratch is None:
            return self
        unusable = self.encoder_only_settings()
        if unusable:
            raise ValueError(
                f"from_scratch trains a decoder (causal LM), which cannot use {', '.join(unusable)}; "
                "remove it (those objectives are for encoder models)"
            )
        if self.max_length > self.from_scratch.context:
            raise ValueError(
                f"max_length ({self.max_length}) is longer than from_scratch.context "
                f"({self.from_scratch.context}); raise the context or lower max_length"
            )
        return self

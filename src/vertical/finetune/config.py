"""The finetune stage's recipe section: one entry of ``tasks:`` each.

Re-exported by `vertical.recipe`, which composes the sections into a `Recipe`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from vertical.sections import Section, existing_path, plain_name


class LoraConfig(Section):
    """Low-rank adapters (LoRA, Hu et al. 2021, via `peft`) instead of training every weight.

    The adapters are merged into the model before it is saved, so the saved task model is a plain
    transformers folder like any other.
    """

    rank: int = Field(8, ge=1, description="rank r of the update matrices")
    alpha: float = Field(16.0, gt=0.0, description="scaling: the update is multiplied by alpha / rank")
    dropout: float = Field(0.1, ge=0.0, lt=1.0, description="dropout on the adapter's input")
    target_modules: list[str] | None = Field(
        None,
        description="names of the linear layers to adapt; peft's default for the architecture when absent",
    )


class SearchSpace(Section):
    """The ranges a hyper-parameter search (``trials`` > 0) draws from, with optuna's TPE sampler."""

    learning_rate: tuple[float, float] = Field(
        (1e-5, 1e-4), description="lowest and highest learning rate, drawn on a log scale"
    )
    epochs: tuple[int, int] = Field((1, 5), description="fewest and most epochs (whole numbers)")
    batch_size: list[int] = Field([16, 32], min_length=1, description="batch sizes to choose from")

    @model_validator(mode="after")
    def _ordered_and_positive(self) -> SearchSpace:
        for name in ("learning_rate", "epochs"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"{name}: expected [low, high] with 0 < low <= high, got [{low}, {high}]")
        if min(self.batch_size) < 1:
            raise ValueError("batch_size: every choice must be at least 1")
        return self


class TaskConfig(Section):
    """One labelled task to fine-tune and evaluate."""

    name: str = Field(description="a plain name (letters, digits, _ . -): it names the task's folders")
    type: Literal["classification", "multilabel", "ner", "relation", "generation", "instruct"] = Field(
        "classification",
        description="classification: one label per text; multilabel: any number of labels per text; "
        "ner: entity spans (CoNLL/IOB or JSON Lines with character spans); relation: the relation "
        "between a head and a tail span of a text; generation: a response to a prompt (decoder models); "
        "instruct: chat conversations (alpaca, sharegpt, messages, question/answer JSON Lines) tuned "
        "with TRL's SFTTrainer on the chat template, scored by exact match and token F1 (decoder LLMs)",
    )
    data: str = Field(
        description="training examples: .csv, .jsonl or .parquet; for ner also CoNLL (.conll, .tsv, .iob)"
    )
    test: str | None = Field(
        None, description="test examples; when absent, test_fraction of data is held out"
    )
    text_column: str = Field("text", description="the column (JSON field) holding the text")
    label_column: str = Field("label", description="the column (JSON field) holding the label(s)")
    label_separator: str = Field(
        "|", min_length=1, description="multilabel: separates the labels of a text in a CSV/parquet cell"
    )
    entities_column: str = Field(
        "entities", description="ner JSON Lines: list of {start, end, label} character spans"
    )
    head_column: str = Field("head", description="relation: the head entity's {start, end} character span")
    tail_column: str = Field("tail", description="relation: the tail entity's {start, end} character span")
    negative_label: str | None = Field(
        None, description="relation: the 'no relation' label, left out of relation precision/recall/F1"
    )
    prompt_column: str = Field("prompt", description="generation: the prompt the model continues")
    response_column: str = Field(
        "response", description="generation: the response it learns to write (the loss is on it only)"
    )
    test_fraction: float = Field(
        0.2,
        gt=0.0,
        lt=1.0,
        description="share of data held out as test (by a hash of the text) without a test file",
    )
    epochs: float = Field(
        6.0, gt=0.0, description="training epochs (6 and 1e-4: measured on BANKING77, docs/results.md)"
    )
    batch_size: int = Field(32, ge=1, description="examples per step")
    learning_rate: float = Field(1e-4, gt=0.0, description="AdamW learning rate, decayed linearly")
    max_length: int = Field(128, ge=8, description="tokens per example")
    lora: LoraConfig | None = Field(None, description="train LoRA adapters instead of every weight")
    validation: str | None = Field(
        None,
        description="validation examples for early stopping and the search; when absent and one of "
        "them is on, validation_fraction of the training data is held out",
    )
    validation_fraction: float = Field(
        0.1, gt=0.0, lt=1.0, description="share of the training data held out as validation when needed"
    )
    class_weights: Literal["none", "balanced"] = Field(
        "none",
        description="balanced: weigh the loss of each class by n / (classes * count) (multilabel: "
        "each label's positives by negatives / positives; ner: each tag)",
    )
    early_stopping_patience: int | None = Field(
        None,
        ge=1,
        description="stop when the validation loss has not improved for this many epochs and restore "
        "the best epoch's weights; absent: train every epoch",
    )
    on_collapse: Literal["retry", "stop", "warn"] | None = Field(
        None,
        description="when the model predicts one class for more than 90% of the validation examples "
        "(which hold several; ner: tags no entity): retry once with twice the epochs and balanced "
        "class weights, stop with an error that says what to change, or warn; absent: retry when the "
        "task has a validation split, else warn (checked on the training examples without one)",
    )
    trials: int = Field(
        0, ge=0, description="optuna trials of a hyper-parameter search on the validation split; 0: none"
    )
    search: SearchSpace = Field(
        default_factory=lambda: SearchSpace(), description="the ranges the search draws from"
    )

    _plain_name = field_validator("name")(lambda value: plain_name(value))
    _check_paths = field_validator("data", "test", "validation")(
        lambda value, info: value if value is None else existing_path(value, info)
    )

    @property
    def for_decoders(self) -> bool:
        """Whether the task trains a decoder (generation, instruct) rather than an encoder."""
        return self.type in ("generation", "instruct")

    @property
    def needs_validation(self) -> bool:
        """Whether training uses a validation split (early stopping, the search, or a given file)."""
        return self.validation is not None or self.early_stopping_patience is not None or self.trials > 0

    @property
    def collapse_action(self) -> Literal["retry", "stop", "warn"]:
        """`on_collapse`, or its default: retry with a validation split, else warn."""
        if self.on_collapse is not None:
            return self.on_collapse
        return "retry" if self.needs_validation else "warn"

    @field_validator("lora", mode="before")
    @classmethod
    def _lora_shorthand(cls, value: Any) -> Any:
        # `lora: true` means LoRA with the defaults; `lora: false` means none.
        if value is True:
            return {}
        return None if value is False else value

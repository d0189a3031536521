"""The recipe: one YAML file that describes a whole vertical build, validated by pydantic.

A recipe can be ten lines; everything else has a visible default here. Every mistake (an unknown
key, a wrong type, a missing data file) is reported on one line that names the file, the line of
the YAML and the key, e.g. ``recipe.yaml:7: data.sources[0].path: file not found: news.jsonl``.
Relative paths are resolved against the recipe's own folder.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from vertical.errors import RecipeError, located
from vertical.retrieve.config import RetrieveConfig  # the retrieve stage's section lives beside its code

STAGES: tuple[str, ...] = (
    "data",
    "knowledge",
    "tokenizer",
    "pretrain",
    "retrieve",
    "finetune",
    "evaluate",
    "compress",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _existing_path(value: str, info: ValidationInfo) -> str:
    """Resolve `value` against the recipe's folder and check that it exists."""
    base_dir = Path((info.context or {}).get("base_dir", "."))
    path = Path(value).expanduser()
    resolved = path if path.is_absolute() else base_dir / path
    if not resolved.exists():
        raise ValueError(f"file not found: {value} (looked for {resolved.resolve()})")
    return str(resolved.resolve())


class DataSource(_Section):
    """One corpus file or folder of the data stage."""

    path: str = Field(description="a file, or a folder whose files of known formats are all read")
    format: Literal["auto", "txt", "jsonl", "csv", "parquet"] = Field(
        "auto", description="file format; auto decides by extension (.txt, .jsonl, .jsonl.gz, .csv, .parquet)"
    )
    text_field: str = Field(
        "text", description="the JSON field, CSV column or parquet column holding the text"
    )
    txt_unit: Literal["line", "file"] = Field("line", description="for .txt: a document per line or per file")

    _check_path = field_validator("path")(_existing_path)


class DataConfig(_Section):
    """The data stage: read, clean, filter, deduplicate, redact personal data, split the domain corpus."""

    sources: list[DataSource] = Field(min_length=1, description="the corpus files")
    min_chars: int = Field(20, ge=0, description="documents shorter than this (after cleaning) are dropped")
    max_chars: int = Field(1_000_000, ge=1, description="documents longer than this are dropped")
    html: bool = Field(True, description="turn documents that look like HTML into their visible text")
    boilerplate: bool = Field(True, description="remove lines repeated across many documents")
    boilerplate_min_share: float = Field(
        0.01, gt=0.0, le=1.0, description="a line is boilerplate when this share of sampled documents has it"
    )
    boilerplate_min_documents: int = Field(5, ge=2, description="... and at least this many of them")
    boilerplate_sample: int = Field(
        10_000, ge=10, description="documents per task sampled to find boilerplate"
    )
    max_symbol_share: float = Field(
        0.3, gt=0.0, le=1.0, description="documents with a larger share of symbol characters are dropped"
    )
    repetition: bool = Field(True, description="Gopher repetition filters on documents of 50 words or more")
    language: Literal["any", "en", "zh"] = Field("any", description="keep only documents in this script")
    dedup: Literal["exact", "near", "none"] = Field(
        "exact", description="exact: drop repeated normalised texts; near: also MinHash near-duplicates"
    )
    near_dedup_threshold: float = Field(
        0.8, ge=0.5, le=0.99, description="Jaccard similarity of word n-grams that makes a duplicate"
    )
    near_dedup_ngram: int = Field(
        5, ge=1, le=20, description="words per shingle (a Chinese character is a word)"
    )
    pii: Literal["redact", "drop", "report", "off"] = Field(
        "redact", description="personal data: replace by <TYPE>, drop the document, only count it, or skip"
    )
    pii_language: Literal["auto", "en", "zh"] = Field(
        "auto", description="which personal-data detectors run: English, Chinese or both"
    )
    leakage: bool = Field(True, description="drop documents that contain a test example of a task")
    leakage_threshold: float = Field(
        0.8, gt=0.0, le=1.0, description="share of an example's word n-grams a document must hold to leak it"
    )
    max_bad_fraction: float = Field(
        0.05, ge=0.0, le=1.0, description="fail when more than this share of records is unreadable"
    )
    validation_fraction: float = Field(0.05, ge=0.0, lt=1.0, description="share of documents held out")
    tasks: int = Field(1, ge=1, description="datatrove tasks: the files are shared out among them")
    workers: int = Field(1, ge=1, description="datatrove tasks run at the same time on this machine")

    @field_validator("sources", mode="before")
    @classmethod
    def _plain_paths(cls, value: Any) -> Any:
        # `sources: [a.jsonl, b.txt]` is shorthand for `[{path: a.jsonl}, {path: b.txt}]`.
        if isinstance(value, list):
            return [{"path": item} if isinstance(item, str) else item for item in value]
        return value


class KnowledgeSource(_Section):
    """One knowledge-graph file or folder of the knowledge stage."""

    path: str = Field(
        description="a file, or a folder whose graph files (.csv .nt .ttl .rdf ...) are all read"
    )
    format: Literal["auto", "csv", "tsv", "ntriples", "turtle", "rdfxml", "jsonl"] = Field(
        "auto", description="file format; auto decides by extension"
    )

    _check_path = field_validator("path")(_existing_path)


class KnowledgeConfig(_Section):
    """The knowledge stage: load the graph, build the entity table, link the corpus, verbalise the facts."""

    sources: list[KnowledgeSource] = Field(
        default_factory=list, description="graph files (CSV, RDF, JSON Lines)"
    )
    endpoint: str | None = Field(
        None, description="a remote SPARQL 1.1 query endpoint read instead of local sources"
    )
    namespace: str = Field(
        "http://vertical.local/kg/",
        pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$",
        description="plain names in CSV and JSON Lines become IRIs under this",
    )
    literal_predicates: list[str] = Field(
        default_factory=list, description="CSV/JSONL predicates whose objects are text, not entities"
    )
    alias_predicates: list[str] = Field(
        default_factory=list, description="predicates whose objects are further names of the subject"
    )
    link: bool = Field(True, description="find the entities' mentions in the data stage's corpus")
    link_language: Literal["auto", "en", "zh", "all"] = Field(
        "auto", description="names in which language the linker uses; auto follows the recipe's language"
    )
    prefer_types: list[str] = Field(
        default_factory=list, description="types, most preferred first, that decide ambiguous names"
    )
    min_name_length: int = Field(2, ge=1, description="shorter names are not linked")
    verbalise: bool = Field(True, description="write the facts as sentences: a knowledge corpus")
    verbalise_languages: list[Literal["en", "zh"]] | None = Field(
        None, description="languages of the knowledge corpus; default: the recipe's (mixed: both)"
    )
    templates: dict[str, dict[Literal["en", "zh"], str]] = Field(
        default_factory=dict, description="predicate -> language -> sentence with {subject} {object}"
    )
    timeout: float = Field(60.0, gt=0, description="seconds a request to the remote endpoint may take")

    @field_validator("sources", mode="before")
    @classmethod
    def _plain_paths(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"path": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("templates")
    @classmethod
    def _known_placeholders(cls, templates: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for predicate, by_language in templates.items():
            for language, template in by_language.items():
                try:
                    parsed = string.Formatter().parse(template)
                    fields = {name for _, name, _, _ in parsed if name is not None}
                except ValueError as error:
                    raise ValueError(f"{predicate}.{language}: {error}") from None
                unknown = fields - {"subject", "predicate", "object"}
                if unknown:
                    raise ValueError(
                        f"{predicate}.{language}: unknown placeholder {{{sorted(unknown)[0]}}}; "
                        "use {subject}, {predicate}, {object}"
                    )
        return templates


class TokenizerConfig(_Section):
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
    init: Literal["mean", "random"] = Field(
        "mean", description="new embedding rows: mean of the base pieces' rows, or random (to compare)"
    )
    from_scratch: Literal["wordpiece", "bpe"] | None = Field(
        None, description="also train a new tokenizer of this kind on the corpus (for training from scratch)"
    )
    scratch_vocab_size: int = Field(30522, ge=100, description="vocabulary of the from-scratch tokenizer")


class ObjectiveWeights(_Section):
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
    def _something_to_learn(self, info: ValidationInfo) -> ObjectiveWeights:
        if self.knowledge > 0 and not (info.context or {}).get("has_knowledge", True):
            raise ValueError("the knowledge objective needs a `knowledge` section in the recipe (the graph)")
        if max(self.mlm, self.contrastive, self.knowledge, self.sop) <= 0:
            raise ValueError("at least one objective needs a weight above 0")
        return self


class ScratchModelConfig(_Section):
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


class PretrainConfig(_Section):
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
    batch_size: int = Field(32, ge=1)
    learning_rate: float = Field(1e-4, gt=0.0, description="learning rate of the encoder layers")
    vocabulary_learning_rate: float | None = Field(
        None,
        gt=0.0,
        description="learning rate of the word embeddings and the masked-LM head; default: learning_rate",
    )
    warmup_ratio: float = Field(0.06, ge=0.0, lt=1.0)
    max_length: int = Field(128, ge=8, description="tokens per training sequence")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="auto uses bf16 autocast where the hardware runs it fast, else fp32"
    )
    save_steps: int = Field(
        100, ge=1, description="checkpoint every N steps; a killed run resumes from the last"
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
        return settings

    _check_entities = field_validator("entities", "general_data")(
        lambda value, info: value if value is None else _existing_path(value, info)
    )

    @model_validator(mode="after")
    def _graph_for_facts(self, info: ValidationInfo) -> PretrainConfig:
        if self.facts_ratio > 0 and not (info.context or {}).get("has_knowledge", True):
            raise ValueError("facts_ratio needs a `knowledge` section (its facts written as sentences)")
        return self

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

    @model_validator(mode="after")
    def _entities_for_entity_masking(self, info: ValidationInfo) -> PretrainConfig:
        linked = bool((info.context or {}).get("knowledge_links_corpus", True))  # no context: the Python API
        if self.entity_probability > 0 and self.entities is None and not linked:
            raise ValueError(
                "entity_probability needs `entities` (a file of entity names, one per line) "
                "or a `knowledge` section that links the corpus"
            )
        return self


class LoraConfig(_Section):
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


class SearchSpace(_Section):
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


class TaskConfig(_Section):
    """One labelled task to fine-tune and evaluate."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="a name usable as a folder name")
    type: Literal["classification", "multilabel", "ner", "relation", "generation"] = Field(
        "classification",
        description="classification: one label per text; multilabel: any number of labels per text; "
        "ner: entity spans (CoNLL/IOB or JSON Lines with character spans); relation: the relation "
        "between a head and a tail span of a text; generation: a response to a prompt (decoder models)",
    )
    data: str = Field(
        description="training examples: .csv, .jsonl or .parquet; for ner also CoNLL (.conll, .tsv, .iob)"
    )
    test: str | None = Field(
        None, description="test examples; when absent, test_fraction of data is held out"
    )
    text_column: str = "text"
    label_column: str = "label"
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
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    epochs: float = Field(3.0, gt=0.0)
    batch_size: int = Field(32, ge=1)
    learning_rate: float = Field(5e-5, gt=0.0)
    max_length: int = Field(128, ge=8)
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
    trials: int = Field(
        0, ge=0, description="optuna trials of a hyper-parameter search on the validation split; 0: none"
    )
    search: SearchSpace = Field(
        default_factory=lambda: SearchSpace(), description="the ranges the search draws from"
    )

    _check_paths = field_validator("data", "test", "validation")(
        lambda value, info: value if value is None else _existing_path(value, info)
    )

    @property
    def needs_validation(self) -> bool:
        """Whether training uses a validation split (early stopping, the search, or a given file)."""
        return self.validation is not None or self.early_stopping_patience is not None or self.trials > 0

    @field_validator("lora", mode="before")
    @classmethod
    def _lora_shorthand(cls, value: Any) -> Any:
        # `lora: true` means LoRA with the defaults; `lora: false` means none.
        if value is True:
            return {}
        return None if value is False else value


class EvaluateConfig(_Section):
    """The evaluate stage: every task scored for the general and the vertical model side by side."""

    compare_with: Literal["base_model"] = Field(
        "base_model", description="the general model each task is also fine-tuned from"
    )
    bootstrap_samples: int = Field(
        1000, ge=100, description="resamples of the test set for the interval and p-value of a difference"
    )
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="coverage of the bootstrap interval")
    calibration_bins: int = Field(
        10, ge=2, description="equal-width confidence bins of the calibration error"
    )


class DistillConfig(_Section):
    """Knowledge distillation of each classification task's model into a student with fewer layers.

    The student starts from the teacher's embeddings, head and an evenly spaced subset of its
    layers, and is trained on the task's training split with the loss
    ``alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * cross-entropy`` (Hinton et al. 2015).
    """

    layers: int = Field(3, ge=1, description="transformer layers of the student (fewer than the teacher's)")
    epochs: float = Field(3.0, gt=0.0, description="passes over the task's training split")
    temperature: float = Field(2.0, gt=0.0, description="softmax temperature T of the soft targets")
    alpha: float = Field(
        0.5, ge=0.0, le=1.0, description="weight of the soft-target term; 1 - alpha weighs the cross-entropy"
    )
    learning_rate: float = Field(1e-4, gt=0.0)
    batch_size: int = Field(32, ge=1)


class CompressConfig(_Section):
    """The compress stage: int8, ONNX and distilled forms of each classification task's vertical model."""

    quantize: Literal["int8", "none"] = Field(
        "int8", description="int8: dynamic int8 quantisation of linear layers (PyTorch, and ONNX when onnx)"
    )
    onnx: bool = Field(True, description="export to ONNX and run it with onnxruntime")
    latency_calls: int = Field(50, ge=1, description="single-text calls timed for the batch-1 latency")
    throughput_batches: int = Field(8, ge=1, description="batches of 32 timed for the throughput")
    distill: DistillConfig | None = Field(
        None, description="distil each task's model into a smaller student; absent: no student"
    )

    @field_validator("distill", mode="before")
    @classmethod
    def _distill_shorthand(cls, value: Any) -> Any:
        # `distill: true` means distillation with the defaults; `distill: false` means none.
        if value is True:
            return {}
        return None if value is False else value


# Recipe sections a variant of an ablation may change; the rest (name, seed, tasks, evaluate) is fixed
# so that every variant is scored the same way.
ABLATABLE_SECTIONS = ("base_model", "data", "knowledge", "tokenizer", "pretrain")


class AblationConfig(_Section):
    """Variants of the build, each over several seeds, to show what each part is worth (`vertical ablate`)."""

    variants: dict[str, dict[str, Any]] = Field(
        min_length=1,
        description="name -> changes to the recipe, e.g. {pretrain: {entity_probability: 0.0}}; {} is the "
        "recipe as it is",
    )
    seeds: list[int] = Field([0, 1, 2], min_length=1, description="every variant is built once per seed")
    tasks: list[str] | None = Field(None, description="the tasks to fine-tune and score; absent: all")

    @field_validator("variants")
    @classmethod
    def _known_sections(cls, variants: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, changes in variants.items():
            if not name or not all(c.isalnum() or c in "_.-" for c in name):
                raise ValueError(f"variant name {name!r}: use letters, digits, '_', '.', '-' (a folder name)")
            if not isinstance(changes, dict):
                raise ValueError(f"{name}: a variant is a mapping of recipe sections to changes, or {{}}")
            for section in changes:
                if section not in ABLATABLE_SECTIONS:
                    raise ValueError(
                        f"{name}.{section}: a variant may change {', '.join(ABLATABLE_SECTIONS)}"
                    )
        return variants

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds):
            raise ValueError("seeds must be distinct")
        return seeds


class Recipe(_Section):
    """A whole vertical build."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="names the run folder runs/<name>")
    language: Literal["en", "zh", "mixed"] = "en"
    base_model: str = Field("builtin:minilm", description="builtin:minilm, a local folder, or a hub id")
    seed: int = 0
    data: DataConfig
    knowledge: KnowledgeConfig | None = Field(None, description="the knowledge stage; absent: no graph")
    tokenizer: TokenizerConfig = TokenizerConfig()
    pretrain: PretrainConfig = PretrainConfig()
    tasks: list[TaskConfig] = Field(default_factory=list)
    evaluate: EvaluateConfig = EvaluateConfig()
    compress: CompressConfig | None = Field(None, description="absent: no compress stage")
    retrieve: RetrieveConfig | None = Field(
        None, description="the passage index for grounded answers; absent: no retrieve stage"
    )
    ablation: AblationConfig | None = Field(
        None, description="variants for `vertical ablate`; `run` ignores it"
    )

    @field_validator("pretrain")
    @classmethod
    def _scratch_tokenizer(cls, pretrain: PretrainConfig, info: ValidationInfo) -> PretrainConfig:
        tokenizer = info.data.get("tokenizer")
        if pretrain.from_scratch is not None and tokenizer is not None and tokenizer.from_scratch != "bpe":
            raise ValueError(
                "from_scratch needs a from-scratch BPE tokenizer: add `tokenizer: {from_scratch: bpe}`"
            )
        return pretrain

    @field_validator("tasks")
    @classmethod
    def _unique_task_names(cls, tasks: list[TaskConfig]) -> list[TaskConfig]:
        names = [task.name for task in tasks]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"task names must be unique; repeated: {', '.join(duplicates)}")
        return tasks

    @field_validator("knowledge")
    @classmethod
    def _some_graph(cls, knowledge: KnowledgeConfig | None) -> KnowledgeConfig | None:
        if knowledge is not None and not knowledge.sources and knowledge.endpoint is None:
            raise ValueError("needs sources (graph files) or an endpoint (a SPARQL server)")
        if knowledge is not None and knowledge.sources and knowledge.endpoint is not None:
            raise ValueError("give sources (loaded into the local store) or an endpoint, not both")
        return knowledge

    @field_validator("base_model")
    @classmethod
    def _local_base_model(cls, value: str, info: ValidationInfo) -> str:
        # A relative folder that exists beside the recipe is taken as a local model.
        base_dir = Path((info.context or {}).get("base_dir", "."))
        candidate = base_dir / value
        if not value.startswith("builtin:") and not Path(value).is_absolute() and candidate.is_dir():
            return str(candidate.resolve())
        return value

    @field_validator("ablation")
    @classmethod
    def _ablation_tasks(cls, ablation: AblationConfig | None, info: ValidationInfo) -> AblationConfig | None:
        if ablation is not None and ablation.tasks is not None and "tasks" in info.data:
            names = {task.name for task in info.data["tasks"]}
            unknown = [name for name in ablation.tasks if name not in names]
            if unknown:
                raise ValueError(
                    f"tasks: no task named {', '.join(unknown)} (tasks: {', '.join(sorted(names))})"
                )
        return ablation


def _line_marks(node: yaml.Node, path: tuple = (), marks: dict | None = None) -> dict[tuple, int]:
    """Map each key path of a composed YAML document to its 1-based line number."""
    marks = {} if marks is None else marks
    marks[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            _line_marks(value_node, key_path, marks)
            marks[key_path] = key_node.start_mark.line + 1  # the key's own line, not its value's
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_marks(item, path + (index,), marks)
    return marks


def _dotted(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    return message


def _read_recipe_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    """The recipe file's mapping and the line of each key path."""
    if not path.is_file():
        raise RecipeError(f"{path}: recipe file not found")
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise RecipeError(
            located(path, mark.line + 1 if mark else None, f"invalid YAML: {problem}")
        ) from None
    if not isinstance(data, dict):
        raise RecipeError(located(path, 1, "a recipe is a YAML mapping of keys (name, data, tasks, ...)"))
    return data, (_line_marks(root) if root is not None else {})


def _validate(
    data: dict[str, Any], path: Path, marks: dict[tuple, int], where: tuple = (), label: str = ""
) -> Recipe:
    """Validate a recipe mapping; an error names the file, the line and the key (`where` prefixes the
    key path of a variant's changes, `label` the variant)."""
    try:
        knowledge = data.get("knowledge")
        links = isinstance(knowledge, dict) and knowledge.get("link", True) is not False
        return Recipe.model_validate(
            data,
            context={
                "base_dir": path.parent,
                "knowledge_links_corpus": links,
                "has_knowledge": bool(knowledge),
            },
        )
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first["loc"])
        candidates = [where + loc[:n] for n in range(len(loc), 0, -1)] + [
            where[:n] for n in range(len(where), -1, -1)
        ]
        line = next((marks[c] for c in candidates if c in marks), None)
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        key = _dotted(loc) or "recipe"
        raise RecipeError(located(path, line, f"{label}{key}: {_describe(first)}{more}")) from None


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` laid over it, mapping by mapping (a change to a list replaces the list)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe file (its ablation variants too).

    Raises:
        RecipeError: one line naming the file, the line and the key of the first problem.
    """
    path = Path(path)
    data, marks = _read_recipe_yaml(path)
    recipe = _validate(data, path, marks)
    if recipe.ablation is not None:
        _variants(data, recipe.ablation, path, marks)
    return recipe


def _variants(
    data: dict[str, Any], ablation: AblationConfig, path: Path, marks: dict[tuple, int]
) -> dict[str, Recipe]:
    without = {key: value for key, value in data.items() if key not in ("ablation", "compress")}
    return {
        name: _validate(
            _merged(without, changes),
            path,
            marks,
            ("ablation", "variants", name),
            f"ablation.variants.{name}: ",
        )
        for name, changes in ablation.variants.items()
    }


def load_ablation(path: str | Path) -> tuple[Recipe, dict[str, Recipe]]:
    """The recipe and one recipe per ablation variant (its changes laid over the recipe; no compress).

    Raises:
        RecipeError: the recipe is invalid, has no `ablation` section, or a variant's changes are invalid.
    """
    path = Path(path)
    data, marks = _read_recipe_yaml(path)
    recipe = _validate(data, path, marks)
    if recipe.ablation is None:
        raise RecipeError(
            f"{path}: no `ablation` section; add one, e.g. ablation: {{variants: {{plain: {{pretrain: "
            f"{{entity_probability: 0.0}}}}, recipe: {{}}}}, seeds: [0, 1, 2]}}"
        )
    return recipe, _variants(data, recipe.ablation, path, marks)

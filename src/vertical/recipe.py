"""The recipe: one YAML file that describes a whole vertical build, validated by pydantic.

A recipe can be ten lines; everything else has a visible default here. Every mistake (an unknown
key, a wrong type, a missing data file) is reported on one line that names the file, the line of
the YAML and the key, e.g. ``recipe.yaml:7: data.sources[0].path: file not found: news.jsonl``.
Relative paths are resolved against the recipe's own folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from vertical.errors import RecipeError, located

STAGES: tuple[str, ...] = ("data", "tokenizer", "pretrain", "finetune", "evaluate", "compress")


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
    """The data stage: read, normalise, filter, deduplicate and split the domain corpus."""

    sources: list[DataSource] = Field(min_length=1, description="the corpus files")
    min_chars: int = Field(20, ge=0, description="documents shorter than this (after cleaning) are dropped")
    dedup: Literal["exact", "none"] = Field(
        "exact", description="drop documents whose normalised text repeats"
    )
    validation_fraction: float = Field(0.05, ge=0.0, lt=1.0, description="share of documents held out")

    @field_validator("sources", mode="before")
    @classmethod
    def _plain_paths(cls, value: Any) -> Any:
        # `sources: [a.jsonl, b.txt]` is shorthand for `[{path: a.jsonl}, {path: b.txt}]`.
        if isinstance(value, list):
            return [{"path": item} if isinstance(item, str) else item for item in value]
        return value


class TokenizerConfig(_Section):
    """The tokenizer stage: frequent domain words the base tokenizer splits become tokens of their own."""

    extend: bool = Field(False, description="mine domain terms and add them to the base tokenizer")
    max_new_tokens: int = Field(2000, ge=1, description="at most this many new tokens")
    min_frequency: int = Field(20, ge=1, description="a term must occur this often in the corpus")
    min_pieces: int = Field(2, ge=2, description="a term must be split into at least this many pieces")


class PretrainConfig(_Section):
    """The pretrain stage: continued masked-LM training of the base model on the domain corpus."""

    objective: Literal["mlm"] = Field("mlm", description="masked language modelling")
    mlm_probability: float = Field(0.15, gt=0.0, lt=1.0, description="share of tokens masked")
    steps: int = Field(500, ge=1, description="optimizer steps")
    batch_size: int = Field(32, ge=1)
    learning_rate: float = Field(1e-4, gt=0.0)
    warmup_ratio: float = Field(0.06, ge=0.0, lt=1.0)
    max_length: int = Field(128, ge=8, description="tokens per training sequence")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="auto uses bf16 autocast where the hardware runs it fast, else fp32"
    )
    save_steps: int = Field(
        100, ge=1, description="checkpoint every N steps; a killed run resumes from the last"
    )


class TaskConfig(_Section):
    """One labelled task to fine-tune and evaluate."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="a name usable as a folder name")
    type: Literal["classification"] = "classification"
    data: str = Field(description="training examples: .csv or .jsonl with a text and a label column")
    test: str | None = Field(
        None, description="test examples; when absent, test_fraction of data is held out"
    )
    text_column: str = "text"
    label_column: str = "label"
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    epochs: float = Field(3.0, gt=0.0)
    batch_size: int = Field(32, ge=1)
    learning_rate: float = Field(5e-5, gt=0.0)
    max_length: int = Field(128, ge=8)

    _check_paths = field_validator("data", "test")(
        lambda value, info: value if value is None else _existing_path(value, info)
    )


class EvaluateConfig(_Section):
    """The evaluate stage: every task scored for the general and the vertical model side by side."""

    compare_with: Literal["base_model"] = Field(
        "base_model", description="the general model each task is also fine-tuned from"
    )


class CompressConfig(_Section):
    """The compress stage: int8 and ONNX forms of each task's vertical model, measured against it."""

    quantize: Literal["int8", "none"] = Field(
        "int8", description="int8: dynamic int8 quantisation of linear layers (PyTorch, and ONNX when onnx)"
    )
    onnx: bool = Field(True, description="export to ONNX and run it with onnxruntime")
    latency_calls: int = Field(50, ge=1, description="single-text calls timed for the batch-1 latency")
    throughput_batches: int = Field(8, ge=1, description="batches of 32 timed for the throughput")


class Recipe(_Section):
    """A whole vertical build."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="names the run folder runs/<name>")
    language: Literal["en", "zh", "mixed"] = "en"
    base_model: str = Field("builtin:minilm", description="builtin:minilm, a local folder, or a hub id")
    seed: int = 0
    data: DataConfig
    tokenizer: TokenizerConfig = TokenizerConfig()
    pretrain: PretrainConfig = PretrainConfig()
    tasks: list[TaskConfig] = Field(default_factory=list)
    evaluate: EvaluateConfig = EvaluateConfig()
    compress: CompressConfig | None = Field(None, description="absent: no compress stage")

    @field_validator("tasks")
    @classmethod
    def _unique_task_names(cls, tasks: list[TaskConfig]) -> list[TaskConfig]:
        names = [task.name for task in tasks]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"task names must be unique; repeated: {', '.join(duplicates)}")
        return tasks

    @field_validator("base_model")
    @classmethod
    def _local_base_model(cls, value: str, info: ValidationInfo) -> str:
        # A relative folder that exists beside the recipe is taken as a local model.
        base_dir = Path((info.context or {}).get("base_dir", "."))
        candidate = base_dir / value
        if not value.startswith("builtin:") and not Path(value).is_absolute() and candidate.is_dir():
            return str(candidate.resolve())
        return value


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


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe file.

    Raises:
        RecipeError: one line naming the file, the line and the key of the first problem.
    """
    path = Path(path)
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
    marks = _line_marks(root) if root is not None else {}
    try:
        return Recipe.model_validate(data, context={"base_dir": path.parent})
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first["loc"])
        line = next((marks[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in marks), None)
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        key = _dotted(loc) or "recipe"
        raise RecipeError(located(path, line, f"{key}: {_describe(first)}{more}")) from None

"""The recipe: one YAML file that describes a whole vertical build, validated by pydantic.

A recipe can be ten lines; everything else has a visible default here. Every mistake (an unknown
key, a wrong type, a missing data file) is reported on one line that names the file, the line of
the YAML and the key, e.g. ``recipe.yaml:7: data.sources[0].path: file not found: news.jsonl``.
Relative paths are resolved against the recipe's own folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from vertical.compress.config import CompressConfig, DistillConfig
from vertical.data.config import DataConfig, DataSource
from vertical.errors import RecipeError, located
from vertical.evaluate.config import EvaluateConfig
from vertical.finetune.config import LoraConfig, SearchSpace, TaskConfig
from vertical.knowledge.config import KnowledgeConfig, KnowledgeSource
from vertical.overrides import apply_overrides, override_for
from vertical.pretrain.config import ObjectiveWeights, PretrainConfig, ScratchModelConfig
from vertical.retrieve.config import RetrieveConfig
from vertical.sections import Section as _Section
from vertical.sections import plain_name
from vertical.tokenizer.config import TokenizerConfig
from vertical.tracking import TrackingConfig

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

__all__ = [  # the stage sections live next to their code; importing them from here keeps working
    "AblationConfig",
    "CompressConfig",
    "DataConfig",
    "DataSource",
    "DistillConfig",
    "EvaluateConfig",
    "KnowledgeConfig",
    "KnowledgeSource",
    "LoraConfig",
    "ObjectiveWeights",
    "PretrainConfig",
    "Recipe",
    "RetrieveConfig",
    "ScratchModelConfig",
    "SearchSpace",
    "TaskConfig",
    "TokenizerConfig",
    "load_ablation",
    "load_recipe",
]


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
            try:
                plain_name(name)
            except ValueError as error:
                raise ValueError(f"variant name {error}") from None
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

    name: str = Field(description="names the run folder runs/<name>: a plain name (letters, digits, _ . -)")
    language: Literal["en", "zh", "mixed"] = Field(
        "en", description="en, zh or mixed: the corpus's language, for linking, verbalising and masking"
    )
    base_model: str = Field(
        "builtin:minilm",
        description="builtin:minilm (all-MiniLM-L6-v2, checksum-verified), a local folder written by "
        "save_pretrained, or a hub id (from the local cache; offline, pass a folder)",
    )
    seed: int = Field(0, description="seed of every random choice: masking, batching, head initialisation")
    data: DataConfig = Field(description="the data stage: the domain corpus")
    knowledge: KnowledgeConfig | None = Field(None, description="the knowledge stage; absent: no graph")
    tokenizer: TokenizerConfig = Field(TokenizerConfig(), description="the tokenizer stage")
    pretrain: PretrainConfig = Field(PretrainConfig(), description="the pretrain stage")
    tasks: list[TaskConfig] = Field(
        default_factory=list, description="the labelled tasks to fine-tune and score"
    )
    evaluate: EvaluateConfig = Field(EvaluateConfig(), description="the evaluate stage")
    compress: CompressConfig | None = Field(None, description="absent: no compress stage")
    retrieve: RetrieveConfig | None = Field(
        None, description="the passage index for grounded answers; absent: no retrieve stage"
    )
    ablation: AblationConfig | None = Field(
        None, description="variants for `vertical ablate`; `run` ignores it"
    )
    tracking: TrackingConfig = Field(
        default_factory=TrackingConfig, description="where training curves go (vertical.tracking)"
    )

    _plain_name = field_validator("name")(lambda value: plain_name(value))

    @field_validator("pretrain")
    @classmethod
    def _scratch_tokenizer(cls, pretrain: PretrainConfig, info: ValidationInfo) -> PretrainConfig:
        tokenizer = info.data.get("tokenizer")
        if pretrain.from_scratch is not None and tokenizer is not None and tokenizer.from_scratch != "bpe":
            raise ValueError(
                "from_scratch needs a from-scratch BPE tokenizer: add `tokenizer: {from_scratch: bpe}`"
            )
        return pretrain

    @field_validator("tokenizer")
    @classmethod
    def _graph_for_facts_init(cls, tokenizer: TokenizerConfig, info: ValidationInfo) -> TokenizerConfig:
        if tokenizer.init == "facts" and info.data.get("knowledge", True) is None:
            raise ValueError("init: facts needs a `knowledge` section (the facts new tokens start from)")
        return tokenizer

    @field_validator("pretrain")
    @classmethod
    def _graph_for_pretraining(cls, pretrain: PretrainConfig, info: ValidationInfo) -> PretrainConfig:
        # A check across sections lives here, so that Recipe.model_validate enforces it as load_recipe does.
        if "knowledge" not in info.data:  # the knowledge section is invalid: its own error says why
            return pretrain
        knowledge = info.data["knowledge"]
        if knowledge is None and pretrain.objectives.knowledge > 0:
            raise ValueError("objectives.knowledge needs a `knowledge` section in the recipe (the graph)")
        if knowledge is None and pretrain.facts_ratio > 0:
            raise ValueError("facts_ratio needs a `knowledge` section (its facts written as sentences)")
        linked = knowledge is not None and knowledge.link
        if pretrain.entity_probability > 0 and pretrain.entities is None and not linked:
            raise ValueError(
                "entity_probability needs `entities` (a file of entity names, one per line) "
                "or a `knowledge` section that links the corpus"
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
    from vertical.decoding import read_utf8

    def first_duplicate(node: yaml.Node, where: tuple = ()) -> tuple[tuple, int, int] | None:
        # YAML lets a later key silently replace an earlier one (steps: 2, then steps: 3): refuse it
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if (
                    isinstance(key_node, yaml.ScalarNode)
                    and key_node.value in seen
                    and key_node.tag != "tag:yaml.org,2002:merge"
                ):
                    return (*where, key_node.value), seen[key_node.value], line
                seen.setdefault(str(key_node.value), line)
                found = first_duplicate(value_node, (*where, key_node.value))
                if found:
                    return found
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                found = first_duplicate(item, (*where, index))
                if found:
                    return found
        return None

    if not path.is_file():
        raise RecipeError(f"{path}: recipe file not found")
    text = read_utf8(path, RecipeError)
    if not text.strip():
        raise RecipeError(
            f"{path}: the recipe file is empty; a recipe is a YAML mapping (name, data, tasks, ...)"
        )
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise RecipeError(
            located(path, mark.line + 1 if mark else None, f"invalid YAML: {problem}")
        ) from None
    duplicate = first_duplicate(root) if root is not None else None
    if duplicate is not None:
        key, first_line, second_line = duplicate
        raise RecipeError(
            located(
                path,
                second_line,
                f"{_dotted(key)}: duplicate key (first on line {first_line}, again on line {second_line}); "
                "keep one",
            )
        )
    if not isinstance(data, dict):
        raise RecipeError(located(path, 1, "a recipe is a YAML mapping of keys (name, data, tasks, ...)"))
    return data, (_line_marks(root) if root is not None else {})


def _validate(
    data: dict[str, Any],
    path: Path,
    marks: dict[tuple, int],
    where: tuple = (),
    label: str = "",
    overrides: dict[tuple, str] | None = None,
) -> Recipe:
    """Validate a recipe mapping; an error names the file, the line and the key (`where` prefixes the
    key path of a variant's changes, `label` the variant), or the `--set` override behind it."""
    try:
        return Recipe.model_validate(data, context={"base_dir": path.parent})
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
        override = override_for(where + loc, overrides or {})
        if override is not None:
            raise RecipeError(f"--set {override}: {key}: {_describe(first)}{more}") from None
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


def load_recipe(path: str | Path, overrides: Sequence[str] = ()) -> Recipe:
    """Read and validate a recipe file (its ablation variants too); `overrides` (``key.path=value``,
    see `vertical.overrides`) are laid over the file's keys first.

    Raises:
        RecipeError: one line naming the file, the line and the key of the first problem.
    """
    path = Path(path)
    data, marks = _read_recipe_yaml(path)
    data, applied = apply_overrides(data, overrides)
    recipe = _validate(data, path, marks, overrides=applied)
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

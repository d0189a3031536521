"""The whole build: the recipe's stages in order, each skipped when it is up to date.

This is the only place that reads the whole recipe; each stage gets its own section and plain
paths. ``run_recipe(recipe, runs_dir, from_stage="pretrain")`` re-runs pretrain and what follows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vertical.errors import RecipeError
from vertical.finetune.config import TaskConfig
from vertical.hashing import hash_config
from vertical.io import atomic_write_text
from vertical.models import is_decoder, resolve_base_model
from vertical.recipe import STAGES, Recipe
from vertical.run import RunDirectory, Stage, StageReport, read_manifest

if TYPE_CHECKING:
    from vertical.data.leakage import EvaluationExample

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What a build did: its folder and a report per stage."""

    run_dir: Path
    stages: list[StageReport]

    @property
    def report_html(self) -> Path:
        return self.run_dir / "report.html"


def evaluation_examples(recipe: Recipe, tasks: list[TaskConfig] | None = None) -> list[EvaluationExample]:
    """The test examples of every task (its test file, or the held-out share of its data), for the
    data stage's leakage check; none when the check is off. `tasks`: these instead of the recipe's."""
    from vertical.data.leakage import EvaluationExample
    from vertical.finetune.examples import read_examples, split_examples

    if not recipe.data.leakage:
        return []
    examples = []
    for task in recipe.tasks if tasks is None else tasks:
        if task.type == "generation":  # a prompt leaks with its response
            from vertical.finetune.generation import read_generation_examples

            pairs = read_generation_examples(
                Path(task.test or task.data), task.prompt_column, task.response_column
            )
            test = pairs if task.test else split_examples(pairs, task.test_fraction)[1]
            examples += [
                EvaluationExample(task.name, i, f"{pair.prompt} {pair.response}")
                for i, pair in enumerate(test)
            ]
            continue
        if task.test:
            test = read_examples(Path(task.test), task.text_column, task.label_column)
        else:
            data = read_examples(Path(task.data), task.text_column, task.label_column)
            test = split_examples(data, task.test_fraction)[1]
        examples += [EvaluationExample(task.name, i, example.text) for i, example in enumerate(test)]
    return examples


def data_stage(recipe: Recipe, held_out_tasks: list[TaskConfig] | None = None) -> Stage:
    """The data stage of `recipe`: sources in, curated corpus out (`vertical data prepare` runs it alone).

    `held_out_tasks`: the tasks whose test examples are kept out of the corpus, when not the recipe's own.
    """
    from vertical.data import prepare_corpus

    held_out = evaluation_examples(recipe, held_out_tasks)
    return Stage(
        "data",
        {**recipe.data.model_dump(), "leakage_examples": hash_config([(e.task, e.text) for e in held_out])},
        {f"source{i}": Path(s.path) for i, s in enumerate(recipe.data.sources)},
        lambda out, work: prepare_corpus(recipe.data, out, work, held_out),
    )


def _knowledge_stage(recipe: Recipe, data_dir: Path) -> Stage:
    from vertical.knowledge import build_knowledge

    knowledge = recipe.knowledge
    assert knowledge is not None
    inputs = {f"source{i}": Path(s.path) for i, s in enumerate(knowledge.sources)}
    if knowledge.link:
        inputs["data"] = data_dir
    return Stage(
        "knowledge",
        {"knowledge": knowledge.model_dump(), "language": recipe.language},
        inputs,
        lambda out, work: build_knowledge(knowledge, recipe.language, data_dir, out),
    )


def retrieval_encoders(recipe: Recipe, run: RunDirectory, base, decoder: bool) -> tuple[Path, Path | None]:
    """The retrieve stage's encoder and the general one it is compared with (None: no comparison).

    The recipe's ``retrieve.encoder`` when given; else the run's vertical encoder (pretrain/model)
    against the base when the run trains an encoder; else builtin:minilm for a decoder run.
    """
    cfg = recipe.retrieve
    assert cfg is not None
    if cfg.encoder is not None:
        return resolve_base_model(cfg.encoder).path, None
    if not decoder:
        return run.stage_dir("pretrain") / "model", base.path if cfg.compare_general else None
    return resolve_base_model("builtin:minilm").path, None


def _retrieve_stage(recipe: Recipe, run: RunDirectory, base, decoder: bool) -> Stage:
    from vertical.retrieve import build_retrieval_index

    cfg = recipe.retrieve
    assert cfg is not None
    encoder, general = retrieval_encoders(recipe, run, base, decoder)
    inputs = {"data": run.stage_dir("data"), "encoder": encoder}
    if general is not None:
        inputs["general_encoder"] = general
    previous = run.stage_dir("retrieve")  # read before the new folder replaces it: incremental
    return Stage(
        "retrieve",
        {"retrieve": cfg.model_dump()},
        inputs,
        lambda out, work: build_retrieval_index(cfg, run.stage_dir("data"), encoder, out, general, previous),
    )


def plan_stages(
    recipe: Recipe, run: RunDirectory, processes: int = 1, held_out_tasks: list[TaskConfig] | None = None
) -> list[Stage]:
    """The recipe's stages, with their configs, inputs and work, in order.

    `processes` > 1 runs pretraining on that many local processes (DDP through torchrun).
    `held_out_tasks`: the tasks whose test examples the data stage keeps out, when not the recipe's own
    (an ablation scores some of the tasks but curates the corpus as the full recipe does).
    """
    from vertical.evaluate import compare_variants
    from vertical.finetune import finetune_tasks
    from vertical.pretrain import continue_pretraining
    from vertical.tokenizer import build_tokenizer

    base = resolve_base_model(recipe.base_model)
    base_is_decoder = is_decoder(base.path)
    decoder = recipe.pretrain.from_scratch is not None or base_is_decoder
    _check_task_types(recipe, decoder)
    data_dir, pretrain_dir = run.stage_dir("data"), run.stage_dir("pretrain")
    finetune_dir = run.stage_dir("finetune")
    stages = [data_stage(recipe, held_out_tasks)]
    if recipe.knowledge is not None:
        stages.append(_knowledge_stage(recipe, data_dir))
    pretrain_inputs = {"data": data_dir, "base_model": base.path}
    if recipe.pretrain.general_data:
        pretrain_inputs["general_data"] = Path(recipe.pretrain.general_data)
    knowledge_dir = None
    if recipe.pretrain.entities:
        pretrain_inputs["entities"] = Path(recipe.pretrain.entities)
    masks_linked_mentions = recipe.pretrain.entity_probability > 0 and not recipe.pretrain.entities
    uses_knowledge = recipe.pretrain.objectives.knowledge > 0 or recipe.pretrain.facts_ratio > 0
    if recipe.knowledge is not None and (masks_linked_mentions or uses_knowledge):
        knowledge_dir = run.stage_dir("knowledge")  # its mentions, its graph, its facts as sentences
        pretrain_inputs["knowledge"] = knowledge_dir
    tokenizer_dir = None
    if recipe.tokenizer.extend or recipe.tokenizer.from_scratch:
        if recipe.tokenizer.extend or recipe.pretrain.from_scratch is not None:
            tokenizer_dir = run.stage_dir("tokenizer")  # the extended or the from-scratch tokenizer
            pretrain_inputs["tokenizer"] = tokenizer_dir
        tokenizer_inputs = {"data": data_dir, "base_model": base.path}
        labels_dir = None  # the knowledge stage's entity labels are mining candidates
        if recipe.knowledge is not None and recipe.tokenizer.entity_labels:
            labels_dir = tokenizer_inputs["knowledge"] = run.stage_dir("knowledge")
        stages.append(
            Stage(
                "tokenizer",
                {"tokenizer": recipe.tokenizer.model_dump(), "base_model": recipe.base_model},
                tokenizer_inputs,
                lambda out, work: build_tokenizer(recipe.tokenizer, base, data_dir, out, labels_dir),
            )
        )
    pretrain_config = {
        "pretrain": recipe.pretrain.model_dump(),
        "base_model": recipe.base_model,
        "seed": recipe.seed,
    }
    if processes > 1:  # the global batch grows with the processes, so the result differs
        pretrain_config["processes"] = processes

    def pretrain(out: Path, work: Path):
        if processes > 1:
            from vertical.pretrain.distributed import pretrain_in_processes

            return pretrain_in_processes(
                processes,
                recipe.pretrain,
                base,
                data_dir,
                out,
                work,
                recipe.seed,
                tokenizer_dir,
                knowledge_dir,
            )
        return continue_pretraining(
            recipe.pretrain, base, data_dir, out, work, recipe.seed, tokenizer_dir, knowledge_dir
        )

    stages.append(Stage("pretrain", pretrain_config, pretrain_inputs, pretrain))
    if recipe.retrieve is not None:
        stages.append(_retrieve_stage(recipe, run, base, decoder))
    if not recipe.tasks:
        return stages
    task_files = {
        f"{t.name}.{kind}": Path(path)
        for t in recipe.tasks
        for kind, path in (("data", t.data), ("test", t.test), ("validation", t.validation))
        if path
    }
    # The general model each task also starts from: the base, or for a from-scratch decoder with
    # no general decoder to compare with, the same architecture untrained.
    general_model, general_name = base.path, recipe.base_model
    if recipe.pretrain.from_scratch is not None and not base_is_decoder:
        general_model, general_name = (
            pretrain_dir / "untrained",
            "untrained GPT-2 (same size, random weights)",
        )
    stages.append(
        Stage(
            "finetune",
            {
                "tasks": [t.model_dump() for t in recipe.tasks],
                "seed": recipe.seed,
                "precision": recipe.pretrain.precision,
            },
            {"pretrain": pretrain_dir, "base_model": base.path, **task_files},
            lambda out, work: finetune_tasks(
                recipe.tasks,
                general_model,
                pretrain_dir / "model",
                out,
                work,
                recipe.seed,
                recipe.pretrain.precision,
                general_name,
            ),
        )
    )

    def evaluate(out: Path, work: Path):
        earlier = {
            name: (read_manifest(run.stage_dir(name)) or {}).get("metrics", {})
            for name in ("data", "knowledge", "tokenizer", "pretrain")
        }
        output = compare_variants(
            recipe.evaluate,
            [t.name for t in recipe.tasks],
            finetune_dir,
            out,
            f"{recipe.name}: vertical vs general",
            earlier,
            recipe.seed,
        )
        if qa_tasks:  # closed-book against grounded answers, recall@k of the two encoders
            from vertical.evaluate.grounded_qa import add_grounding

            return add_grounding(output, qa_tasks, run.root, out, recipe.evaluate)
        return output

    qa_tasks = [t for t in recipe.tasks if t.type == "generation"] if recipe.retrieve is not None else []
    evaluate_config = {**recipe.evaluate.model_dump(), "seed": recipe.seed}
    evaluate_inputs = {"finetune": finetune_dir}
    if qa_tasks:
        evaluate_inputs["retrieve"] = run.stage_dir("retrieve")
    stages.append(Stage("evaluate", evaluate_config, evaluate_inputs, evaluate))
    classifiers = [task for task in recipe.tasks if task.type != "generation"]
    if recipe.compress is not None and classifiers:
        from vertical.compress.stage import compress_tasks

        compress_cfg = recipe.compress
        stages.append(
            Stage(
                "compress",
                {
                    "compress": compress_cfg.model_dump(),
                    "tasks": [t.model_dump() for t in classifiers],
                    "seed": recipe.seed,
                },
                {"finetune": finetune_dir, **task_files},
                lambda out, work: compress_tasks(compress_cfg, classifiers, finetune_dir, out, recipe.seed),
            )
        )
    return stages


def _check_task_types(recipe: Recipe, decoder: bool) -> None:
    """A generation task needs a decoder run, every other task type an encoder one."""
    for task in recipe.tasks:
        if task.type == "generation" and not decoder:
            raise RecipeError(
                f"tasks: {task.name} is a generation task, which needs a decoder model: a GPT-2 family "
                f"base_model or pretrain.from_scratch; {recipe.base_model} is an encoder"
            )
        if task.type != "generation" and decoder:
            raise RecipeError(
                f"tasks: {task.name} is a {task.type} task, which needs an encoder (BERT family) model; "
                "this recipe trains a decoder: use type: generation"
            )


def run_recipe(
    recipe: Recipe,
    runs_dir: Path,
    from_stage: str | None = None,
    processes: int = 1,
    held_out_tasks: list[TaskConfig] | None = None,
) -> RunResult:
    """Run every stage of `recipe` under ``runs_dir/<name>``, re-running from `from_stage` on.

    `processes` > 1 pretrains on that many local processes (DDP through torchrun); `held_out_tasks`
    as in `plan_stages`.
    """
    if from_stage is not None and from_stage not in STAGES:
        raise RecipeError(f"--from {from_stage}: unknown stage; stages are {', '.join(STAGES)}")
    run = RunDirectory(Path(runs_dir) / recipe.name)
    stages = plan_stages(recipe, run, processes, held_out_tasks)
    names = [stage.name for stage in stages]
    if from_stage is not None and from_stage not in names:
        raise RecipeError(
            f"--from {from_stage}: this recipe has no {from_stage} stage (it has {', '.join(names)})"
        )
    force = False
    reports = []
    for stage in stages:
        force = force or stage.name == from_stage
        log.info("stage %s", stage.name)
        report = run.run_stage(stage, force=force)
        log.info(
            "stage %s %s",
            stage.name,
            "up to date, skipped" if report.skipped else f"done in {report.wall_time_s}s",
        )
        reports.append(report)
        force = force or not report.skipped  # a stage that ran changes what the next ones read
    evaluate_report = run.stage_dir("evaluate") / "report.html"
    if evaluate_report.is_file():
        atomic_write_text(run.root / "report.html", evaluate_report.read_text(encoding="utf-8"))
    return RunResult(run.root, reports)

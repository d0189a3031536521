"""The whole build: the recipe's stages in order, each skipped when it is up to date.

The runner knows no stage by name: it builds the stage graph from the declarations each stage
sub-package exports (`DECLARATIONS`, see `vertical.stages`), plans the stages the recipe has,
checks everything a user can get wrong before any stage runs (task types, task data, the run
folder), and runs each planned stage unless its fingerprint is unchanged.
``run_recipe(recipe, runs_dir, from_stage="pretrain")`` re-runs pretrain and what follows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from vertical import progress
from vertical.compress.declaration import DECLARATION as COMPRESS
from vertical.data.declaration import DECLARATION as DATA
from vertical.data.declaration import evaluation_examples
from vertical.errors import RecipeError
from vertical.evaluate.declaration import DECLARATION as EVALUATE
from vertical.finetune.config import TaskConfig
from vertical.finetune.declaration import DECLARATION as FINETUNE
from vertical.io import atomic_write_text
from vertical.knowledge.declaration import DECLARATION as KNOWLEDGE
from vertical.models import is_decoder, resolve_base_model
from vertical.pretrain.declaration import DECLARATION as PRETRAIN
from vertical.recipe import STAGES, Recipe
from vertical.retrieve.declaration import DECLARATION as RETRIEVE
from vertical.run import RunDirectory, Stage, StageReport, run_folder
from vertical.stages import BuildContext, StageDeclaration
from vertical.tokenizer.declaration import DECLARATION as TOKENIZER
from vertical.tracking import tracking_session

__all__ = [
    "DECLARATIONS",
    "RunResult",
    "collect_data_stage",
    "data_stage",
    "evaluation_examples",
    "plan_stages",
    "run_recipe",
]

log = logging.getLogger(__name__)

# Every stage, in an order in which each comes after the stages it may read.
DECLARATIONS: tuple[StageDeclaration, ...] = (
    DATA,
    KNOWLEDGE,
    TOKENIZER,
    PRETRAIN,
    RETRIEVE,
    FINETUNE,
    EVALUATE,
    COMPRESS,
)


@dataclass(frozen=True)
class RunResult:
    """What a build did: its folder and a report per stage."""

    run_dir: Path
    stages: list[StageReport]

    @property
    def report_html(self) -> Path:
        return self.run_dir / "report.html"


def stage_graph() -> dict[str, tuple[str, ...]]:
    """Each stage and the earlier stages it may read, as the declarations say (docs/architecture.md)."""
    graph: dict[str, tuple[str, ...]] = {}
    for declaration in DECLARATIONS:
        unknown = [name for name in declaration.may_read if name not in graph]
        if unknown:  # a declaration reads a later (or no) stage: a programming error
            raise RuntimeError(f"stage {declaration.name} reads {', '.join(unknown)}: not before it")
        graph[declaration.name] = declaration.may_read
    return graph


def _stage(declaration: StageDeclaration, context: BuildContext) -> Stage:
    reads = tuple(name for name in declaration.reads(context.recipe) if name in context.planned)
    assert set(reads) <= set(declaration.may_read), (declaration.name, reads)
    return Stage(
        declaration.name,
        declaration.config(context),
        declaration.files(context),
        lambda out, work: declaration.entry(context, out, work),
        reads,
    )


def build_context(
    recipe: Recipe, run_root: Path, processes: int = 1, held_out_tasks: list[TaskConfig] | None = None
) -> BuildContext:
    """The context every stage of `recipe` gets: its base model and the stages it has."""
    stage_graph()  # the declarations are consistent
    planned = tuple(d.name for d in DECLARATIONS if d.wanted(recipe))
    base = resolve_base_model(recipe.base_model)
    return BuildContext(recipe, base, Path(run_root), planned, processes, held_out_tasks)


def plan_stages(
    recipe: Recipe, run: RunDirectory, processes: int = 1, held_out_tasks: list[TaskConfig] | None = None
) -> list[Stage]:
    """The recipe's stages, with their configs, inputs and work, in order.

    `processes` > 1 runs pretraining on that many local processes (DDP through torchrun).
    `held_out_tasks`: the tasks whose test examples the data stage keeps out, when not the recipe's own
    (an ablation scores some of the tasks but curates the corpus as the full recipe does).
    """
    context = build_context(recipe, run.root, processes, held_out_tasks)
    decoder = recipe.pretrain.from_scratch is not None or is_decoder(context.base.path)
    _check_task_types(recipe, decoder)
    if recipe.tasks and recipe.evaluate.compare_with != "base_model":
        general = resolve_base_model(recipe.evaluate.compare_with)
        if is_decoder(general.path) != decoder:
            kinds = ("an encoder", "a decoder")
            raise RecipeError(
                f"evaluate.compare_with: {recipe.evaluate.compare_with} is {kinds[is_decoder(general.path)]} "
                f"model; this run trains {kinds[decoder]}: compare with a model of the same kind"
            )
    return [_stage(d, context) for d in DECLARATIONS if d.name in context.planned]


def data_stage(recipe: Recipe, held_out_tasks: list[TaskConfig] | None = None) -> Stage:
    """The data stage of `recipe`: sources in, curated corpus out (`vertical data prepare` runs it alone)."""
    return _stage(DATA, BuildContext(recipe, None, Path(recipe.name), ("data",), 1, held_out_tasks))


def collect_data_stage(recipe: Recipe, work_dir: Path, runs_dir: Path) -> StageReport:
    """Gather a data stage that ran elsewhere (Slurm or Ray executors over `build_pipelines` into
    `work_dir`) into ``runs_dir/<name>/data``, with the manifest `vertical run` writes, so that the next
    `vertical run` of `recipe` takes the data stage as up to date (docs/data.md)."""
    from vertical.data.prepare import collect_results

    run = RunDirectory(run_folder(runs_dir, recipe.name))
    stage = data_stage(recipe)
    collected = replace(stage, execute=lambda output_dir, _: collect_results(Path(work_dir), output_dir))
    return run.run_stage(collected, force=True)


def _check_task_types(recipe: Recipe, decoder: bool) -> None:
    """A generation task needs a decoder run, every other task type an encoder one."""
    for task in recipe.tasks:
        if task.for_decoders and not decoder:
            raise RecipeError(
                f"tasks: {task.name} is a {task.type} task, which needs a decoder model: a causal-LM "
                f"base_model or pretrain.from_scratch; {recipe.base_model} is an encoder"
            )
        if not task.for_decoders and decoder:
            raise RecipeError(
                f"tasks: {task.name} is a {task.type} task, which needs an encoder (BERT family) model; "
                "this recipe trains a decoder: use type: generation or instruct"
            )


def check_task_data(tasks: list[TaskConfig]) -> None:
    """Read every task's files and check them (columns, labels, empty files) before any stage runs.

    Raises:
        DataError: one line naming the file, the line and the problem, as the finetune stage would,
            but before hours of pretraining rather than after.
    """
    from vertical.finetune.task_data import load_task_data, split_validation

    for task in tasks:
        train, _, _ = load_task_data(task)
        split_validation(task, train)


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
    run = RunDirectory(run_folder(runs_dir, recipe.name))
    stages = plan_stages(recipe, run, processes, held_out_tasks)
    names = [stage.name for stage in stages]
    if from_stage is not None and from_stage not in names:
        raise RecipeError(
            f"--from {from_stage}: this recipe has no {from_stage} stage (it has {', '.join(names)})"
        )
    check_task_data(recipe.tasks)
    run.record_plan(names)
    force = False
    reports = []
    with tracking_session(recipe.tracking, run.root):
        for index, stage in enumerate(stages, start=1):
            force = force or stage.name == from_stage
            log.info("stage %s", stage.name)
            progress.stage_started(index, len(stages), stage.name)
            report = run.run_stage(stage, force=force)
            progress.stage_finished(stage.name, report.skipped, report.wall_time_s)
            log.info(
                "stage %s %s",
                stage.name,
                "up to date, skipped" if report.skipped else f"done in {report.wall_time_s}s",
            )
            reports.append(report)
    evaluate_report = run.stage_dir("evaluate") / "report.html"
    if "evaluate" in names and evaluate_report.is_file():
        atomic_write_text(run.root / "report.html", evaluate_report.read_text(encoding="utf-8"))
    return RunResult(run.root, reports)

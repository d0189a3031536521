"""The whole build: the recipe's stages in order, each skipped when it is up to date.

This is the only place that reads the whole recipe; each stage gets its own section and plain
paths. ``run_recipe(recipe, runs_dir, from_stage="pretrain")`` re-runs pretrain and what follows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from vertical.errors import RecipeError
from vertical.io import atomic_write_text
from vertical.models import resolve_base_model
from vertical.recipe import STAGES, Recipe
from vertical.run import RunDirectory, Stage, StageReport, read_manifest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What a build did: its folder and a report per stage."""

    run_dir: Path
    stages: list[StageReport]

    @property
    def report_html(self) -> Path:
        return self.run_dir / "report.html"


def plan_stages(recipe: Recipe, run: RunDirectory) -> list[Stage]:
    """The recipe's stages, with their configs, inputs and work, in order."""
    from vertical.data import prepare_corpus
    from vertical.evaluate import compare_variants
    from vertical.finetune import finetune_tasks
    from vertical.pretrain import continue_pretraining
    from vertical.tokenizer import build_tokenizer

    base = resolve_base_model(recipe.base_model)
    data_dir, pretrain_dir = run.stage_dir("data"), run.stage_dir("pretrain")
    finetune_dir = run.stage_dir("finetune")
    stages = [
        Stage(
            "data",
            recipe.data.model_dump(),
            {f"source{i}": Path(s.path) for i, s in enumerate(recipe.data.sources)},
            lambda out, work: prepare_corpus(recipe.data, out),
        ),
    ]
    pretrain_inputs = {"data": data_dir, "base_model": base.path}
    tokenizer_dir = None
    if recipe.tokenizer.extend:
        tokenizer_dir = run.stage_dir("tokenizer")
        pretrain_inputs["tokenizer"] = tokenizer_dir
        stages.append(
            Stage(
                "tokenizer",
                {"tokenizer": recipe.tokenizer.model_dump(), "base_model": recipe.base_model},
                {"data": data_dir, "base_model": base.path},
                lambda out, work: build_tokenizer(recipe.tokenizer, base, data_dir, out),
            )
        )
    stages.append(
        Stage(
            "pretrain",
            {"pretrain": recipe.pretrain.model_dump(), "base_model": recipe.base_model, "seed": recipe.seed},
            pretrain_inputs,
            lambda out, work: continue_pretraining(
                recipe.pretrain, base, data_dir, out, work, recipe.seed, tokenizer_dir
            ),
        )
    )
    if not recipe.tasks:
        return stages
    task_files = {
        f"{t.name}.{kind}": Path(path)
        for t in recipe.tasks
        for kind, path in (("data", t.data), ("test", t.test))
        if path
    }
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
                base.path,
                pretrain_dir / "model",
                out,
                work,
                recipe.seed,
                recipe.pretrain.precision,
            ),
        )
    )

    def evaluate(out: Path, work: Path):
        earlier = {
            name: (read_manifest(run.stage_dir(name)) or {}).get("metrics", {})
            for name in ("data", "tokenizer", "pretrain")
        }
        return compare_variants(
            [t.name for t in recipe.tasks], finetune_dir, out, f"{recipe.name}: vertical vs general", earlier
        )

    stages.append(Stage("evaluate", recipe.evaluate.model_dump(), {"finetune": finetune_dir}, evaluate))
    if recipe.compress is not None:
        from vertical.compress.stage import compress_tasks

        compress_cfg = recipe.compress
        stages.append(
            Stage(
                "compress",
                {"compress": compress_cfg.model_dump(), "tasks": [t.model_dump() for t in recipe.tasks]},
                {"finetune": finetune_dir, **task_files},
                lambda out, work: compress_tasks(compress_cfg, recipe.tasks, finetune_dir, out),
            )
        )
    return stages


def run_recipe(recipe: Recipe, runs_dir: Path, from_stage: str | None = None) -> RunResult:
    """Run every stage of `recipe` under ``runs_dir/<name>``, re-running from `from_stage` on."""
    if from_stage is not None and from_stage not in STAGES:
        raise RecipeError(f"--from {from_stage}: unknown stage; stages are {', '.join(STAGES)}")
    run = RunDirectory(Path(runs_dir) / recipe.name)
    stages = plan_stages(recipe, run)
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

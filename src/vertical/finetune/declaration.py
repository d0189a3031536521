"""The finetune stage's declaration: the vertical and general models and task files in, task models out."""

from __future__ import annotations

from pathlib import Path

from vertical.sections import result_dump
from vertical.stages import BuildContext, StageDeclaration


def general_model(context: BuildContext) -> tuple[Path, str]:
    """The general model each task is also fine-tuned from, and its name in the report.

    ``evaluate.compare_with``: the recipe's base model, or another model. For a from-scratch decoder
    with no general decoder to compare with, the same architecture untrained.
    """
    from vertical.models import is_decoder, resolve_base_model

    recipe = context.recipe
    if recipe.evaluate.compare_with != "base_model":
        return resolve_base_model(recipe.evaluate.compare_with).path, recipe.evaluate.compare_with
    if recipe.pretrain.from_scratch is not None and not is_decoder(context.base.path):
        return context.needs("pretrain") / "untrained", "untrained GPT-2 (same size, random weights)"
    return context.base.path, recipe.base_model


def task_files(context: BuildContext, tasks=None) -> dict[str, Path]:
    """Each task's data, test and validation files, named ``<task>.<kind>``."""
    return {
        f"{t.name}.{kind}": Path(path)
        for t in (context.recipe.tasks if tasks is None else tasks)
        for kind, path in (("data", t.data), ("test", t.test), ("validation", t.validation))
        if path
    }


def _files(context: BuildContext) -> dict:
    files: dict = {"base_model": context.base.path, **task_files(context)}
    if context.recipe.evaluate.compare_with != "base_model":
        files["general_model"] = general_model(context)[0]
    return files


def _entry(context: BuildContext, output_dir: Path, work_dir: Path):
    from vertical.finetune import finetune_tasks

    recipe = context.recipe
    model, name = general_model(context)
    return finetune_tasks(
        recipe.tasks,
        model,
        context.needs("pretrain") / "model",
        output_dir,
        work_dir,
        recipe.seed,
        recipe.pretrain.precision,
        name,
    )


DECLARATION = StageDeclaration(
    name="finetune",
    may_read=("pretrain",),
    wanted=lambda recipe: bool(recipe.tasks),
    reads=lambda recipe: ("pretrain",),
    config=lambda context: {
        "tasks": [result_dump(t) for t in context.recipe.tasks],
        "seed": context.recipe.seed,
        "precision": context.recipe.pretrain.precision,
        "compare_with": context.recipe.evaluate.compare_with,
    },
    files=_files,
    entry=_entry,
)

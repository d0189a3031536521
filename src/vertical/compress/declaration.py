"""The compress stage's declaration: each classification task's vertical model in, int8/ONNX/student out."""

from __future__ import annotations

from pathlib import Path

from vertical.sections import result_dump
from vertical.stages import BuildContext, StageDeclaration


def _classifiers(recipe) -> list:
    return [task for task in recipe.tasks if not task.for_decoders]


def _files(context: BuildContext) -> dict:
    from vertical.finetune.declaration import task_files

    return task_files(context, _classifiers(context.recipe))


def _entry(context: BuildContext, output_dir: Path, work_dir: Path):
    from vertical.compress.stage import compress_tasks

    recipe = context.recipe
    return compress_tasks(
        recipe.compress, _classifiers(recipe), context.needs("finetune"), output_dir, recipe.seed
    )


DECLARATION = StageDeclaration(
    name="compress",
    may_read=("finetune",),
    wanted=lambda recipe: recipe.compress is not None and bool(_classifiers(recipe)),
    reads=lambda recipe: ("finetune",),
    config=lambda context: {
        "compress": result_dump(context.recipe.compress),
        "tasks": [result_dump(t) for t in _classifiers(context.recipe)],
        "seed": context.recipe.seed,
    },
    files=_files,
    entry=_entry,
)

"""The evaluate stage's declaration: the task models' predictions and earlier figures in, a report out."""

from __future__ import annotations

from pathlib import Path

from vertical.sections import result_dump
from vertical.stages import BuildContext, StageDeclaration

# Earlier stages whose figures the report shows, when the recipe has them.
REPORTED = ("data", "knowledge", "tokenizer", "pretrain")


def _entry(context: BuildContext, output_dir: Path, work_dir: Path):
    from vertical.evaluate import compare_variants
    from vertical.run import read_manifest

    recipe = context.recipe
    earlier = {  # a stage the recipe dropped is not read, even if its old folder is still there
        name: (read_manifest(folder) or {}).get("metrics", {})
        for name in REPORTED
        if (folder := context.stage_dir(name)) is not None
    }
    output = compare_variants(
        recipe.evaluate,
        [t.name for t in recipe.tasks],
        context.needs("finetune"),
        output_dir,
        f"{recipe.name}: vertical vs general",
        earlier,
        recipe.seed,
    )
    qa_tasks = grounded_tasks(recipe)
    if qa_tasks and context.stage_dir("retrieve") is not None:  # closed-book against grounded answers
        from vertical.evaluate.grounded_qa import add_grounding

        return add_grounding(output, qa_tasks, context.run_root, output_dir, recipe.evaluate)
    return output


def grounded_tasks(recipe) -> list:
    """The question-answering tasks answered closed-book and with retrieval (a run with `retrieve:`)."""
    if recipe.retrieve is None:
        return []
    return [t for t in recipe.tasks if t.type in ("generation", "instruct")]


def _reads(recipe) -> tuple[str, ...]:
    reads = (*REPORTED, "finetune")  # the runner keeps those the recipe has
    return (*reads, "retrieve") if grounded_tasks(recipe) else reads


DECLARATION = StageDeclaration(
    name="evaluate",
    may_read=(*REPORTED, "retrieve", "finetune"),
    wanted=lambda recipe: bool(recipe.tasks),
    reads=_reads,
    config=lambda context: {**result_dump(context.recipe.evaluate), "seed": context.recipe.seed},
    entry=_entry,
)

"""The knowledge stage's declaration: graph files (or an endpoint) and the corpus in, graph and links out."""

from __future__ import annotations

from pathlib import Path

from vertical.stages import BuildContext, StageDeclaration, without


def _reads(recipe) -> tuple[str, ...]:
    return ("data",) if recipe.knowledge is not None and recipe.knowledge.link else ()


def _config(context: BuildContext) -> dict:
    # the timeout of a remote endpoint decides how long we wait, not what the graph is
    return {"knowledge": without(context.recipe.knowledge, "timeout"), "language": context.recipe.language}


def _files(context: BuildContext) -> dict:
    from vertical.knowledge.loaders import source_files

    knowledge = context.recipe.knowledge
    return {
        "sources": [
            file for source in knowledge.sources for file, _ in source_files(Path(source.path), source.format)
        ]
    }


def _entry(context: BuildContext, output_dir: Path, work_dir: Path):
    from vertical.knowledge import build_knowledge

    recipe = context.recipe
    data_dir = context.stage_dir("data") if recipe.knowledge.link else None
    return build_knowledge(recipe.knowledge, recipe.language, data_dir, output_dir)


DECLARATION = StageDeclaration(
    name="knowledge",
    may_read=("data",),
    wanted=lambda recipe: recipe.knowledge is not None,
    reads=_reads,
    config=_config,
    files=_files,
    entry=_entry,
)

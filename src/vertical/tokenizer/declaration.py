"""The tokenizer stage's declaration: the corpus, the base tokenizer and entity labels in, a tokenizer out."""

from __future__ import annotations

from pathlib import Path

from vertical.sections import result_dump
from vertical.stages import BuildContext, StageDeclaration


def _reads(recipe) -> tuple[str, ...]:
    cfg = recipe.tokenizer
    uses_graph = cfg.entity_labels or cfg.init == "facts"  # its labels, its facts as sentences
    return ("data", "knowledge") if recipe.knowledge is not None and uses_graph else ("data",)


def _entry(context: BuildContext, output_dir: Path, work_dir: Path):
    from vertical.tokenizer import build_tokenizer

    labels_dir = context.stage_dir("knowledge") if "knowledge" in _reads(context.recipe) else None
    return build_tokenizer(
        context.recipe.tokenizer, context.base, context.needs("data"), output_dir, labels_dir
    )


DECLARATION = StageDeclaration(
    name="tokenizer",
    may_read=("data", "knowledge"),
    wanted=lambda recipe: recipe.tokenizer.extend or recipe.tokenizer.from_scratch is not None,
    reads=_reads,
    config=lambda context: {
        "tokenizer": result_dump(context.recipe.tokenizer),
        "base_model": context.recipe.base_model,
    },
    files=lambda context: {"base_model": context.base.path},
    entry=_entry,
)

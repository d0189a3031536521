"""The pretrain stage's declaration: the corpus (and tokenizer, graph, general text) in, a model out."""

from __future__ import annotations

from pathlib import Path

from vertical.stages import BuildContext, StageDeclaration, without


def _reads(recipe) -> tuple[str, ...]:
    cfg = recipe.pretrain
    reads = ["data"]
    masks_linked_mentions = cfg.entity_probability > 0 and not cfg.entities
    uses_graph = cfg.objectives.knowledge > 0 or cfg.facts_ratio > 0
    if recipe.knowledge is not None and (masks_linked_mentions or uses_graph):
        reads.append("knowledge")  # its mentions, its graph, its facts as sentences
    if recipe.tokenizer.extend or (recipe.tokenizer.from_scratch and cfg.from_scratch is not None):
        reads.append("tokenizer")  # the extended or the from-scratch tokenizer
    return tuple(reads)


def _config(context: BuildContext) -> dict:
    recipe = context.recipe
    # save_steps only says how often a checkpoint is written to resume from: the model is the same
    config = {
        "pretrain": without(recipe.pretrain, "save_steps"),
        "base_model": recipe.base_model,
        "seed": recipe.seed,
    }
    if context.processes > 1:  # the global batch grows with the processes, so the result differs
        config["processes"] = context.processes
    return config


def _files(context: BuildContext) -> dict:
    cfg = context.recipe.pretrain
    files: dict = {"base_model": context.base.path}
    if cfg.general_data:
        files["general_data"] = Path(cfg.general_data)
    if cfg.entities:
        files["entities"] = Path(cfg.entities)
    for i, path in enumerate(cfg.general_choices):  # the forgetting check's multiple-choice sets
        files[f"general_choices{i}"] = Path(path)
    return files


def _entry(context: BuildContext, output_dir: Path, work_dir: Path):
    recipe, reads = context.recipe, _reads(context.recipe)
    tokenizer_dir = context.needs("tokenizer") if "tokenizer" in reads else None
    knowledge_dir = context.needs("knowledge") if "knowledge" in reads else None
    arguments = (recipe.pretrain, context.base, context.needs("data"), output_dir, work_dir, recipe.seed)
    if context.processes > 1:
        from vertical.pretrain.distributed import pretrain_in_processes

        return pretrain_in_processes(context.processes, *arguments, tokenizer_dir, knowledge_dir)
    from vertical.pretrain import continue_pretraining

    return continue_pretraining(*arguments, tokenizer_dir, knowledge_dir)


DECLARATION = StageDeclaration(
    name="pretrain",
    may_read=("data", "knowledge", "tokenizer"),
    wanted=lambda recipe: True,
    reads=_reads,
    config=_config,
    files=_files,
    entry=_entry,
)

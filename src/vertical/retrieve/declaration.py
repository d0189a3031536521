"""The retrieve stage's declaration: the curated corpus and an encoder in, a passage index out.

The encoder is the recipe's ``retrieve.encoder`` when given; else the run's vertical encoder
(``pretrain/model``) compared with the base, when the run trains an encoder; else builtin:minilm
for a decoder run. With ``retrieve.adapt`` that encoder is first fine-tuned on the corpus (and the
knowledge stage's entity names, when the recipe has one) and compared with itself before
adaptation, for a run with no vertical encoder of its own. The previous build's index is reused
for documents whose text and encoder are unchanged (`vertical.retrieve.build`).
"""

from __future__ import annotations

from pathlib import Path

from vertical.stages import BuildContext, StageDeclaration, without


def _trains_a_decoder(context: BuildContext) -> bool:
    from vertical.models import is_decoder

    return context.recipe.pretrain.from_scratch is not None or is_decoder(context.base.path)


def retrieval_encoders(context: BuildContext) -> tuple[Path, Path | None]:
    """The stage's encoder and the general one it is compared with (None: no comparison)."""
    from vertical.models import resolve_base_model

    cfg = context.recipe.retrieve
    if cfg.encoder is None and not _trains_a_decoder(context):
        return context.needs("pretrain") / "model", context.base.path if cfg.compare_general else None
    encoder = resolve_base_model(cfg.encoder or "builtin:minilm").path
    # adapted, the encoder is compared with itself as it was; unadapted, there is nothing to compare
    return encoder, encoder if cfg.adapt is not None and cfg.compare_general else None


def _renames_entities(recipe) -> bool:
    cfg = recipe.retrieve
    return cfg.adapt is not None and cfg.adapt.rename_probability > 0 and recipe.knowledge is not None


def _reads(recipe) -> tuple[str, ...]:
    # pretrain is read for the vertical encoder; a decoder run's index re-runs with it too (harmless)
    return ("data", "knowledge", "pretrain") if _renames_entities(recipe) else ("data", "pretrain")


def _config(context: BuildContext) -> dict:
    # batch_size only says how many passages go through the encoder at once
    config: dict = {"retrieve": without(context.recipe.retrieve, "batch_size")}
    if context.recipe.retrieve.adapt is not None:
        config["seed"] = context.recipe.seed  # the adaptation's draws
    return config


def _renamer(context: BuildContext):
    """The knowledge stage's entity names for the adaptation's spans, or None."""
    if not _renames_entities(context.recipe):
        return None
    from vertical.knowledge.names import to_iri
    from vertical.retrieve.facts import load_linker
    from vertical.retrieve.renaming import EntityRenamer

    knowledge = context.recipe.knowledge
    linker = load_linker(
        context.needs("knowledge"),
        [to_iri(t, knowledge.namespace) for t in knowledge.prefer_types],
        knowledge.min_name_length,
    )
    return None if linker is None else EntityRenamer(linker, context.recipe.retrieve.adapt.rename_probability)


def _files(context: BuildContext) -> dict:
    encoder, general = retrieval_encoders(context)
    files = {}
    if context.stage_dir("pretrain") is None or not Path(encoder).is_relative_to(context.needs("pretrain")):
        files["encoder"] = encoder  # the vertical encoder is the pretrain stage's output, hashed as such
    if general is not None:
        files["general_encoder"] = general
    return files


def _entry(context: BuildContext, output_dir: Path, work_dir: Path):
    from vertical.retrieve import build_retrieval_index

    encoder, general = retrieval_encoders(context)
    previous = context.run_root / "retrieve"  # the last build's folder, still in place: incremental
    return build_retrieval_index(
        context.recipe.retrieve,
        context.needs("data"),
        encoder,
        output_dir,
        general,
        previous if previous.is_dir() else None,
        _renamer(context),
        context.recipe.seed,
    )


DECLARATION = StageDeclaration(
    name="retrieve",
    may_read=("data", "knowledge", "pretrain"),
    wanted=lambda recipe: recipe.retrieve is not None,
    reads=_reads,
    config=_config,
    files=_files,
    entry=_entry,
)

"""The retrieve stage's declaration: the curated corpus and an encoder in, a passage index out.

The encoder is the recipe's ``retrieve.encoder`` when given; else the run's vertical encoder
(``pretrain/model``) compared with the base, when the run trains an encoder; else builtin:minilm
for a decoder run. The previous build's index is reused for documents whose text and encoder
are unchanged (`vertical.retrieve.build`).
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
    if cfg.encoder is not None:
        return resolve_base_model(cfg.encoder).path, None
    if not _trains_a_decoder(context):
        return context.needs("pretrain") / "model", context.base.path if cfg.compare_general else None
    return resolve_base_model("builtin:minilm").path, None


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
    )


DECLARATION = StageDeclaration(
    name="retrieve",
    may_read=("data", "pretrain"),
    wanted=lambda recipe: recipe.retrieve is not None,
    # pretrain is read for the vertical encoder; a decoder run's index re-runs with it too (harmless)
    reads=lambda recipe: ("data", "pretrain"),
    # batch_size only says how many passages go through the encoder at once
    config=lambda context: {"retrieve": without(context.recipe.retrieve, "batch_size")},
    files=_files,
    entry=_entry,
)

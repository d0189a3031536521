"""The pretrain stage for decoders (GPT-2 family): causal-LM training on the curated corpus.

`continue_pretraining` hands a run here when the base model is a decoder or the recipe asks for
``pretrain.from_scratch``. Two ways in:

* continued pretraining of the base decoder (its tokenizer, or the tokenizer stage's extended
  one, new rows initialised from their pieces);
* from scratch: a small GPT-2 (``from_scratch: {layers, heads, hidden, context}``) with the
  tokenizer stage's from-scratch BPE tokenizer. The untrained model is saved too, under
  ``untrained/``: it is the baseline the finetune stage compares with when there is no general
  decoder to start from.

Documents are packed into blocks of ``max_length`` tokens (`vertical.pretrain.packing`). The
loop is the masked-LM stage's own: the Hugging Face `Trainer` with the same arguments,
checkpoints every ``save_steps`` and exact resume, general-text replay, rank-0 save.

Writes into its output folder::

    model/        the domain-adapted decoder (``AutoModelForCausalLM.from_pretrained`` loads it)
    untrained/    from scratch only: the same architecture before training

Metrics: next-token loss and perplexity on held-out domain text before and after; with
``general_data``, the same on held-out general text: the forgetting check; with
``general_choices``, multiple-choice accuracy (length-normalised log-likelihood) before and after
(`vertical.pretrain.general_ability`). ``facts_ratio`` mixes in the knowledge stage's facts as
sentences; ``lora`` trains adapters, merged into the saved model; ``freeze_embeddings`` trains
everything but the token embeddings and the output layer.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from datasets import Dataset, interleave_datasets, load_dataset
from transformers import GPT2Config, GPT2LMHeadModel, Trainer

from vertical.data import corpus_shards
from vertical.errors import DataError, RecipeError
from vertical.finetune.lora import add_lora, merged
from vertical.models import BaseModel, load_causal_lm, load_tokenizer, quiet_transformers
from vertical.precision import use_bf16
from vertical.pretrain.config import PretrainConfig, ScratchModelConfig
from vertical.pretrain.corpus import quietly, split_general_texts
from vertical.pretrain.general_ability import choice_accuracies, choice_forgetting
from vertical.pretrain.objectives.causal_lm import CausalLMCollator, causal_lm_loss
from vertical.pretrain.packing import pack_texts
from vertical.pretrain.tensorboard import keep_tensorboard_logs
from vertical.pretrain.trainer import (
    first_process_first,
    perplexity,
    train_resuming,
    training_arguments,
    training_speed,
)
from vertical.run import StageOutput
from vertical.tokenizer import read_embedding_init, read_terms
from vertical.tokenizer.extend import init_new_embeddings
from vertical.tracking.callbacks import quiet_trainer, trainer_callbacks

log = logging.getLogger(__name__)


def scratch_model(cfg: ScratchModelConfig, tokenizer) -> GPT2LMHeadModel:
    """A randomly initialised GPT-2 of the configured size over `tokenizer`'s vocabulary."""
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=cfg.context,
        n_embd=cfg.hidden,
        n_layer=cfg.layers,
        n_head=cfg.heads,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return GPT2LMHeadModel(config)


def freeze_embeddings(model) -> None:
    """Leave the token embeddings and the output layer (tied to them or not) out of training.

    The Trainer's optimizer holds only weights that need a gradient, so AdamW never moves them and
    the backward pass skips the output layer's weight gradient (a (V, C) matrix every step).
    """
    model.get_input_embeddings().weight.requires_grad_(False)
    output = model.get_output_embeddings()
    if output is not None:
        output.weight.requires_grad_(False)


def _tokenizer_and_model(cfg: PretrainConfig, base: BaseModel, tokenizer_dir: Path | None, seed: int):
    torch.manual_seed(seed)
    if cfg.from_scratch is not None:
        scratch = tokenizer_dir / "scratch" if tokenizer_dir else None
        if scratch is None or not scratch.is_dir():
            raise RecipeError(
                "pretrain.from_scratch needs the tokenizer stage's from-scratch tokenizer: "
                "add `tokenizer: {from_scratch: bpe}` to the recipe"
            )
        tokenizer = load_tokenizer(scratch)
        return tokenizer, scratch_model(cfg.from_scratch, tokenizer)
    unusable = cfg.encoder_only_settings()
    if unusable:
        raise RecipeError(
            f"pretrain: the base model {base.spec} is a decoder (causal LM), which cannot use "
            f"{', '.join(unusable)}; remove it (those objectives are for encoder models)"
        )
    base_tokenizer = load_tokenizer(base.path)
    model = load_causal_lm(base.path)
    if tokenizer_dir is None:
        return base_tokenizer, model
    tokenizer = load_tokenizer(tokenizer_dir / "tokenizer")
    terms = read_terms(tokenizer_dir)
    init_new_embeddings(model, base_tokenizer, tokenizer, terms, read_embedding_init(tokenizer_dir), seed)
    return tokenizer, model


def _packed_shards(shards: list[Path], tokenizer, block_size: int, cache_dir: Path) -> Dataset:
    raw = quietly(
        lambda: load_dataset(
            "parquet", data_files=[str(p) for p in shards], split="train", cache_dir=str(cache_dir)
        )
    )
    return pack_texts(raw.select_columns(["text"]), tokenizer, block_size, tokenizer.eos_token_id)


def causal_pretraining(
    cfg: PretrainConfig,
    base: BaseModel,
    data_dir: Path,
    output_dir: Path,
    work_dir: Path,
    seed: int,
    tokenizer_dir: Path | None = None,
    knowledge_dir: Path | None = None,
) -> StageOutput:
    """Train a decoder on the corpus of the data stage folder `data_dir`; see the module docstring."""
    train_shards = corpus_shards(data_dir, "train")
    if not train_shards:
        raise DataError(f"{data_dir}: the data stage left no training shards; run the data stage again")
    tokenizer, model = _tokenizer_and_model(cfg, base, tokenizer_dir, seed)
    if tokenizer.eos_token_id is None:
        raise DataError(f"{base.path}: the tokenizer has no end-of-text token to close documents with")
    if tokenizer.pad_token is None:  # GPT-2 has none; padding positions are never scored
        tokenizer.pad_token = tokenizer.eos_token
    context = getattr(model.config, "n_positions", None) or getattr(
        model.config, "max_position_embeddings", 0
    )
    block_size = min(cfg.max_length, context) if context else cfg.max_length
    cache_dir = work_dir / "datasets-cache"
    with first_process_first():
        train_set = _packed_shards(train_shards, tokenizer, block_size, cache_dir)
        validation_shards = corpus_shards(data_dir, "validation")
        validation_set = (
            _packed_shards(validation_shards, tokenizer, block_size, cache_dir) if validation_shards else None
        )
        general_check, general_replay = _general_sets(cfg, tokenizer, block_size, cache_dir)
    if cfg.facts_ratio > 0:  # the graph's facts as sentences, repeated until the corpus is used up
        fact_shards = corpus_shards(knowledge_dir, "train") if knowledge_dir else []
        if not fact_shards:
            raise DataError(
                f"{knowledge_dir}: pretrain.facts_ratio is {cfg.facts_ratio} but the knowledge stage wrote "
                "no facts as sentences; set knowledge.verbalise: true (the default) or facts_ratio: 0"
            )
        with first_process_first():
            facts = _packed_shards(fact_shards, tokenizer, block_size, cache_dir)
        train_set = interleave_datasets(
            [train_set, facts],
            probabilities=[1 - cfg.facts_ratio, cfg.facts_ratio],
            seed=seed,
            stopping_strategy="all_exhausted",
        )
    if general_replay is not None:
        train_set = interleave_datasets(
            [train_set, general_replay],
            probabilities=[1 - cfg.replay_ratio, cfg.replay_ratio],
            seed=seed,
            stopping_strategy="all_exhausted",
        )
    bf16 = use_bf16(cfg.precision)
    collator = CausalLMCollator(tokenizer.pad_token_id)
    loss_before = causal_lm_loss(model, validation_set, collator, cfg.batch_size, bf16)
    general_before = causal_lm_loss(model, general_check, collator, cfg.batch_size, bf16)
    choices_before = choice_accuracies(model, tokenizer, cfg.general_choices, cfg.general_choices_limit, bf16)
    if cfg.lora is not None:
        model = add_lora(model, cfg.lora, "CAUSAL_LM")
    elif cfg.freeze_embeddings:
        freeze_embeddings(model)
    checkpoints = work_dir / "checkpoints"
    arguments = training_arguments(cfg, checkpoints, seed, "random")  # packed blocks: one length
    board_dir = work_dir / "tensorboard"
    board = trainer_callbacks("pretrain", board_dir)
    trainer = Trainer(
        model=model, args=arguments, train_dataset=train_set, data_collator=collator, callbacks=board
    )
    quiet_trainer(trainer)
    if cfg.from_scratch is not None and trainer.is_world_process_zero():  # the seeded initial weights
        model.save_pretrained(output_dir / "untrained")
        tokenizer.save_pretrained(output_dir / "untrained")
    result, resume_from = train_resuming(trainer, checkpoints)
    model = merged(trainer.model)  # LoRA's update folded into the weights: a plain model again
    loss_after = causal_lm_loss(model, validation_set, collator, cfg.batch_size, bf16)
    general_after = causal_lm_loss(model, general_check, collator, cfg.batch_size, bf16)
    choices_after = choice_accuracies(model, tokenizer, cfg.general_choices, cfg.general_choices_limit, bf16)

    if trainer.is_world_process_zero():
        keep_tensorboard_logs(board, board_dir, output_dir)
        with quiet_transformers():
            model.save_pretrained(output_dir / "model")
            tokenizer.save_pretrained(output_dir / "model")
    forgetting = {}
    if general_before is not None and general_after is not None:
        forgetting = {
            "general_lm_loss_before": general_before,
            "general_lm_loss_after": general_after,
            "general_perplexity_before": perplexity(general_before),
            "general_perplexity_after": perplexity(general_after),
            "forgetting": round(general_after - general_before, 4),  # > 0: worse on general text
            "replay_ratio": cfg.replay_ratio,
        }
    if choices_before:
        forgetting["general_choices"] = choice_forgetting(choices_before, choices_after)
        forgetting["replay_ratio"] = cfg.replay_ratio
    return StageOutput(
        metrics={
            "objective": "causal_lm",
            "from_scratch": cfg.from_scratch is not None,
            "parameters": sum(p.numel() for p in model.parameters()),
            "steps": cfg.steps,
            "train_loss": round(result.training_loss, 4),
            "domain_lm_loss_before": loss_before,
            "domain_lm_loss_after": loss_after,
            "domain_perplexity_before": perplexity(loss_before),
            "domain_perplexity_after": perplexity(loss_after),
            "train_blocks": len(train_set),
            "block_size": block_size,
            "tokens_seen_approx": cfg.steps * cfg.batch_size * arguments.world_size * block_size,
            **training_speed(
                result, resume_from, cfg.steps, cfg.steps * cfg.batch_size * arguments.world_size * block_size
            ),
            **forgetting,
            "bf16": bf16,
            "lora": cfg.lora is not None,
            "parallel_mode": str(arguments.parallel_mode.value),
            "resumed_from": Path(resume_from).name if resume_from else None,
        }
    )


def _general_sets(
    cfg: PretrainConfig, tokenizer, block_size: int, cache_dir: Path
) -> tuple[Dataset | None, Dataset | None]:
    """(held-out general blocks for the forgetting check, general blocks to replay or None)."""
    if not cfg.general_data:
        return None, None
    check, rest = split_general_texts(
        Path(cfg.general_data), cfg.general_holdout, cfg.replay_ratio > 0, cache_dir
    )
    eos = tokenizer.eos_token_id
    replay = None if rest is None else pack_texts(rest, tokenizer, block_size, eos)
    return pack_texts(check, tokenizer, block_size, eos), replay

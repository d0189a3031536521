"""The pretrain stage: continued masked-LM training of the base model on the curated corpus.

A decoder base (GPT-2 family) or ``pretrain.from_scratch`` goes to the causal-LM path instead
(`vertical.pretrain.causal`), which shares the Trainer settings and resume of `vertical.pretrain.trainer`.

Uses the Hugging Face `Trainer`, so `accelerate launch` / `torchrun` run it on several processes
unchanged. Checkpoints go to the stage's work folder every `save_steps`; a killed run resumes
from the last one (optimizer, scheduler, random state and data position included).

Writes into its output folder::

    model/        the domain-adapted model (``AutoModelForMaskedLM.from_pretrained`` loads it)

Metrics: the masked-LM loss on held-out domain text before and after, steps, tokens seen.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from datasets import interleave_datasets
from transformers import Trainer

from vertical.data import corpus_shards
from vertical.errors import DataError, RecipeError
from vertical.models import BaseModel, is_decoder, load_masked_lm, load_tokenizer
from vertical.precision import use_bf16
from vertical.pretrain.causal import causal_pretraining
from vertical.pretrain.config import PretrainConfig
from vertical.pretrain.corpus import split_general_texts, tokenize_texts, tokenized_corpus
from vertical.pretrain.entities import LinkedMentions, NameMentions
from vertical.pretrain.head_warmup import EncoderFreeze, encoder_weights
from vertical.pretrain.masking import WholeWordMaskingCollator
from vertical.pretrain.model import ObjectiveLossLogger, PretrainingModel
from vertical.pretrain.objectives.knowledge import EntityTriples, TripleBatcher, read_entity_triples
from vertical.pretrain.optimizer import parameter_groups
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


@torch.no_grad()
def masked_lm_loss(
    model: PretrainingModel, dataset, collator: WholeWordMaskingCollator, batch_size: int, bf16: bool
) -> float | None:
    """Mean masked-LM loss over `dataset` with the collator's (seeded) masks; None for no data."""
    if dataset is None or len(dataset) == 0:
        return None
    model.eval()
    device = next(model.parameters()).device
    total, batches = 0.0, 0
    for start in range(0, len(dataset), batch_size):
        rows = dataset[start : start + batch_size]
        examples = [
            {"input_ids": ids, "word_ids": words}
            for ids, words in zip(rows["input_ids"], rows["word_ids"], strict=True)
        ]
        batch = {key: value.to(device) for key, value in collator(examples).items()}
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            total += float(model.mlm(batch["input_ids"], batch["attention_mask"], batch["labels"]))
        batches += 1
    model.train()
    return round(total / batches, 4)


def continue_pretraining(
    cfg: PretrainConfig,
    base: BaseModel,
    data_dir: Path,
    output_dir: Path,
    work_dir: Path,
    seed: int,
    tokenizer_dir: Path | None = None,
    knowledge_dir: Path | None = None,
) -> StageOutput:
    """Train `base` on the corpus of the data stage folder `data_dir`; see the module docstring.

    With `tokenizer_dir` (a completed tokenizer stage), the extended tokenizer is used and the
    model's embeddings are resized, each new row initialised from the pieces of its term. With
    `knowledge_dir` (a completed knowledge stage) and no `entities` file, entity masking masks the
    mentions the knowledge stage linked in the corpus.
    """
    if cfg.from_scratch is not None or is_decoder(base.path):
        return causal_pretraining(
            cfg, base, data_dir, output_dir, work_dir, seed, tokenizer_dir, knowledge_dir
        )
    if cfg.freeze_embeddings:
        raise RecipeError(
            f"pretrain.freeze_embeddings: the base model {base.spec} is an encoder, whose masked-LM "
            "training keeps the embeddings trainable; remove it (it is for decoders)"
        )
    train_shards = corpus_shards(data_dir, "train")
    if not train_shards:
        raise DataError(f"{data_dir}: the data stage left no training shards; run the data stage again")
    base_tokenizer = load_tokenizer(base.path)
    tokenizer = load_tokenizer(tokenizer_dir / "tokenizer") if tokenizer_dir else base_tokenizer
    if tokenizer.mask_token is None:
        raise DataError(f"{base.path}: the tokenizer has no mask token, so masked-LM training is impossible")
    cache_dir = work_dir / "datasets-cache"
    mentions = _mentions(cfg, knowledge_dir) if cfg.entity_probability > 0 else None
    with first_process_first():  # under DDP, one process tokenizes into the cache, the others read it
        train_set = tokenized_corpus(train_shards, tokenizer, cfg.max_length, cache_dir, mentions)
        validation_shards = corpus_shards(data_dir, "validation")
        validation_set = (
            tokenized_corpus(validation_shards, tokenizer, cfg.max_length, cache_dir)
            if validation_shards
            else None
        )

    if cfg.facts_ratio > 0:  # knowledge as input: the graph's facts as sentences, mixed in
        train_set = _with_facts(cfg, train_set, knowledge_dir, tokenizer, cache_dir, mentions, seed)

    general_check = None
    if cfg.general_data:
        with first_process_first():
            general_check, general_replay = _general_sets(cfg, tokenizer, cache_dir, mentions is not None)
        if general_replay is not None:
            train_set = interleave_datasets(
                [train_set, general_replay],
                probabilities=[1 - cfg.replay_ratio, cfg.replay_ratio],
                seed=seed,
                stopping_strategy="all_exhausted",
            )

    torch.manual_seed(seed)
    masked_lm = load_masked_lm(base.path)
    if tokenizer_dir:
        init_new_embeddings(
            masked_lm,
            base_tokenizer,
            tokenizer,
            read_terms(tokenizer_dir),
            read_embedding_init(tokenizer_dir),
            seed,
        )
    graph = _knowledge_graph(knowledge_dir) if cfg.objectives.knowledge > 0 else None
    model = PretrainingModel(
        masked_lm,
        mlm_weight=cfg.objectives.mlm,
        contrastive_weight=cfg.objectives.contrastive,
        temperature=cfg.temperature,
        knowledge_weight=cfg.objectives.knowledge,
        relations=len(graph.relations) if graph else 0,
        margin=cfg.margin,
        sop_weight=cfg.objectives.sop,
    )
    triples = TripleBatcher(graph, tokenizer, cfg.triples_per_batch) if graph else None
    bf16 = use_bf16(cfg.precision)

    def collator(seed_value: int | None, training: bool = False) -> WholeWordMaskingCollator:
        return WholeWordMaskingCollator(
            mask_token_id=tokenizer.mask_token_id,
            pad_token_id=tokenizer.pad_token_id,
            vocab_size=len(tokenizer),
            mlm_probability=cfg.mlm_probability,
            entity_probability=cfg.entity_probability,
            keep_original=cfg.objectives.contrastive > 0,
            seed=seed_value,
            knowledge_batch=triples if training else None,
            sentence_order=training and cfg.objectives.sop > 0,
            cls_token_id=tokenizer.cls_token_id,
            sep_token_id=tokenizer.sep_token_id,
        )

    loss_before = masked_lm_loss(model, validation_set, collator(seed), cfg.batch_size, bf16)
    general_before = masked_lm_loss(model, general_check, collator(seed), cfg.batch_size, bf16)
    checkpoints = work_dir / "checkpoints"
    arguments = training_arguments(cfg, checkpoints, seed, "group_by_length")
    groups = parameter_groups(
        model, cfg.learning_rate, cfg.vocabulary_learning_rate or cfg.learning_rate, arguments.weight_decay
    )
    board_dir = work_dir / "tensorboard"  # beside the checkpoints: a resumed run goes on with its curve
    board = trainer_callbacks("pretrain", board_dir)
    freeze = (  # after the groups, which leave frozen weights out
        [EncoderFreeze(encoder_weights(masked_lm), cfg.head_warmup_steps)] if cfg.head_warmup_steps else []
    )
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=train_set,
        data_collator=collator(None, training=True),
        optimizer_cls_and_kwargs=(torch.optim.AdamW, {"params": groups, "lr": cfg.learning_rate}),
        # the logger first: the board sees its losses
        callbacks=[ObjectiveLossLogger(model), *freeze, *board],
    )
    quiet_trainer(trainer)
    result, resume_from = train_resuming(trainer, checkpoints)
    loss_after = masked_lm_loss(model, validation_set, collator(seed), cfg.batch_size, bf16)
    general_after = masked_lm_loss(model, general_check, collator(seed), cfg.batch_size, bf16)

    if trainer.is_world_process_zero():
        keep_tensorboard_logs(board, board_dir, output_dir)
        state = model.masked_lm.state_dict()
        state.update(base_weights_outside_masked_lm(state, model.masked_lm.base_model_prefix, base.path))
        model.masked_lm.save_pretrained(output_dir / "model", state_dict=state)
        tokenizer.save_pretrained(output_dir / "model")
    tokens_seen = cfg.steps * cfg.batch_size * arguments.world_size * _mean_length(train_set)
    return StageOutput(
        metrics={
            "steps": cfg.steps,
            "train_loss": round(result.training_loss, 4),
            **training_speed(result, resume_from, cfg.steps, tokens_seen),
            "domain_mlm_loss_before": loss_before,
            "domain_mlm_loss_after": loss_after,
            "domain_perplexity_before": perplexity(loss_before),
            "domain_perplexity_after": perplexity(loss_after),
            "train_documents": len(train_set),
            "tokens_seen_approx": int(tokens_seen),
            "base_has_trained_mlm_head": _has_masked_lm_head(base.path),
            **_forgetting_metrics(general_before, general_after, cfg),
            "bf16": bf16,
            "parallel_mode": str(arguments.parallel_mode.value),
            "resumed_from": Path(resume_from).name if resume_from else None,
        }
    )


def base_weights_outside_masked_lm(
    state: dict[str, torch.Tensor], prefix: str, base_path: Path
) -> dict[str, torch.Tensor]:
    """Pooler weights of the base checkpoint missing from a masked-LM `state`, under its key names.

    `prefix` is the model's ``base_model_prefix`` ("bert"). Only the pooler tensors are read from
    the checkpoint, not the whole file.

    BERT's masked-LM class has no pooler, so a model saved from it would hand every later
    classifier a randomly initialised pooler, while the general model keeps its trained one: an
    unfair start. Masked-LM training never touches the pooler, so the base's is carried over.
    """
    from safetensors import safe_open

    weights_file = Path(base_path) / "model.safetensors"
    if not weights_file.is_file():
        return {}
    carried = {}
    with safe_open(str(weights_file), framework="pt") as checkpoint:
        for key in checkpoint.keys():
            name = key if key.startswith(f"{prefix}.") else f"{prefix}.{key}"
            if ".pooler." in f".{name}" and name not in state:
                carried[name] = checkpoint.get_tensor(key)
    return carried


def _with_facts(
    cfg: PretrainConfig, train_set, knowledge_dir: Path | None, tokenizer, cache_dir, mentions, seed
):
    """`train_set` with the knowledge stage's verbalised facts interleaved at `facts_ratio`.

    The facts are few next to a corpus (one document per entity), so they are repeated until the corpus
    is used up ("all_exhausted"), which is what the ratio means.
    """
    fact_shards = corpus_shards(knowledge_dir, "train") if knowledge_dir else []
    if not fact_shards:
        raise DataError(
            f"{knowledge_dir}: pretrain.facts_ratio is {cfg.facts_ratio} but the knowledge stage wrote no "
            "facts as sentences; set knowledge.verbalise: true (the default) or facts_ratio: 0"
        )
    with first_process_first():
        facts = tokenized_corpus(fact_shards, tokenizer, cfg.max_length, cache_dir, mentions)
    return interleave_datasets(
        [train_set, facts],
        probabilities=[1 - cfg.facts_ratio, cfg.facts_ratio],
        seed=seed,
        stopping_strategy="all_exhausted",
    )


def _general_sets(cfg: PretrainConfig, tokenizer, cache_dir: Path, entity_column: bool):
    """(held-out general text for the forgetting check, general text to replay or None), tokenized."""
    check, rest = split_general_texts(
        Path(cfg.general_data), cfg.general_holdout, cfg.replay_ratio > 0, cache_dir
    )
    replay = (
        None if rest is None else tokenize_texts(rest, tokenizer, cfg.max_length, entity_column=entity_column)
    )
    return tokenize_texts(check, tokenizer, cfg.max_length), replay


def _forgetting_metrics(before: float | None, after: float | None, cfg: PretrainConfig) -> dict:
    if before is None or after is None:
        return {}
    return {
        "general_mlm_loss_before": before,
        "general_mlm_loss_after": after,
        "general_perplexity_before": perplexity(before),
        "general_perplexity_after": perplexity(after),
        "forgetting": round(after - before, 4),  # > 0: the model got worse on general text
        "replay_ratio": cfg.replay_ratio,
    }


def _has_masked_lm_head(base_path: Path) -> bool:
    """Whether the base checkpoint ships masked-LM head weights (all-MiniLM-L6-v2 does not: its
    "before" losses then measure a random head, not the base model)."""
    from safetensors import safe_open

    weights_file = Path(base_path) / "model.safetensors"
    if not weights_file.is_file():
        return True  # other formats: assume a complete masked-LM checkpoint
    with safe_open(str(weights_file), framework="pt") as checkpoint:
        return any(key.startswith(("cls.", "lm_head.")) for key in checkpoint.keys())


def _knowledge_graph(knowledge_dir: Path | None) -> EntityTriples:
    if knowledge_dir is None or not (knowledge_dir / "entities.parquet").is_file():
        raise DataError(
            "pretrain.objectives.knowledge is set but the recipe has no completed knowledge stage"
        )
    graph = read_entity_triples(knowledge_dir)
    if not graph.triples:
        raise DataError(
            f"{knowledge_dir}: the knowledge graph has no triples between two entities to learn from"
        )
    log.info(
        "pretrain: knowledge objective over %d triples, %d relations, %d entities",
        len(graph.triples),
        len(graph.relations),
        len(graph.texts),
    )
    return graph


def _mentions(cfg: PretrainConfig, knowledge_dir: Path | None) -> NameMentions | LinkedMentions:
    if cfg.entities is None:
        spans_file = knowledge_dir / "spans.parquet" if knowledge_dir else None
        if spans_file is None or not spans_file.is_file():
            raise DataError(
                "pretrain.entity_probability is set but there is neither a pretrain.entities file "
                "nor a knowledge stage that linked the corpus"
            )
        linked = LinkedMentions(spans_file)
        log.info("pretrain: entity masking over %d mentions linked by the knowledge stage", linked.mentions)
        return linked
    path = Path(cfg.entities)
    try:
        names = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    finder = NameMentions(names)
    if not finder.names:
        raise DataError(f"{path}: no entity names in the file (one name per line)")
    return finder


def _mean_length(dataset) -> float:
    lengths = dataset["length"]
    return sum(lengths) / max(1, len(lengths))

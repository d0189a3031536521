"""Instruction tasks (``type: instruct``): supervised fine-tuning of a decoder LLM through TRL's `SFTTrainer`.

Each conversation is rendered with the model's own chat template and only the assistant's tokens
(answer and end-of-turn marker) carry loss (`vertical.instruct.template`); the end-of-turn token is
added to the saved model's stop tokens, so the tuned model stops where its template says. Full
fine-tuning, or LoRA (`peft`) merged into the weights before saving, so the saved model is a plain
``AutoModelForCausalLM`` folder with its chat template. Checkpoints every ``save_steps`` under the
work folder; a killed run resumes from the last one with the same data order (the `Trainer`'s exact
resume: optimizer, scheduler, RNG states).

The test questions are answered greedily and scored by exact match and token F1
(`vertical.evaluate.llm_qa`); the record keeps the answers, so the report shows samples.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

import torch
from datasets import Dataset

from vertical.finetune.config import TaskConfig
from vertical.finetune.lora import add_lora, merged
from vertical.finetune.training import tracking_name, training_history
from vertical.instruct.answer import generate_answers
from vertical.instruct.template import align_stop_tokens, check_chat_template, render_conversation
from vertical.models import load_causal_lm, load_tokenizer, quiet_transformers
from vertical.precision import trainer_precision_arguments
from vertical.pretrain.trainer import train_resuming
from vertical.records import ChatExample
from vertical.tracking.callbacks import quiet_trainer, trainer_callbacks

log = logging.getLogger(__name__)
SAMPLES = 8  # greedy answers shown in the report
ANSWER_TOKENS = 24


@dataclass(frozen=True)
class InstructPredictions:
    """The greedy answers of a model to the test questions."""

    gold: list[str]  # (N,) reference answers
    predicted: list[str]  # (N,) the model's answers
    questions: list[str]  # (N,) the last user turn of each test conversation
    entities: list[str] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)  # {prompt, reference, generated} of the first few
    labels: list[str] = field(default_factory=list)  # no classes; kept for the shared record shape
    task_type: str = "instruct"


def sft_dataset(tokenizer, examples: list[ChatExample], max_length: int) -> Dataset:
    """``input_ids`` and ``assistant_masks`` of each conversation: what `SFTTrainer` turns into labels."""
    rows = [render_conversation(tokenizer, example.messages, max_length) for example in examples]
    return Dataset.from_dict(
        {"input_ids": [r["input_ids"] for r in rows], "assistant_masks": [r["assistant_masks"] for r in rows]}
    )


def length_batched_order(lengths: list[int], batch_size: int, seed: int) -> list[int]:
    """An order of the examples in which each run of `batch_size` holds examples of similar lengths.

    The examples sorted by length are cut into batches (the fewest padded positions a batch can
    have), and batches of neighbouring lengths are spread over the epoch: the batch of length rank
    r goes to the place of ``(offset + r * 0.618...) mod 1`` (the golden-ratio sequence, `seed`
    drawing the offset), so the few long batches (grounded conversations: sources in the prompt,
    five times longer) come early, midway and late, never all at the low learning rate of the end.
    The Trainer's ``group_by_length`` sorts only within random mega-batches (16 examples at a time
    for 80 in batches of 8), which leaves a grounded conversation in half the batches, padding each
    to it; a CPU pays for every padded position.
    """
    by_length = sorted(range(len(lengths)), key=lambda index: (lengths[index], index))
    batches = [by_length[start : start + batch_size] for start in range(0, len(by_length), batch_size)]
    offset = random.Random(seed).random()
    golden = (5**0.5 - 1) / 2
    places = sorted(range(len(batches)), key=lambda rank: (offset + rank * golden) % 1.0)
    return [index for rank in places for index in batches[rank]]


def sft_train(
    model, tokenizer, train_set: Dataset, cfg: TaskConfig, work_dir: Path, seed: int, precision: str
) -> tuple[object, dict]:
    """Train `model` on the rendered `train_set` with TRL; returns the plain (merged) model, its history."""
    from trl import SFTConfig, SFTTrainer

    torch.manual_seed(seed)
    if cfg.lora is not None:
        model = add_lora(model, cfg.lora, "CAUSAL_LM")
    steps_per_epoch = max(1, -(-len(train_set) // cfg.batch_size))
    # read in this order every epoch (the sequential sampler): resume finds the same batches
    train_set = train_set.select(
        length_batched_order([len(ids) for ids in train_set["input_ids"]], cfg.batch_size, seed)
    )
    arguments = SFTConfig(
        output_dir=str(work_dir / "checkpoints"),
        num_train_epochs=cfg.epochs,
        per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        warmup_steps=0.1,
        lr_scheduler_type="linear",
        weight_decay=0.0,
        max_length=cfg.max_length,
        packing=False,
        train_sampling_strategy="sequential",  # the length-batched order above
        **trainer_precision_arguments(precision),  # type: ignore[arg-type]
        seed=seed,
        data_seed=seed,
        logging_steps=max(1, min(25, steps_per_epoch // 4)),
        save_strategy="steps",
        save_steps=max(1, min(100, steps_per_epoch)),
        save_total_limit=1,
        report_to="none",
        dataloader_num_workers=0,
        activation_checkpointing=False,  # TRL's default is True: recomputing costs a CPU run a third more
        dataset_num_proc=None,
        disable_tqdm=True,  # the build's live line shows the steps
    )
    with quiet_transformers():
        trainer = SFTTrainer(
            model=model,
            args=arguments,
            train_dataset=train_set,
            processing_class=tokenizer,
            callbacks=trainer_callbacks(tracking_name(work_dir)),  # the live line and the trackers
        )
    quiet_trainer(trainer)  # its tqdm bar and raw log dicts stay off the terminal (run.log has them)
    result, resume_from = train_resuming(trainer, work_dir / "checkpoints")
    history = {
        **training_history(trainer.state, early_stopping=False),
        "train_loss": round(float(result.training_loss), 5),
        "resumed_from": Path(resume_from).name if resume_from else None,
        "train_runtime_s": round(float(result.metrics.get("train_runtime", 0.0)), 2),
    }
    return merged(trainer.model), history


def save_chat_model(model, tokenizer, output_dir: Path) -> list[int]:
    """Save a plain HF folder whose generation config stops at the template's end of turn."""
    stops = align_stop_tokens(model, tokenizer)
    with quiet_transformers():
        model.save_pretrained(output_dir)
        tokenizer.save_pretrained(output_dir)
    return stops


def instruct_predictions(model, tokenizer, test: list[ChatExample]) -> InstructPredictions:
    """Greedy answers of `model` to the test conversations' questions."""
    answers = generate_answers(model, tokenizer, [e.prompt for e in test], ANSWER_TOKENS)
    questions = [e.prompt[-1]["content"] for e in test]
    return InstructPredictions(
        gold=[e.answer for e in test],
        predicted=answers,
        questions=questions,
        entities=[e.entity for e in test],
        samples=[
            {"prompt": q, "reference": e.answer, "generated": a}
            for q, e, a in list(zip(questions, test, answers, strict=True))[:SAMPLES]
        ],
    )


def train_instruct(
    cfg: TaskConfig,
    model_path: Path,
    train: list[ChatExample],
    test: list[ChatExample],
    labels: list[str],
    output_dir: Path | None,
    work_dir: Path,
    seed: int,
    precision: str = "auto",
    validation: list[ChatExample] | None = None,
) -> tuple[InstructPredictions, dict]:
    """Fine-tune the decoder at `model_path` on `train` conversations, save it, answer `test`.

    The finetune stage's trainer signature (`vertical.finetune.tasks`); `labels` and `validation`
    are unused (no classes; no early stopping on generated answers).
    """
    tokenizer = load_tokenizer(model_path)
    check_chat_template(tokenizer, str(model_path))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(seed)
    model = load_causal_lm(model_path)
    model, history = sft_train(
        model, tokenizer, sft_dataset(tokenizer, train, cfg.max_length), cfg, work_dir, seed, precision
    )
    if output_dir is not None:
        history["stop_token_ids"] = save_chat_model(model, tokenizer, output_dir)
    else:
        align_stop_tokens(model, tokenizer)
    return instruct_predictions(model, tokenizer, test), history

"""Distil a fine-tuned classifier into a student with fewer layers (`compress.distill`).

The student is the teacher's own architecture with `layers` transformer layers, initialised from
the teacher: the embeddings, the classification head and an evenly spaced subset of the teacher's
layers, always including the last one, which the head was trained on (6 -> 3 keeps layers 2, 4, 6).
Starting from the teacher's weights rather than at random is what DistilBERT does (Sanh et al.
2019); it needs far fewer training steps. The student is then trained on the task's training split
with `DistillationLoss` (soft targets of the teacher at a temperature plus cross-entropy) and saved
with ``save_pretrained``, so plain transformers loads it.

The copy works on the state dict: a parameter named ``...layer.<i>.`` (or ``layers.<i>``) of the
teacher goes to ``...layer.<j>.`` of the student, and ``load_state_dict(strict=True)`` checks that
every student weight was filled; this covers BERT, RoBERTa, DistilBERT, ELECTRA and their kind
without naming them.
"""

from __future__ import annotations

import copy
import logging
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from vertical.compress.distillation_loss import DistillationLoss
from vertical.errors import VerticalError

log = logging.getLogger(__name__)

_LAYER_KEY = re.compile(r"^(.*\.layers?\.)(\d+)(\..*)$")


@dataclass(frozen=True)
class DistillSettings:
    """How to distil; see `vertical.recipe.DistillConfig` for each field's meaning."""

    layers: int = 3
    epochs: float = 3.0
    temperature: float = 2.0
    alpha: float = 0.5
    learning_rate: float = 1e-4
    batch_size: int = 32
    max_length: int = 128
    seed: int = 0


def teacher_layers_to_keep(teacher_layers: int, student_layers: int) -> list[int]:
    """Evenly spaced teacher layer indices, the last one included: (6, 3) -> [1, 3, 5]."""
    if not 1 <= student_layers < teacher_layers:
        raise VerticalError(
            f"compress.distill.layers: {student_layers} must be at least 1 and fewer than the "
            f"teacher's {teacher_layers} layers"
        )
    return [round((i + 1) * teacher_layers / student_layers) - 1 for i in range(student_layers)]


def make_student(teacher: torch.nn.Module, layers: int) -> torch.nn.Module:
    """A copy of `teacher`'s architecture with `layers` layers, initialised from the teacher's weights."""
    config = copy.deepcopy(teacher.config)
    kept = teacher_layers_to_keep(config.num_hidden_layers, layers)
    config.num_hidden_layers = layers
    student = type(teacher)(config)
    position = {teacher_index: student_index for student_index, teacher_index in enumerate(kept)}
    weights = {}
    for name, tensor in teacher.state_dict().items():
        match = _LAYER_KEY.match(name)
        if match is None:
            weights[name] = tensor
        elif int(match.group(2)) in position:
            weights[f"{match.group(1)}{position[int(match.group(2))]}{match.group(3)}"] = tensor
    student.load_state_dict(weights, strict=True)
    return student


def distill_classifier(
    teacher: torch.nn.Module,
    tokenizer,
    texts: list[str],
    labels: list[int],
    settings: DistillSettings,
    output_dir: Path,
) -> dict[str, object]:
    """Train a student of `teacher` on (texts, labels), save it to `output_dir`; returns training figures.

    Args:
        teacher: the fine-tuned sequence classifier (left unchanged).
        tokenizer: its tokenizer (saved with the student).
        texts: the task's training texts.
        labels: their class indices, in the teacher's label order.
    """
    torch.manual_seed(settings.seed)
    shuffler = random.Random(settings.seed)
    teacher = teacher.eval()
    student = make_student(teacher, settings.layers).train()
    loss_function = DistillationLoss(settings.temperature, settings.alpha)
    optimizer = torch.optim.AdamW(student.parameters(), lr=settings.learning_rate)
    batches_per_epoch = max(1, -(-len(texts) // settings.batch_size))
    total_steps = max(1, round(settings.epochs * batches_per_epoch))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 - step / total_steps)
    order: list[int] = []
    curve = []
    started = time.perf_counter()
    for step in range(total_steps):
        if len(order) < settings.batch_size:
            more = list(range(len(texts)))
            shuffler.shuffle(more)
            order += more
        chosen, order = order[: settings.batch_size], order[settings.batch_size :]
        batch = tokenizer(
            [texts[i] for i in chosen],
            truncation=True,
            max_length=settings.max_length,
            padding=True,
            return_tensors="pt",
        )
        with torch.no_grad():
            teacher_logits = teacher(**batch).logits  # (B, C)
        student_logits = student(**batch).logits  # (B, C)
        loss = loss_function(student_logits, teacher_logits, torch.tensor([labels[i] for i in chosen]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        curve.append(round(float(loss.detach()), 5))
        if step % 50 == 0:
            log.info("distil step %d/%d: loss %.4f", step + 1, total_steps, curve[-1])
    student.eval()
    output_dir = Path(output_dir)
    student.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return {
        "teacher_layers": teacher.config.num_hidden_layers,
        "student_layers": settings.layers,
        "kept_teacher_layers": teacher_layers_to_keep(teacher.config.num_hidden_layers, settings.layers),
        "steps": total_steps,
        "loss_first": curve[0],
        "loss_last": curve[-1],
        "seconds": round(time.perf_counter() - started, 2),
    }

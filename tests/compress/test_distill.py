"""Distillation: the loss against a hand computation, the student's initialisation, a tiny end-to-end run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from transformers import AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification

from vertical.compress.distill import (
    DistillSettings,
    distill_classifier,
    make_student,
    teacher_layers_to_keep,
)
from vertical.compress.distillation_loss import DistillationLoss
from vertical.errors import VerticalError
from vertical.serve.registry import load_run_classifiers


def _softmax(values: list[float]) -> list[float]:
    exps = [math.exp(v) for v in values]
    return [e / sum(exps) for e in exps]


def test_loss_matches_a_hand_computation():
    student = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]
    teacher = [[2.0, 1.0, 0.0], [0.5, 0.5, 2.0]]
    gold = [1, 2]
    t, alpha = 2.0, 0.3
    kl = 0.0
    ce = 0.0
    for s_row, t_row, label in zip(student, teacher, gold, strict=True):
        p = _softmax([v / t for v in t_row])
        q = _softmax([v / t for v in s_row])
        kl += sum(pi * math.log(pi / qi) for pi, qi in zip(p, q, strict=True))
        ce += -math.log(_softmax(s_row)[label])
    expected = alpha * t * t * kl / 2 + (1 - alpha) * ce / 2
    got = DistillationLoss(t, alpha)(torch.tensor(student), torch.tensor(teacher), torch.tensor(gold))
    assert float(got) == pytest.approx(expected, rel=1e-6)


def test_loss_ends_alpha_and_gradient_only_into_the_student():
    student = torch.randn(4, 3, requires_grad=True)
    teacher = torch.randn(4, 3, requires_grad=True)
    gold = torch.tensor([0, 1, 2, 1])
    ce = torch.nn.functional.cross_entropy(student, gold)
    assert float(DistillationLoss(3.0, 0.0)(student, teacher, gold).detach()) == pytest.approx(
        float(ce.detach())
    )
    # alpha 1 and a student equal to its teacher: KL is zero
    assert float(DistillationLoss(3.0, 1.0)(teacher.detach(), teacher, gold)) == pytest.approx(0.0, abs=1e-6)
    DistillationLoss(2.0, 0.5)(student, teacher, gold).backward()
    assert student.grad is not None and teacher.grad is None
    with pytest.raises(ValueError):
        DistillationLoss(0.0, 0.5)


@pytest.mark.parametrize(
    ("teacher", "student", "kept"),
    [(6, 3, [1, 3, 5]), (12, 4, [2, 5, 8, 11]), (2, 1, [1]), (6, 5, [0, 1, 3, 4, 5])],
)
def test_layers_kept_are_evenly_spaced_with_the_last(teacher, student, kept):
    assert teacher_layers_to_keep(teacher, student) == kept


def test_a_student_as_deep_as_its_teacher_is_refused():
    with pytest.raises(
        VerticalError, match="compress.distill.layers: 4 must be .* fewer than the teacher's 4"
    ):
        teacher_layers_to_keep(4, 4)


def test_student_copies_embeddings_head_and_the_chosen_layers():
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
    )
    teacher = BertForSequenceClassification(config).eval()
    student = make_student(teacher, 2)
    assert student.config.num_hidden_layers == 2 and teacher.config.num_hidden_layers == 4
    teacher_weights, student_weights = teacher.state_dict(), student.state_dict()
    for teacher_layer, student_layer in ((1, 0), (3, 1)):
        prefix = "bert.encoder.layer.{}.attention.self.query.weight"
        assert torch.equal(
            student_weights[prefix.format(student_layer)], teacher_weights[prefix.format(teacher_layer)]
        )
    for name in ("bert.embeddings.word_embeddings.weight", "classifier.weight", "bert.pooler.dense.weight"):
        assert torch.equal(student_weights[name], teacher_weights[name])


def test_tiny_distillation_end_to_end(tiny_model_dir, tmp_path):
    """A 2-layer teacher that has learned a separable task; its 1-layer student learns to agree with it."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    torch.manual_seed(0)
    teacher = AutoModelForSequenceClassification.from_pretrained(str(tiny_model_dir), num_labels=2)
    texts = [f"deposits and mortgage news {n}" for n in range(24)] + [
        f"processor and wafer news {n}" for n in range(24)
    ]
    labels = [0] * 24 + [1] * 24
    optimizer = torch.optim.AdamW(teacher.parameters(), lr=3e-3)
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    teacher.train()
    for _ in range(15):  # fit the teacher (a few full-batch steps: the task is separable by a word)
        loss = teacher(**batch, labels=torch.tensor(labels)).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    teacher.eval()
    with torch.no_grad():
        teacher_predicted = teacher(**batch).logits.argmax(-1).numpy()
    assert (teacher_predicted == np.array(labels)).mean() == 1.0
    settings = DistillSettings(
        layers=1, epochs=8, temperature=2.0, alpha=0.7, learning_rate=3e-3, batch_size=16
    )
    figures = distill_classifier(teacher, tokenizer, texts, labels, settings, tmp_path / "student")
    assert figures["student_layers"] == 1 and figures["kept_teacher_layers"] == [1]
    assert figures["loss_last"] < figures["loss_first"]
    # the student is a plain transformers folder
    student = AutoModelForSequenceClassification.from_pretrained(str(tmp_path / "student")).eval()
    assert student.config.num_hidden_layers == 1
    with torch.no_grad():
        student_predicted = student(**batch).logits.argmax(-1).numpy()
    assert (student_predicted == teacher_predicted).mean() >= 0.9
    saved = json.loads((tmp_path / "student" / "config.json").read_text())
    assert saved["num_hidden_layers"] == 1


def test_compress_stage_writes_a_distilled_row_and_a_servable_student(tiny_run_dir):
    manifest = json.loads((tiny_run_dir / "compress" / "manifest.json").read_text())
    table = manifest["metrics"]["tasks"]["topic"]
    rows = {row["variant"]: row for row in table["rows"]}
    assert "distilled" in rows and rows["distilled"]["size_mb"] < rows["full"]["size_mb"]
    assert table["distillation"]["student_layers"] == 1
    assert "| distilled |" in (tiny_run_dir / "compress" / "table.md").read_text()
    classifier = load_run_classifiers(tiny_run_dir, "distilled")["topic"]
    assert classifier.variant == "distilled"
    probabilities = classifier.probabilities(["deposits and mortgage news 3", "processor and wafer news 7"])
    assert probabilities.shape == (2, 2) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)

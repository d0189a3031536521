"""The compress stage: each fine-tuned task model in int8 and ONNX forms, measured against the full one.

For every task it writes into its output folder::

    <task>/model.onnx        the fine-tuned classifier exported to ONNX (when compress.onnx)
    <task>/model-int8.onnx   that export with onnxruntime's dynamic int8 quantisation
    <task>/distilled/        the student with fewer layers (when compress.distill; save_pretrained)
    table.md                 size, batch-1 latency, batch-32 throughput, accuracy of each form

and puts the same table in the manifest's metrics. The first row, ``hf_pipeline``, is the plain
Hugging Face ``pipeline("text-classification")`` on the full model: the baseline the ratios are
taken against. The PyTorch int8 form is not stored: dynamic quantisation is deterministic and takes
well under a second, so ``vertical serve --variant int8`` quantises the full model on load; its
size is that of its state dict as ``torch.save`` writes it.

Only single-label sequence classifiers (task types ``classification`` and ``relation``) have
forms here; the other tasks are served as fine-tuned.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np
import torch

from vertical.compress.config import CompressConfig
from vertical.compress.distill import DistillSettings, distill_classifier
from vertical.compress.measure import Measurement, measure
from vertical.compress.onnx_export import export_onnx, quantize_onnx_int8
from vertical.compress.variants import (
    DISTILLED_FOLDER,
    OnnxClassifier,
    TorchClassifier,
    labels_of,
    load_torch_model,
    onnx_session,
    quantize_int8,
)
from vertical.finetune.config import TaskConfig
from vertical.finetune.task_data import load_task_data
from vertical.io import atomic_write_text
from vertical.models import load_tokenizer, quiet_transformers
from vertical.run import StageOutput

log = logging.getLogger(__name__)

COMPRESSED_TYPES = ("classification", "relation")  # single-label sequence classifiers


def _folder_bytes(folder: Path, suffixes: tuple[str, ...] = (".safetensors", ".bin")) -> int:
    return sum(path.stat().st_size for path in folder.iterdir() if path.suffix in suffixes)


def _state_dict_bytes(model: torch.nn.Module) -> int:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def _pipeline_predict(model_dir: Path, labels: list[str], max_length: int):
    """The plain Hugging Face text-classification pipeline, as texts -> (N, C) probabilities."""
    from transformers import pipeline

    with quiet_transformers():
        classifier = pipeline(
            "text-classification", model=str(model_dir), tokenizer=str(model_dir), device="cpu"
        )
    column = {label: index for index, label in enumerate(labels)}

    def predict(texts: list[str]) -> np.ndarray:
        outputs = classifier(texts, batch_size=32, top_k=None, truncation=True, max_length=max_length)
        rows = np.zeros((len(texts), len(labels)), dtype=np.float32)
        for row, scores in zip(rows, outputs, strict=True):
            for entry in scores:
                row[column[entry["label"]]] = entry["score"]
        return rows

    return predict


def compress_task(
    cfg: CompressConfig, task: TaskConfig, model_dir: Path, output_dir: Path, seed: int = 0
) -> tuple[list[Measurement], dict[str, object]]:
    """Build and measure the forms of one task's model.

    Returns:
        The table rows (the baseline first) and the distillation's training figures ({} without).
    """
    train, test, _ = load_task_data(task)
    labels = labels_of(model_dir)
    index = {label: position for position, label in enumerate(labels)}
    texts, gold = [e.text for e in test], [index[e.label] for e in test]
    tokenizer = load_tokenizer(model_dir)
    model = load_torch_model(model_dir)
    timing = {"latency_calls": cfg.latency_calls, "throughput_batches": cfg.throughput_batches}

    full = TorchClassifier(task.name, "full", labels, model, tokenizer, task.max_length)
    full_row, full_predicted = measure(
        "full", full.probabilities, _folder_bytes(model_dir), texts, gold, None, **timing
    )
    baseline = _pipeline_predict(model_dir, labels, task.max_length)
    rows = [
        measure("hf_pipeline", baseline, _folder_bytes(model_dir), texts, gold, full_predicted, **timing)[0]
    ]
    rows.append(full_row)
    if cfg.quantize == "int8":
        quantized = quantize_int8(load_torch_model(model_dir))
        int8 = TorchClassifier(task.name, "int8", labels, quantized, tokenizer, task.max_length)
        rows.append(
            measure(
                "int8",
                int8.probabilities,
                _state_dict_bytes(quantized),
                texts,
                gold,
                full_predicted,
                **timing,
            )[0]
        )
    if cfg.onnx:
        onnx_path = export_onnx(model, tokenizer, output_dir / "model.onnx")
        forms = [("onnx", onnx_path)]
        if cfg.quantize == "int8":
            forms.append(("onnx-int8", quantize_onnx_int8(onnx_path, output_dir / "model-int8.onnx")))
        for variant, path in forms:
            runner = OnnxClassifier(
                task.name, variant, labels, onnx_session(path), tokenizer, task.max_length
            )
            rows.append(
                measure(
                    variant, runner.probabilities, path.stat().st_size, texts, gold, full_predicted, **timing
                )[0]
            )
    distillation: dict[str, object] = {}
    if cfg.distill is not None:
        settings = DistillSettings(
            layers=cfg.distill.layers,
            epochs=cfg.distill.epochs,
            temperature=cfg.distill.temperature,
            alpha=cfg.distill.alpha,
            learning_rate=cfg.distill.learning_rate,
            batch_size=cfg.distill.batch_size,
            max_length=task.max_length,
            seed=seed,
        )
        student_dir = output_dir / DISTILLED_FOLDER
        distillation = distill_classifier(
            model, tokenizer, [e.text for e in train], [index[e.label] for e in train], settings, student_dir
        )
        student = TorchClassifier(
            task.name, "distilled", labels, load_torch_model(student_dir), tokenizer, task.max_length
        )
        rows.append(
            measure(
                "distilled",
                student.probabilities,
                _folder_bytes(student_dir),
                texts,
                gold,
                full_predicted,
                **timing,
            )[0]
        )
    return rows, distillation


def table_markdown(tables: dict[str, list[Measurement]]) -> str:
    """The compress tables as Markdown, with throughput and accuracy relative to the HF pipeline."""
    lines = ["# Compressed forms against the Hugging Face pipeline", ""]
    for task, rows in tables.items():
        base = rows[0]
        lines += [
            f"## {task}",
            "",
            "| form | size MB | batch-1 ms | batch-32 texts/s | x pipeline | accuracy "
            "| Δ accuracy (points) | macro-F1 | agrees with full |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in rows:
            lines.append(
                f"| {row.variant} | {row.size_mb:.2f} | {row.latency_batch1_ms:.2f} "
                f"| {row.throughput_batch32:.0f} | {row.throughput_batch32 / base.throughput_batch32:.2f} "
                f"| {row.accuracy:.4f} | {100 * (row.accuracy - base.accuracy):+.2f} "
                f"| {row.macro_f1:.4f} | {row.agreement_with_full:.4f} |"
            )
        lines.append("")
    return "\n".join(lines)


def compress_tasks(
    cfg: CompressConfig, tasks: list[TaskConfig], finetune_dir: Path, output_dir: Path, seed: int = 0
) -> StageOutput:
    """Compress and measure the vertical model of every classification task; see the module docstring."""
    tables: dict[str, list[Measurement]] = {}
    distillations: dict[str, dict[str, object]] = {}
    for task in tasks:
        if task.type not in COMPRESSED_TYPES:
            log.info("compress: %s skipped (a %s task is served as fine-tuned)", task.name, task.type)
            continue
        log.info("compress: %s", task.name)
        model_dir = Path(finetune_dir) / task.name / "vertical" / "model"
        task_dir = output_dir / task.name
        task_dir.mkdir(parents=True, exist_ok=True)
        tables[task.name], distillations[task.name] = compress_task(cfg, task, model_dir, task_dir, seed)
    atomic_write_text(output_dir / "table.md", table_markdown(tables))
    metrics = {}
    for task, rows in tables.items():
        base = rows[0]
        metrics[task] = {
            "baseline": base.variant,
            "rows": [row.as_dict() for row in rows],
            "throughput_ratio": {
                r.variant: round(r.throughput_batch32 / base.throughput_batch32, 3) for r in rows
            },
            "accuracy_change_points": {r.variant: round(100 * (r.accuracy - base.accuracy), 3) for r in rows},
        }
        if distillations[task]:
            metrics[task]["distillation"] = distillations[task]
    return StageOutput(metrics={"tasks": metrics})

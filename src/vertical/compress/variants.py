"""The forms a fine-tuned classifier can run in, behind one small interface.

- ``full``: the fine-tuned model as saved (fp32 PyTorch);
- ``int8``: the same model with its linear layers quantised to int8 on load
  (``torch.ao.quantization.quantize_dynamic``; weights int8, activations quantised per batch);
- ``onnx``: the ONNX export the compress stage wrote, run with onnxruntime;
- ``onnx-int8``: that export with onnxruntime's dynamic int8 quantisation;
- ``distilled``: the student the compress stage distilled from it (fewer layers; fp32 PyTorch).

Each is a `TextClassifier`: texts in, class probabilities out, in the order given.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import torch

from vertical.errors import ModelError
from vertical.models import load_tokenizer, quiet_transformers, refusal_reason

Variant = Literal["full", "int8", "onnx", "onnx-int8", "distilled"]
VARIANTS: tuple[str, ...] = ("full", "int8", "onnx", "onnx-int8", "distilled")
ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model-int8.onnx"}
DISTILLED_FOLDER = "distilled"  # the student, in the compress stage's folder of a task


class TextClassifier(Protocol):
    """A classifier ready to answer: `labels` and `probabilities(texts)` of shape (N, C)."""

    task: str
    variant: str
    labels: list[str]

    def probabilities(self, texts: list[str]) -> np.ndarray: ...


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _length_batches(texts: list[str], batch_size: int) -> list[list[int]]:
    # Sorting by length first means less padding per batch; callers restore the order.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


@dataclass
class TorchClassifier:
    """A PyTorch sequence classifier (fp32, or int8 after dynamic quantisation)."""

    task: str
    variant: str
    labels: list[str]
    model: torch.nn.Module
    tokenizer: object
    max_length: int = 128
    batch_size: int = 64

    @torch.inference_mode()
    def probabilities(self, texts: list[str]) -> np.ndarray:
        result = np.zeros((len(texts), len(self.labels)), dtype=np.float32)  # (N, C)
        for chosen in _length_batches(texts, self.batch_size):
            batch = self.tokenizer(
                [texts[i] for i in chosen],
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            )
            logits = self.model(**batch).logits.float().numpy()  # (B, C)
            result[chosen] = _softmax(logits)
        return result


@dataclass
class OnnxClassifier:
    """A sequence classifier exported to ONNX and run with onnxruntime."""

    task: str
    variant: str
    labels: list[str]
    session: object
    tokenizer: object
    max_length: int = 128
    batch_size: int = 64

    def probabilities(self, texts: list[str]) -> np.ndarray:
        wanted = {node.name for node in self.session.get_inputs()}
        result = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for chosen in _length_batches(texts, self.batch_size):
            batch = self.tokenizer(
                [texts[i] for i in chosen],
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="np",
            )
            feeds = {name: batch[name].astype(np.int64) for name in wanted}
            (logits,) = self.session.run(["logits"], feeds)
            result[chosen] = _softmax(logits)
        return result


def labels_of(model_dir: Path) -> list[str]:
    """The class labels saved in a model folder's config.json, in class-index order."""
    config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    id2label = config.get("id2label") or {}
    return [id2label[key] for key in sorted(id2label, key=int)]


def load_torch_model(model_dir: Path):
    """The fine-tuned classifier at `model_dir`, in eval mode."""
    from transformers import AutoModelForSequenceClassification

    with quiet_transformers():
        try:
            model = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
        except (OSError, ValueError, pickle.UnpicklingError) as error:
            raise ModelError(f"{model_dir}: cannot load the classifier: {refusal_reason(error)}") from None
    return model.eval()


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """`model` with every nn.Linear replaced by a dynamically quantised int8 one."""
    return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def onnx_session(path: Path, threads: int | None = None):
    """An onnxruntime CPU session over the ONNX file at `path`."""
    import onnxruntime

    if not Path(path).is_file():
        raise ModelError(f"{path}: ONNX model not found; run the compress stage (`compress: {{onnx: true}}`)")
    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def load_classifier(
    task: str, variant: str, model_dir: Path, compress_dir: Path | None, max_length: int = 128
) -> TextClassifier:
    """The classifier of `task` in the form `variant`.

    Args:
        model_dir: the fine-tuned model folder (tokenizer and labels come from here for every variant).
        compress_dir: the compress stage's folder of this task, holding model.onnx, model-int8.onnx
            and distilled/.
    """
    labels = labels_of(model_dir)
    tokenizer = load_tokenizer(model_dir)
    if variant in ONNX_FILES or variant == "distilled":
        if compress_dir is None:
            raise ModelError(
                f"variant {variant}: this run has no compress stage; add `compress:` to the recipe"
            )
    if variant in ONNX_FILES:
        session = onnx_session(Path(compress_dir) / ONNX_FILES[variant])
        return OnnxClassifier(task, variant, labels, session, tokenizer, max_length)
    if variant == "distilled":
        student_dir = Path(compress_dir) / DISTILLED_FOLDER
        if not (student_dir / "config.json").is_file():
            raise ModelError(
                f"{student_dir}: no distilled model; add `distill: {{layers: 3}}` under `compress:` "
                "in the recipe and run again"
            )
        return TorchClassifier(task, variant, labels, load_torch_model(student_dir), tokenizer, max_length)
    model = load_torch_model(model_dir)
    if variant == "int8":
        model = quantize_int8(model)
    elif variant != "full":
        raise ModelError(f"unknown variant {variant}; choose one of {', '.join(VARIANTS)}")
    return TorchClassifier(task, variant, labels, model, tokenizer, max_length)

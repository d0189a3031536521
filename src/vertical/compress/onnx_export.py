"""Export a sequence classifier to ONNX, and quantise the export to int8 with onnxruntime.

The export takes (input_ids, attention_mask[, token_type_ids]) with dynamic batch and sequence
axes and gives ``logits`` (B, C). It uses torch's TorchScript-based exporter (``dynamo=False``),
which needs no extra package for a BERT-style encoder.
"""

from __future__ import annotations

from pathlib import Path

import torch


class _LogitsOnly(torch.nn.Module):
    """The classifier with plain tensor inputs and the logits tensor as its only output."""

    def __init__(self, model: torch.nn.Module, with_token_types: bool) -> None:
        super().__init__()
        self.model = model
        self.with_token_types = with_token_types

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        extra = {"token_type_ids": token_type_ids} if self.with_token_types else {}
        return self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).logits


def export_onnx(model: torch.nn.Module, tokenizer, path: Path, opset: int = 17) -> Path:
    """Write `model` as ONNX to `path`; returns `path`."""
    sample = tokenizer(
        ["an example sentence", "a second, longer example sentence"], padding=True, return_tensors="pt"
    )
    with_token_types = "token_type_ids" in sample
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_token_types else [])
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["logits"] = {0: "batch"}
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = _LogitsOnly(model.eval(), with_token_types).eval()
    with torch.inference_mode():
        torch.onnx.export(
            wrapper,
            tuple(sample[name] for name in names),
            str(path),
            input_names=names,
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=opset,
            dynamo=False,
        )
    return path


def quantize_onnx_int8(source: Path, target: Path) -> Path:
    """onnxruntime's dynamic quantisation of `source`: int8 weights for MatMul/Gemm; returns `target`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    return target

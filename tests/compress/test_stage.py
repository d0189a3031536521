"""The compress stage on the tiny run: ONNX forms that agree with PyTorch, and the measured table."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from vertical.compress.variants import load_classifier
from vertical.serve.registry import load_run_classifiers

TEXTS = ["deposits and mortgage news 3", "processor and wafer news 7", "short", "a longer text " * 20]


def test_compress_writes_onnx_files_and_a_table_per_task(tiny_run_dir):
    compress_dir = tiny_run_dir / "compress"
    for name in ("model.onnx", "model-int8.onnx"):
        onnx.checker.check_model(str(compress_dir / "topic" / name))
    manifest = json.loads((compress_dir / "manifest.json").read_text())
    table = manifest["metrics"]["tasks"]["topic"]
    assert [row["variant"] for row in table["rows"]] == [
        "hf_pipeline",
        "full",
        "int8",
        "onnx",
        "onnx-int8",
        "distilled",
    ]
    for row in table["rows"]:
        assert row["size_mb"] > 0 and row["latency_batch1_ms"] > 0 and row["throughput_batch32"] > 0
        assert 0.0 <= row["accuracy"] <= 1.0 and 0.0 <= row["agreement_with_full"] <= 1.0
    rows = {row["variant"]: row for row in table["rows"]}
    # the pipeline and the ONNX export compute the same function as the full model
    assert rows["hf_pipeline"]["agreement_with_full"] == 1.0 and rows["onnx"]["agreement_with_full"] == 1.0
    assert rows["hf_pipeline"]["accuracy"] == rows["full"]["accuracy"]
    assert table["throughput_ratio"]["hf_pipeline"] == 1.0
    assert "| onnx-int8 |" in (compress_dir / "table.md").read_text()


def test_onnx_export_matches_pytorch_on_texts_of_any_length(tiny_run_dir):
    model_dir = tiny_run_dir / "finetune" / "topic" / "vertical" / "model"
    full = load_classifier("topic", "full", model_dir, None).probabilities(TEXTS)  # (N, C)
    exported = load_classifier("topic", "onnx", model_dir, tiny_run_dir / "compress" / "topic").probabilities(
        TEXTS
    )
    np.testing.assert_allclose(exported, full, atol=1e-5)


@pytest.mark.parametrize("variant", ["int8", "onnx-int8"])
def test_int8_forms_stay_close_to_the_full_model(tiny_run_dir, variant):
    full = load_run_classifiers(tiny_run_dir, "full")["topic"].probabilities(TEXTS)
    quantized = load_run_classifiers(tiny_run_dir, variant)["topic"]
    assert quantized.variant == variant
    np.testing.assert_allclose(quantized.probabilities(TEXTS), full, atol=0.05)

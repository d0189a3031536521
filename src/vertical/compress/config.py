"""The compress stage's recipe section (``compress:``).

Re-exported by `vertical.recipe`, which composes the sections into a `Recipe`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from vertical.sections import Section


class DistillConfig(Section):
    """Knowledge distillation of each classification task's model into a student with fewer layers.

    The student starts from the teacher's embeddings, head and an evenly spaced subset of its
    layers, and is trained on the task's training split with the loss
    ``alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * cross-entropy`` (Hinton et al. 2015).
    """

    layers: int = Field(3, ge=1, description="transformer layers of the student (fewer than the teacher's)")
    epochs: float = Field(3.0, gt=0.0, description="passes over the task's training split")
    temperature: float = Field(2.0, gt=0.0, description="softmax temperature T of the soft targets")
    alpha: float = Field(
        0.5, ge=0.0, le=1.0, description="weight of the soft-target term; 1 - alpha weighs the cross-entropy"
    )
    learning_rate: float = Field(1e-4, gt=0.0)
    batch_size: int = Field(32, ge=1)


class CompressConfig(Section):
    """The compress stage: int8, ONNX and distilled forms of each classification task's vertical model."""

    quantize: Literal["int8", "none"] = Field(
        "int8", description="int8: dynamic int8 quantisation of linear layers (PyTorch, and ONNX when onnx)"
    )
    onnx: bool = Field(True, description="export to ONNX and run it with onnxruntime")
    latency_calls: int = Field(50, ge=1, description="single-text calls timed for the batch-1 latency")
    throughput_batches: int = Field(8, ge=1, description="batches of 32 timed for the throughput")
    distill: DistillConfig | None = Field(
        None, description="distil each task's model into a smaller student; absent: no student"
    )

    @field_validator("distill", mode="before")
    @classmethod
    def _distill_shorthand(cls, value: Any) -> Any:
        # `distill: true` means distillation with the defaults; `distill: false` means none.
        if value is True:
            return {}
        return None if value is False else value

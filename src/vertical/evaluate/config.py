"""The evaluate stage's recipe section (``evaluate:``).

Re-exported by `vertical.recipe`, which composes the sections into a `Recipe`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from vertical.sections import Section


class EvaluateConfig(Section):
    """The evaluate stage: every task scored for the general and the vertical model side by side."""

    compare_with: str = Field(
        "base_model",
        description="the general model each task is also fine-tuned from: base_model (the recipe's), or "
        "another model of the same kind (builtin:minilm, a local folder, a hub id)",
    )
    bootstrap_samples: int = Field(
        1000, ge=100, description="resamples of the test set for the interval and p-value of a difference"
    )
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="coverage of the bootstrap interval")
    calibration_bins: int = Field(
        10, ge=2, description="equal-width confidence bins of the calibration error"
    )

    @field_validator("compare_with")
    @classmethod
    def _local_model(cls, value: str, info: ValidationInfo) -> str:
        # as for base_model: a relative folder that exists beside the recipe is a local model
        candidate = Path((info.context or {}).get("base_dir", ".")) / value
        if value != "base_model" and not value.startswith("builtin:") and candidate.is_dir():
            return str(candidate.resolve())
        return value

    grounding_questions: int = Field(
        100, ge=1, description="held-out questions of each QA task answered closed-book and grounded"
    )
    grounding_max_tokens: int = Field(24, ge=1, description="tokens of each of those answers")

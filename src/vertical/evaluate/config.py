"""The evaluate stage's recipe section (``evaluate:``).

Re-exported by `vertical.recipe`, which composes the sections into a `Recipe`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vertical.sections import Section


class EvaluateConfig(Section):
    """The evaluate stage: every task scored for the general and the vertical model side by side."""

    compare_with: Literal["base_model"] = Field(
        "base_model", description="the general model each task is also fine-tuned from"
    )
    bootstrap_samples: int = Field(
        1000, ge=100, description="resamples of the test set for the interval and p-value of a difference"
    )
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="coverage of the bootstrap interval")
    calibration_bins: int = Field(
        10, ge=2, description="equal-width confidence bins of the calibration error"
    )
    grounding_questions: int = Field(
        100, ge=1, description="held-out questions of each QA task answered closed-book and grounded"
    )
    grounding_max_tokens: int = Field(24, ge=1, description="tokens of each of those answers")

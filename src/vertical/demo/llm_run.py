"""Running the LLM demo: write the world, build it, and say what it showed.

`run_llm_demo` writes the demo (`vertical.demo.llm`), runs its recipe, and prints the headline:
closed-book exact match of the general and the vertical model on the held-out companies, with the
paired-bootstrap interval, and the forgetting figures (general perplexity and multiple-choice
accuracy before and after pretraining). The full demo also pretrains once without replay, so the
forgetting with and without it stand side by side. ``llm_demo.json`` in the run folder keeps it all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from vertical.demo.llm import LLM_SIZES, LLMDemoSize, find_general_data, write_llm_demo
from vertical.errors import RecipeError
from vertical.io import atomic_write_json


def _metrics(run_dir: Path, stage: str) -> dict:
    path = run_dir / stage / ("metrics.json" if stage == "evaluate" else "manifest.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if stage == "evaluate" else data.get("metrics", {})


def forgetting_summary(pretrain: dict) -> dict:
    """The forgetting figures of a causal pretrain stage's metrics."""
    summary = {
        key: pretrain[key]
        for key in ("replay_ratio", "general_perplexity_before", "general_perplexity_after", "forgetting")
        if key in pretrain
    }
    for name, scores in pretrain.get("general_choices", {}).items():
        summary[name] = {
            k: scores[k] for k in ("acc_norm_before", "acc_norm_after", "acc_norm_change", "items")
        }
    return summary


def grounding_summary(grounding: dict | None) -> dict:
    """The headline of the evaluate stage's grounded answers of the demo's task ({} without them)."""
    if not grounding:
        return {}
    keys = (
        "examples",
        "k",
        "exact_match",
        "citation_precision",
        "supported_correct",
        "recall_at_k",
        "recall_at",
        "prompt_recall",
    )
    return {key: grounding[key] for key in keys if key in grounding}


def _share(value: float | None) -> str:
    return "n/a (none correct)" if value is None else f"{value:.0%}"


def run_llm_demo(
    out_dir: Path,
    quick: bool,
    language: str,
    run: Callable[[Path], Path],
    say: Callable[[str], None],
    general: Path | None = None,
    size: LLMDemoSize | None = None,
    base: str | None = None,
) -> dict:
    """Write and build the LLM demo; returns (and saves as llm_demo.json) its headline figures."""
    if language not in ("en", "zh"):
        raise RecipeError(f"--lang {language}: unknown demo language; use en or zh")
    size = size or LLM_SIZES[language, quick]
    # beside the working folder, the output folder or this clone (a worktree, a /tmp output folder)
    starts = (Path.cwd(), Path(out_dir), Path(__file__))
    general = general or next((found for found in map(find_general_data, starts) if found), None)
    if general is None:
        say("no shared/datasets folder found: the demo runs without replay and without the forgetting check")
    else:
        say(f"general text and multiple-choice sets from {general}")
    started = time.perf_counter()
    folder = out_dir / "demo-data" / (size.name + ("-zh" if language == "zh" else ""))
    recipe = write_llm_demo(folder, size, language, general, base=base)
    say(f"LLM demo data and recipe written to {folder}")
    run_dir = run(recipe)
    metrics = _metrics(run_dir, "evaluate")
    evaluation = metrics["tasks"]["facts"]
    significance = evaluation["significance"]["exact_match"]
    summary = {
        "base_model": base or ("builtin:gemma3" if language == "zh" else "builtin:smollm2"),
        "test_questions": evaluation["general"]["examples"],
        "exact_match": {
            "general": evaluation["general"]["exact_match"],
            "vertical": evaluation["vertical"]["exact_match"],
        },
        "token_f1": {
            "general": evaluation["general"]["token_f1"],
            "vertical": evaluation["vertical"]["token_f1"],
        },
        "exact_match_difference": significance["difference"],
        "exact_match_ci": [significance["ci_low"], significance["ci_high"]],
        "p_value": significance["p_value"],
        "grounding": grounding_summary(metrics.get("grounding", {}).get("facts")),
        "forgetting": {}
        if general is None
        else {"with_replay": forgetting_summary(_metrics(run_dir, "pretrain"))},
    }
    if not quick and general is not None:  # the same pretraining without replay, for the comparison
        plain = write_llm_demo(
            folder.with_name(folder.name + "-no-replay"),
            size,
            language,
            general,
            0.0,
            with_tasks=False,
            base=base,
        )
        say("pretraining once more without replay, to compare the forgetting")
        summary["forgetting"]["without_replay"] = forgetting_summary(_metrics(run(plain), "pretrain"))
    summary["wall_time_s"] = round(time.perf_counter() - started, 1)
    atomic_write_json(run_dir / "llm_demo.json", summary)
    em = summary["exact_match"]
    low, high = summary["exact_match_ci"]
    say(
        f"closed-book exact match on {summary['test_questions']} questions about held-out companies: "
        f"general {em['general']:.3f}, vertical {em['vertical']:.3f} "
        f"(difference {summary['exact_match_difference']:+.3f}, 95% CI [{low:+.3f}, {high:+.3f}])"
    )
    grounded = summary["grounding"]
    if grounded:
        em = grounded["exact_match"]
        say(
            f"with retrieval (top {grounded['k']}): general {em['general_retrieval']:.3f}, vertical "
            f"{em['vertical_retrieval']:.3f}; correct vertical answers citing a source that holds the "
            f"answer: {_share(grounded['supported_correct'].get('vertical'))}"
        )
        recall = grounded.get("recall_at", {})
        if "general_encoder" in recall:
            say(
                "retrieval recall@5: encoder adapted to the corpus "
                f"{recall['vertical_encoder']['5']:.3f}, general {recall['general_encoder']['5']:.3f}"
            )
    for label, figures in summary["forgetting"].items():
        say(f"forgetting {label.replace('_', ' ')}: {json.dumps(figures)}")
    say(f"LLM demo took {summary['wall_time_s']:.0f} s; chat with it: vertical chat {run_dir}")
    return summary

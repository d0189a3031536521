"""Ablation: the build again with parts changed, over several seeds, to show what each part is worth.

`vertical ablate recipe.yaml` builds every variant of the recipe's ``ablation`` section once per seed,
each under ``runs/<name>/ablation/<variant>/seed-<k>/`` as an ordinary run folder: a killed ablation
resumes, and builds that finished are skipped. Then it writes ``runs/<name>/ablation/summary.json``
(per variant and task: the headline metrics of the general and the vertical model for each seed, their
mean and sample standard deviation) and ``summary.md``, and rebuilds the main run's report with an
ablation section when the main run has been built.

The stages before pretraining (data, knowledge, tokenizer) do not depend on the seed; a variant starts
from copies of those the main run or an earlier variant built, and the usual up-to-date check rebuilds
any that the variant's changes touch.
"""

from __future__ import annotations

import json
import logging
import shutil
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertical import progress
from vertical.io import atomic_write_json, atomic_write_text
from vertical.recipe import Recipe
from vertical.run import read_manifest

log = logging.getLogger(__name__)

SHARED_STAGES = ("data", "knowledge", "tokenizer")  # their results do not depend on the seed


@dataclass(frozen=True)
class AblationBuild:
    """One variant built with one seed."""

    variant: str
    seed: int
    recipe: Recipe
    run_dir: Path


def ablation_builds(recipe: Recipe, variants: dict[str, Recipe], runs_dir: Path) -> list[AblationBuild]:
    """Every (variant, seed) build of the ablation, seed by seed so early results cover every variant."""
    assert recipe.ablation is not None
    ablation_dir = Path(runs_dir) / recipe.name / "ablation"
    wanted = recipe.ablation.tasks
    builds = []
    for seed in recipe.ablation.seeds:
        for name, variant in variants.items():
            tasks = [task for task in variant.tasks if wanted is None or task.name in wanted]
            build_recipe = variant.model_copy(update={"name": f"seed-{seed}", "seed": seed, "tasks": tasks})
            builds.append(AblationBuild(name, seed, build_recipe, ablation_dir / name / f"seed-{seed}"))
    return builds


def reuse_shared_stages(run_dir: Path, sources: list[Path]) -> None:
    """Copy into `run_dir` the seed-independent stages it lacks from the first source that has them.

    A copy is only a candidate: the pipeline's up-to-date check (config and input hashes) decides whether
    it is used or rebuilt. Copies, not links: a stage's files must not change under another run.
    """
    for stage in SHARED_STAGES:
        target = run_dir / stage
        if target.exists():
            continue
        for source in sources:
            if read_manifest(source / stage) is not None:
                run_dir.mkdir(parents=True, exist_ok=True)
                partial = run_dir / f".{stage}.copying"
                shutil.rmtree(partial, ignore_errors=True)
                shutil.copytree(source / stage, partial)
                partial.rename(target)
                break


def _mean_and_spread(values: list[float]) -> dict[str, float]:
    return {
        "mean": round(statistics.fmean(values), 4),
        "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def summarize_ablation(builds: list[AblationBuild]) -> dict[str, Any]:
    """Per variant, task and headline metric: each seed's general and vertical score and their spread.

    Builds whose evaluation is missing (not run yet, or failed) are listed under ``missing``.
    """
    from vertical.evaluate.report import comparison_rows

    variants: dict[str, Any] = {}
    missing = []
    for build in builds:
        metrics_file = build.run_dir / "evaluate" / "metrics.json"
        if not metrics_file.is_file():
            missing.append(f"{build.variant}/seed-{build.seed}")
            continue
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        entry = variants.setdefault(build.variant, {"seeds": [], "tasks": {}})
        entry["seeds"].append(build.seed)
        pretrain = (read_manifest(build.run_dir / "pretrain") or {}).get("wall_time_s")
        entry.setdefault("pretrain_seconds", []).append(pretrain)
        for task, metric, general, vertical, difference in comparison_rows(metrics):
            scores = (
                entry["tasks"]
                .setdefault(task, {})
                .setdefault(metric, {"general": [], "vertical": [], "difference": []})
            )
            scores["general"].append(general)
            scores["vertical"].append(vertical)
            scores["difference"].append(difference)
    for entry in variants.values():
        for task_scores in entry["tasks"].values():
            for scores in task_scores.values():
                scores["summary"] = {
                    side: _mean_and_spread(scores[side]) for side in ("general", "vertical", "difference")
                }
    return {"variants": variants, "missing": missing}


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, str, str, int, list[str]]]:
    """(variant, task, metric, seeds, ["mean ± std" of general, vertical, difference]) per summary row."""
    rows = []
    for variant, entry in summary["variants"].items():
        for task, task_scores in entry["tasks"].items():
            for metric, scores in task_scores.items():
                cells = [
                    f"{s['mean']:.3f} ± {s['std']:.3f}"
                    for s in (scores["summary"][side] for side in ("general", "vertical", "difference"))
                ]
                rows.append((variant, task, metric, len(entry["seeds"]), cells))
    return rows


def summary_markdown(summary: dict[str, Any], changes: dict[str, dict[str, Any]]) -> str:
    """The summary as a Markdown table: mean ± standard deviation over the seeds."""
    lines = [
        "| variant | changes | task | metric | seeds | general | vertical | vertical − general |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for variant, task, metric, seeds, cells in summary_rows(summary):
        change = json.dumps(changes.get(variant, {}), separators=(", ", ": "))
        lines.append(f"| {variant} | `{change}` | {task} | {metric} | {seeds} | " + " | ".join(cells) + " |")
    if summary["missing"]:
        lines.append(f"\nNot built yet: {', '.join(summary['missing'])}")
    return "\n".join(lines) + "\n"


def run_ablation(
    recipe: Recipe, variants: dict[str, Recipe], runs_dir: Path, processes: int = 1
) -> dict[str, Any]:
    """Build every variant with every seed (skipping what is built), then summarise.

    Returns:
        The summary, also written to ``runs/<name>/ablation/summary.json`` and ``summary.md``.
    """
    from vertical.pipeline import run_recipe

    assert recipe.ablation is not None
    runs_dir = Path(runs_dir)
    main_run = runs_dir / recipe.name
    builds = ablation_builds(recipe, variants, runs_dir)
    for number, build in enumerate(builds, 1):
        log.info("ablation build %d/%d: %s, seed %d", number, len(builds), build.variant, build.seed)
        progress.build_started(f"build {number}/{len(builds)} {build.variant} seed {build.seed}")
        earlier = [b.run_dir for b in builds[: number - 1]]
        reuse_shared_stages(build.run_dir, [main_run, *earlier])
        run_recipe(build.recipe, build.run_dir.parent, processes=processes, held_out_tasks=recipe.tasks)
        summary = write_summary(recipe, builds, main_run / "ablation")  # a long ablation shows its progress
    if read_manifest(main_run / "finetune") is not None:
        from vertical.evaluate.compare import rebuild_report

        rebuild_report(main_run)
    return summary


def write_summary(recipe: Recipe, builds: list[AblationBuild], ablation_dir: Path) -> dict[str, Any]:
    """Summarise the builds that finished into ``summary.json`` and ``summary.md``; returns the summary."""
    assert recipe.ablation is not None
    summary = summarize_ablation(builds)
    summary["seeds"] = list(recipe.ablation.seeds)
    summary["changes"] = dict(recipe.ablation.variants)
    atomic_write_json(ablation_dir / "summary.json", summary)
    atomic_write_text(ablation_dir / "summary.md", summary_markdown(summary, recipe.ablation.variants))
    return summary

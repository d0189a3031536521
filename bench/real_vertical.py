"""Real data: the general base against the vertical model of an example recipe, and pretraining variants.

For one recipe of ``examples/`` (finance: BANKING77 + earnings calls; medical_en: NCBI-disease +
ChatDoctor; medical_zh: Huatuo answer matching), each pretraining variant is built once with
`vertical run` (data, tokenizer and pretrain stages, cached by fingerprint under ``--out``), then the
recipe's first task is fine-tuned from the general base and from every variant's model for each
seed, under the finetune stage's collapse guard. Each variant is compared with the general model
on the same test examples: per seed the paired bootstrap of the evaluate stage, and over seeds the
bootstrap of the seed-mean difference (`paired_bootstrap_over_seeds`). The seeds vary the
fine-tuning (head initialisation, batch order); the pretraining runs once, seed 0, per variant.

    python bench/real_vertical.py finance --per-class 30 --seeds 0 1 2 --variants vertical tapt \\
        --epochs 6 --learning-rate 1e-4 --out runs/real/finance

Every fine-tune's predictions are kept (``--out``/predictions/<variant>/seed-<n>.json) and reused
by a later call with the same settings, so seeds and variants can be added one run at a time.
Prints a Markdown table (mean ± sd over seeds, the interval and p of the seed-mean difference,
wall and CPU seconds) and writes ``summary.json``. Reads ../shared/datasets (skips when absent).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

from vertical.evaluate.scoring import HEADLINE, compare_predictions, headline_counts, score_predictions
from vertical.evaluate.significance import paired_bootstrap_over_seeds
from vertical.finetune.classification import train_classifier
from vertical.finetune.guard import train_guarded
from vertical.finetune.ner import train_tagger
from vertical.finetune.task_data import load_task_data, split_validation
from vertical.models import resolve_base_model
from vertical.pipeline import run_recipe
from vertical.recipe import TaskConfig, load_recipe

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / ".." / "shared" / "datasets"
RECIPES = {
    "finance": ROOT / "examples" / "finance" / "recipe.yaml",
    "medical_en": ROOT / "examples" / "medical_en" / "recipe.yaml",
    "medical_zh": ROOT / "examples" / "medical_zh" / "recipe.yaml",
}
SHARED = "../../../shared/datasets"  # how the example recipes name the datasets folder

# Pretraining variants as recipe overrides; {task_texts}: the task's training texts, one a line.
TAPT_LR = ["pretrain.learning_rate=2e-5", "pretrain.vocabulary_learning_rate=1e-3", "data.min_chars=5"]
VARIANTS: dict[str, list[str]] = {
    "vertical": [],  # the example recipe as written: domain-adaptive pretraining on its corpus
    "vertical_low_lr": ["pretrain.learning_rate=2e-5", "pretrain.vocabulary_learning_rate=1e-3"],
    "tapt": ["data.sources=[{path: '{task_texts}'}]", *TAPT_LR],
    "tapt_simcse": [
        "data.sources=[{path: '{task_texts}'}]",
        "pretrain.objectives={mlm: 1.0, contrastive: 0.5}",
        *TAPT_LR,
    ],
    # TAPT with the MLM head (and word embeddings) warmed for 100 steps before the encoder trains
    "tapt_head_warmup": ["data.sources=[{path: '{task_texts}'}]", *TAPT_LR, "pretrain.head_warmup_steps=100"],
    # SimCSE alone on the task's texts (no masked LM, so no random head), SimCSE's own rate 3e-5
    "contrastive": [
        "data.sources=[{path: '{task_texts}'}]",
        "pretrain.objectives={mlm: 0.0, contrastive: 1.0}",
        "pretrain.learning_rate=3e-5",
        "data.min_chars=5",
    ],
    "simcse": ["data.sources=[{path: '{task_texts}'}]", "pretrain.objectives={mlm: 0.0, contrastive: 1.0}"],
}


def _recipe_file(name: str, datasets: Path, out: Path) -> Path:
    """The example recipe with its datasets folder replaced by `datasets`, written under `out`."""
    source = RECIPES[name]
    text = source.read_text(encoding="utf-8").replace(SHARED, str(datasets.resolve()))
    # the recipe's own relative paths (a built task file) stay relative to the example's folder
    text = text.replace(": tasks/", f": {source.parent}/tasks/")
    target = out / "recipes" / f"{name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def _subsample(train: list, per_class: int | None, task: TaskConfig) -> list:
    """The first `per_class` training examples of each class (ner: the first per_class sentences)."""
    if not per_class:
        return train
    if task.type == "ner":
        return train[:per_class]
    kept, seen = [], {}
    for example in train:
        if seen.get(example.label, 0) < per_class:
            seen[example.label] = seen.get(example.label, 0) + 1
            kept.append(example)
    return kept


def _texts(examples: list) -> list[str]:
    return [" ".join(e.words) if hasattr(e, "words") else e.text for e in examples]


def build_variant(
    recipe_file: Path, variant: str, task_texts: Path, runs: Path, settings: list[str]
) -> tuple[Path, float]:
    """The pretrained model of one variant (built or reused) and the build's wall seconds.

    `settings`: overrides for every build (``--set``), laid under the variant's own.
    """
    overrides = [*settings, *(item.replace("{task_texts}", str(task_texts)) for item in VARIANTS[variant])]
    recipe = load_recipe(recipe_file, [*overrides, f"name=variant-{variant}"])
    started = time.perf_counter()
    result = run_recipe(recipe.model_copy(update={"tasks": []}), runs, held_out_tasks=recipe.tasks)
    wall = sum(report.wall_time_s for report in result.stages if not report.skipped)
    return result.run_dir / "pretrain" / "model", wall or time.perf_counter() - started


def fine_tune(
    task: TaskConfig, name: str, model: Path, train, test, labels, validation, seed: int, work: Path
) -> dict:
    """One fine-tune under the collapse guard: the predictions record, its scores and times."""
    trainer = train_tagger if task.type == "ner" else train_classifier
    wall, cpu = time.perf_counter(), time.process_time()
    predictions, history, kept = train_guarded(
        trainer,
        task,
        model,
        train,
        test,
        labels,
        None,
        work,
        seed,
        "auto",
        validation or None,
        subject=f"the {name} model",
    )
    record = dataclasses.asdict(predictions)
    return {
        "record": record,
        "scores": {k: v for k, v in score_predictions(record).items() if isinstance(v, float)},
        "collapse": history.get("collapse"),
        "epochs": kept.epochs,
        "wall_s": round(time.perf_counter() - wall, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
    }


def _cached(path: Path, compute) -> dict:
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result), encoding="utf-8")
    return result


def summarize(runs: dict[str, dict[int, dict]], metrics: tuple[str, ...], samples: int) -> dict:
    """Per variant and metric: mean ± sd over seeds and the bootstrap of the seed-mean difference."""
    seeds = sorted(runs["general"])
    summary: dict = {}
    for variant, by_seed in runs.items():
        common = [s for s in seeds if s in by_seed]
        rows = {}
        for metric in metrics:
            values = [by_seed[s]["scores"][metric] for s in common]
            row = {
                "mean": round(statistics.fmean(values), 4),
                "sd": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
                "seeds": common,
            }
            if variant != "general":
                general = [headline_counts(runs["general"][s]["record"])[metric] for s in common]
                ours = [headline_counts(by_seed[s]["record"])[metric][0] for s in common]
                pooled = paired_bootstrap_over_seeds(
                    metric, [g[0] for g in general], ours, general[0][1], samples
                ).as_dict()
                per_seed = [
                    next(
                        p.as_dict()
                        for p in compare_predictions(
                            runs["general"][s]["record"], by_seed[s]["record"], samples
                        )
                        if p.metric == metric
                    )
                    for s in common
                ]
                row |= {"over_seeds": pooled, "per_seed": per_seed}
            rows[metric] = row
        rows["wall_s"] = round(statistics.fmean(by_seed[s]["wall_s"] for s in common), 1)
        rows["cpu_s"] = round(statistics.fmean(by_seed[s]["cpu_s"] for s in common), 1)
        rows["collapsed_seeds"] = [s for s in common if by_seed[s].get("collapse")]
        summary[variant] = rows
    return summary


def markdown(summary: dict, metrics: tuple[str, ...], pretrain_wall: dict[str, float]) -> str:
    lines = [
        "| model | " + " | ".join(f"{m} (mean ± sd)" for m in metrics) + " | difference [95% interval] | p "
        "| fine-tune wall / CPU s | pretrain wall s |",
        "| --- | " + " | ".join("---:" for _ in metrics) + " | --- | ---: | ---: | ---: |",
    ]
    first = metrics[0]
    for variant, rows in summary.items():
        cells = [f"{rows[m]['mean']:.3f} ± {rows[m]['sd']:.3f}" for m in metrics]
        paired = rows[first].get("over_seeds")
        difference = (
            f"{paired['difference']:+.3f} [{paired['ci_low']:+.3f}, {paired['ci_high']:+.3f}]"
            if paired
            else ""
        )
        p_value = f"{paired['p_value']:.3f}" if paired else ""
        times = f"{rows['wall_s']:.0f} / {rows['cpu_s']:.0f}"
        lines.append(
            f"| {variant} | " + " | ".join(cells) + f" | {difference} | {p_value} | {times} "
            f"| {pretrain_wall.get(variant, 0):.0f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("example", choices=sorted(RECIPES))
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--out", type=Path, help="default: runs/real/<example>")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--variants", nargs="*", default=["vertical", "tapt"], choices=sorted(VARIANTS))
    parser.add_argument(
        "--per-class", type=int, help="train on the first N examples of each class (ner: N sentences)"
    )
    parser.add_argument("--test-examples", type=int, help="score on every k-th test example to keep about N")
    parser.add_argument("--epochs", type=float, help="the task's epochs (default: the recipe's)")
    parser.add_argument(
        "--learning-rate", type=float, help="the task's learning rate (default: the recipe's)"
    )
    parser.add_argument("--set", action="append", default=[], help="a recipe override for every build")
    parser.add_argument("--bootstrap-samples", type=int, default=1000)
    args = parser.parse_args()
    if not args.datasets.is_dir():
        print(f"skipped: {args.datasets} not found (the real datasets live in ../shared/datasets)")
        return 0
    out = (args.out or ROOT / "runs" / "real" / args.example).resolve()  # recipes name files under it
    recipe_file = _recipe_file(args.example, args.datasets, out)
    recipe = load_recipe(recipe_file, args.set)
    task = recipe.tasks[0]
    task = task.model_copy(
        update={
            key: value
            for key, value in (("epochs", args.epochs), ("learning_rate", args.learning_rate))
            if value is not None
        }
    )
    train, test, labels = load_task_data(task)
    train = _subsample(train, args.per_class, task)
    if args.test_examples and len(test) > args.test_examples:
        test = test[:: len(test) // args.test_examples]
    train, validation = split_validation(task, train)
    task_texts = out / "task_texts.txt"
    task_texts.parent.mkdir(parents=True, exist_ok=True)
    task_texts.write_text("\n".join(_texts(train)) + "\n", encoding="utf-8")
    key = f"pc{args.per_class}-e{task.epochs:g}-lr{task.learning_rate:g}-t{len(test)}"
    print(
        f"{args.example}: {task.name} ({task.type}), {len(train)} training, {len(test)} test examples; {key}"
    )
    runs: dict[str, dict[int, dict]] = {name: {} for name in ("general", *args.variants)}
    pretrain_wall: dict[str, float] = {}
    for name in runs:  # one model at a time, every seed: the general figures come first
        if name == "general":
            model = resolve_base_model(recipe.base_model).path
        else:
            model, pretrain_wall[name] = build_variant(recipe_file, name, task_texts, out / "runs", args.set)
            print(f"built {name}: {model} ({pretrain_wall[name]:.0f} s)", flush=True)
        for seed in args.seeds:
            path = out / "predictions" / key / name / f"seed-{seed}.json"
            work = out / "work" / name / f"seed-{seed}"
            runs[name][seed] = _cached(
                path,
                lambda model=model, seed=seed, name=name, work=work: fine_tune(
                    task, name, model, train, test, labels, validation, seed, work
                ),
            )
            scores = runs[name][seed]["scores"]
            shown = ", ".join(f"{m} {scores[m]:.3f}" for m in HEADLINE.get(task.type, ("accuracy",)))
            print(f"seed {seed} {name}: {shown} ({runs[name][seed]['wall_s']:.0f} s)", flush=True)
    metrics = tuple(HEADLINE.get(task.type, ("accuracy", "macro_f1")))
    summary = summarize(runs, metrics, args.bootstrap_samples)
    table = markdown(summary, metrics, pretrain_wall)
    (out / "summary.json").write_text(
        json.dumps(
            {"example": args.example, "settings": key, "summary": summary, "pretrain_wall_s": pretrain_wall},
            indent=2,
        ),
        encoding="utf-8",
    )
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Throughput and accuracy of the int8 and ONNX forms against `pipeline("text-classification")`.

Runs the compress stage's measurement on a finished run (each task's vertical model, its test
examples from the recipe) and writes a compress folder like the stage's (ONNX files, table.md,
manifest.json) under --out, so that ``vertical serve --variant onnx-int8`` can use it. Prints the
table. Batch-32 throughput ratios are against the Hugging Face pipeline on the same model, in the
same process, on the same machine.

    python bench/compress_forms.py RECIPE RUN_DIR --out /tmp/bench-run [--latency-calls 30] [--task sector]
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

import torch

from vertical.compress.stage import compress_tasks
from vertical.recipe import CompressConfig, load_recipe
from vertical.run import RunDirectory, Stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", type=Path)
    parser.add_argument("run_dir", type=Path, help="the finished run whose finetune/ is compressed")
    parser.add_argument("--out", type=Path, required=True, help="a run folder of its own to write into")
    parser.add_argument("--latency-calls", type=int, default=30)
    parser.add_argument("--throughput-batches", type=int, default=6)
    parser.add_argument("--task", action="append", help="only these tasks (repeat); default: all")
    args = parser.parse_args()
    recipe = load_recipe(args.recipe)
    tasks = [t for t in recipe.tasks if not args.task or t.name in args.task]
    finetune_dir = args.out / "finetune"
    if not finetune_dir.exists():  # a copy, so the original run is never written to
        shutil.copytree(args.run_dir / "finetune", finetune_dir)
    cfg = CompressConfig(latency_calls=args.latency_calls, throughput_batches=args.throughput_batches)
    stage = Stage(
        "compress",
        {"compress": cfg.model_dump(), "tasks": [t.model_dump() for t in tasks]},
        {"finetune": finetune_dir},
        lambda out, work: compress_tasks(cfg, tasks, finetune_dir, out),
    )
    print(f"torch threads: {torch.get_num_threads()}, cpus: {os.cpu_count()}")
    RunDirectory(args.out).run_stage(stage, force=True)
    print((args.out / "compress" / "table.md").read_text())


if __name__ == "__main__":
    main()

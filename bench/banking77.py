"""BANKING77 intent classification (77 classes) fine-tuned from the default base, on this machine.

Published: BERT-base fine-tuned 93.0 accuracy (Casanueva et al. 2020). This measures what
`vertical`'s classification task reaches from `builtin:minilm` (all-MiniLM-L6-v2, 22M parameters)
within about ten minutes of 2 CPU cores, with its test metrics (accuracy, macro F1, ECE) and the
95% bootstrap interval of the accuracy. Reads ../shared/datasets/banking77 (skips when absent):

    python bench/banking77.py [--epochs 5] [--learning-rate 1e-4] [--lora]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from vertical.evaluate.scoring import headline_counts, score_predictions
from vertical.evaluate.significance import paired_bootstrap
from vertical.finetune.classification import train_classifier
from vertical.finetune.examples import check_labels, read_examples
from vertical.models import resolve_base_model
from vertical.recipe import TaskConfig

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "banking77"


def every_kth_of_each_label(examples: list, count: int) -> list:
    """About `count` examples: every k-th of each label (k = len / count), in the file's order.

    Per label, so that no label drops out: train.csv is sorted by label, and every k-th of the whole
    file cut to `count` lost the last labels, which the test set has (``check_labels`` refuses that).
    """
    step = max(1, len(examples) // count)
    seen: dict[str, int] = {}
    kept = []
    for example in examples:
        position = seen.get(example.label, 0)
        seen[example.label] = position + 1
        if position % step == 0:
            kept.append(example)
    return kept


def accuracy_interval(record: dict) -> tuple[float, float]:
    """95% bootstrap interval of the accuracy alone (a model against an all-wrong one)."""
    counts, statistic = headline_counts(record)["accuracy"]
    nothing = counts.copy()
    nothing[:, 0] = 0
    paired = paired_bootstrap("accuracy", nothing, counts, statistic, samples=1000)
    return paired.low, paired.high


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--epochs", type=float, default=5.0)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument(
        "--train-examples",
        type=int,
        help="train on every k-th example of each label to keep about N (a budget)",
    )
    parser.add_argument("--lora", action="store_true", help="LoRA rank 8 instead of training every weight")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    if not (args.data / "train.csv").is_file():
        print(f"skipped: {args.data} not found (it lives in ../shared/datasets/banking77)")
        return 0
    base = resolve_base_model("builtin:minilm")
    task = TaskConfig(
        name="banking77",
        data=str(args.data / "train.csv"),
        test=str(args.data / "test.csv"),
        label_column="category",
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        max_length=args.max_length,
        lora={"rank": 8, "alpha": 16} if args.lora else None,
    )
    train = read_examples(Path(task.data), task.text_column, task.label_column)
    test = read_examples(Path(task.test), task.text_column, task.label_column)
    if args.train_examples:
        train = every_kth_of_each_label(train, args.train_examples)
    labels = check_labels(train, test, task.test)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        predictions, history = train_classifier(
            task, base.path, train, test, labels, Path(scratch) / "model", Path(scratch) / "work", seed=0
        )
    wall_time = time.perf_counter() - started
    record = predictions.__dict__
    scores = score_predictions(record)
    low, high = accuracy_interval(record)
    figures = {
        "dataset": "banking77",
        "base_model": "builtin:minilm",
        "train_examples": len(train),
        "test_examples": len(test),
        "epochs": args.epochs,
        "learning_rate": args.learning_rate,
        "lora": args.lora,
        "accuracy": scores["accuracy"],
        "accuracy_95_interval": [low, high],
        "macro_f1": scores["macro_f1"],
        "weighted_f1": scores["weighted_f1"],
        "ece": scores["ece"],
        "final_training_loss": history["loss"][-1][1] if history["loss"] else None,
        "wall_time_s": round(wall_time, 1),
        "published_bert_base_accuracy": 0.9302,
    }
    print(json.dumps(figures, indent=2))
    worst = sorted(scores["per_class"].items(), key=lambda item: item[1]["f1"])[:5]
    print("lowest F1:", ", ".join(f"{label} {s['f1']:.2f}" for label, s in worst))
    print(f"mean test confidence {np.mean(np.max(record['probabilities'], axis=1)):.3f}")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

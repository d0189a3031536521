"""NCBI-disease named-entity recognition fine-tuned from the default base, on this machine.

Published: BioBERT v1.1 entity F1 89.7, PubMedBERT 87.8 (both pretrained on biomedical text,
BERT-base size). This measures what `vertical`'s NER task (CoNLL reader, first-piece label
alignment, seqeval entity F1) reaches from `builtin:minilm` (general English, 22M parameters)
within about ten minutes of 2 CPU cores. Reads ../shared/datasets/ncbi_disease (skips when absent):

    python bench/ncbi_disease.py [--epochs 3] [--learning-rate 1e-4]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from vertical.evaluate.scoring import score_predictions
from vertical.finetune.ner import train_tagger
from vertical.finetune.tagged import read_conll, tag_set
from vertical.models import resolve_base_model
from vertical.recipe import TaskConfig

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "ncbi_disease"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=160)
    parser.add_argument("--train-sentences", type=int, help="train on the first N sentences only (a budget)")
    parser.add_argument("--lora", action="store_true", help="LoRA rank 8 instead of training every weight")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    if not (args.data / "train.tsv").is_file():
        print(f"skipped: {args.data} not found (it lives in ../shared/datasets/ncbi_disease)")
        return 0
    base = resolve_base_model("builtin:minilm")
    task = TaskConfig(
        name="ncbi_disease",
        type="ner",
        data=str(args.data / "train.tsv"),
        test=str(args.data / "test.tsv"),
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        max_length=args.max_length,
        lora={"rank": 8, "alpha": 16} if args.lora else None,
    )
    train, test = read_conll(Path(task.data)), read_conll(Path(task.test))
    train = train[: args.train_sentences] if args.train_sentences else train
    tags = tag_set(train, test, task.test)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        predictions, history = train_tagger(
            task, base.path, train, test, tags, Path(scratch) / "model", Path(scratch) / "work", seed=0
        )
    wall_time = time.perf_counter() - started
    scores = score_predictions(predictions.__dict__)
    figures = {
        "dataset": "ncbi_disease",
        "base_model": "builtin:minilm",
        "train_sentences": len(train),
        "test_sentences": len(test),
        "epochs": args.epochs,
        "learning_rate": args.learning_rate,
        "lora": args.lora,
        "entity_precision": scores["entity_precision"],
        "entity_recall": scores["entity_recall"],
        "entity_f1": scores["entity_f1"],
        "tag_accuracy": scores["accuracy"],
        "ece_per_word": scores["ece"],
        "final_training_loss": history["loss"][-1][1] if history["loss"] else None,
        "wall_time_s": round(wall_time, 1),
        "published_biobert_entity_f1": 0.8971,
    }
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Masked-LM pretraining throughput: `vertical`'s pretrain stage against the plain Hugging Face way.

Both sides train the real all-MiniLM-L6-v2 on the same curated texts, with the same batch size,
sequence length and number of optimizer steps, in this one run:

* plain HF: `Trainer` + `DataCollatorForLanguageModeling` (15% token masking), `AutoModelForMaskedLM`
  (vocabulary logits at every position), fp32, random batches;
* vertical: `continue_pretraining`, the pretrain stage as `vertical run` runs it: the masked-LM head
  only at masked positions, bf16 autocast where the CPU has native bf16, length-grouped batches,
  whole-word masking, checkpoints at the end only.

Speed is non-padding tokens per second of training (the Trainer's own train_runtime; the stage's
loss checks before and after are not counted): steps x batch x mean tokens per text / runtime.
Texts: the real banking77 queries from ../shared/datasets when present, else the demo corpus.

    python bench/pretrain_throughput.py [--steps 40] [--batch-size 32] [--max-length 128]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import torch
from datasets import Dataset
from transformers import (
    AutoModelForMaskedLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

from vertical.data import corpus_shards, prepare_corpus
from vertical.models import resolve_base_model
from vertical.pretrain import continue_pretraining
from vertical.recipe import DataConfig, PretrainConfig

BANKING77 = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "banking77" / "train.csv"


def load_texts() -> tuple[list[str], str]:
    if BANKING77.is_file():
        with open(BANKING77, encoding="utf-8") as handle:
            return [row["text"] for row in csv.DictReader(handle)], "banking77 (real)"
    from vertical.demo.corpus import build_corpus
    from vertical.demo.world import build_world

    return [d.text for d in build_corpus(build_world(0), 4000)], "demo corpus (synthetic)"


def curated_corpus(texts: list[str], folder: Path) -> tuple[Path, list[str]]:
    """The data stage run on `texts`; returns its folder and the training texts it kept."""
    source = folder / "texts.jsonl"
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    data_dir = folder / "data"
    data_dir.mkdir()
    prepare_corpus(DataConfig(sources=[{"path": str(source)}], min_chars=10, leakage=False), data_dir)
    kept = [t for shard in corpus_shards(data_dir, "train") for t in pq.read_table(shard)["text"].to_pylist()]
    return data_dir, kept


def plain_hugging_face(
    path: Path, texts: list[str], steps: int, batch_size: int, max_length: int, folder: Path
):
    """Tokens per second of the plain Trainer + DataCollatorForLanguageModeling, fp32."""
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    encoded = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    mean_tokens = statistics.fmean(len(ids) for ids in encoded)
    model = AutoModelForMaskedLM.from_pretrained(str(path))
    arguments = TrainingArguments(
        output_dir=str(folder / "plain"),
        max_steps=steps,
        per_device_train_batch_size=batch_size,
        learning_rate=1e-4,
        save_strategy="no",
        report_to="none",
        logging_steps=steps,
        seed=0,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=Dataset.from_dict({"input_ids": encoded}),
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=0),
    )
    runtime = trainer.train().metrics["train_runtime"]
    return steps * batch_size * mean_tokens / runtime, runtime, mean_tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    arguments = parser.parse_args()
    base = resolve_base_model("builtin:minilm")
    texts, source = load_texts()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        data_dir, kept = curated_corpus(texts, folder)
        plain_rate, plain_time, mean_tokens = plain_hugging_face(
            base.path, kept, arguments.steps, arguments.batch_size, arguments.max_length, folder
        )
        cfg = PretrainConfig(
            steps=arguments.steps,
            batch_size=arguments.batch_size,
            max_length=arguments.max_length,
            learning_rate=1e-4,
            save_steps=arguments.steps,
        )
        metrics = continue_pretraining(cfg, base, data_dir, folder / "ours", folder / "work", seed=0).metrics
    ours_rate, ours_time = metrics["tokens_per_second_approx"], metrics["train_seconds"]
    print(
        f"texts: {source}, {len(kept)} after curation, {mean_tokens:.1f} tokens each on average; "
        f"{arguments.steps} steps of batch {arguments.batch_size}, max length {arguments.max_length}; "
        f"torch threads {torch.get_num_threads()}; vertical bf16 {metrics['bf16']}"
    )
    plain = "plain HF, Trainer + DataCollatorForLanguageModeling, fp32"
    print(f"{plain}: {plain_time:7.1f} s {plain_rate:7.0f} tokens/s")
    print(f"{'vertical pretrain stage':{len(plain)}}: {ours_time:7.1f} s {ours_rate:7.0f} tokens/s")
    print(f"speed-up: {ours_rate / plain_rate:.2f}x")


if __name__ == "__main__":
    main()

"""Masked-LM pretraining throughput: `vertical`'s pretrain stage against the plain Hugging Face way.

Both sides train the real all-MiniLM-L6-v2 on the same curated texts, with the same batch size,
sequence length and number of optimizer steps, in this one run:

* plain HF: `Trainer` + `DataCollatorForLanguageModeling` (15% token masking), `AutoModelForMaskedLM`
  (vocabulary logits at every position), random batches, twice: in fp32 (the defaults), and with
  ``bf16=True, use_cpu=True`` (what a user who knows the CPU has bf16 would set; on a GPU machine
  this row is left out);
* vertical: `continue_pretraining`, the pretrain stage as `vertical run` runs it: the masked-LM head
  only at masked positions, bf16 autocast where the CPU has native bf16, length-grouped batches,
  whole-word masking, checkpoints at the end only.

Speed is non-padding tokens per second of training (the Trainer's own train_runtime; the stage's
loss checks before and after are not counted): steps x batch x mean tokens per text / runtime.
Texts: the real banking77 queries from ../shared/datasets when present, else the demo corpus.

Prints tokens per second of each and the ratios of vertical's to each plain one.

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
from vertical.data.config import DataConfig
from vertical.models import resolve_base_model
from vertical.precision import cpu_has_fast_bf16
from vertical.pretrain import continue_pretraining
from vertical.pretrain.config import PretrainConfig

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
    path: Path, texts: list[str], steps: int, batch_size: int, max_length: int, folder: Path, bf16: bool
):
    """Tokens per second of the plain Trainer + DataCollatorForLanguageModeling; fp32, or with
    `bf16` the Trainer's own bf16 autocast on the CPU (``bf16=True, use_cpu=True``)."""
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    encoded = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    mean_tokens = statistics.fmean(len(ids) for ids in encoded)
    model = AutoModelForMaskedLM.from_pretrained(str(path))
    arguments = TrainingArguments(
        output_dir=str(folder / ("plain-bf16" if bf16 else "plain")),
        max_steps=steps,
        per_device_train_batch_size=batch_size,
        learning_rate=1e-4,
        save_strategy="no",
        report_to="none",
        logging_steps=steps,
        seed=0,
        disable_tqdm=True,
        dataloader_num_workers=0,
        **({"bf16": True, "use_cpu": True} if bf16 else {}),
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
        plain = {}
        for label, bf16 in (("fp32", False), ("bf16=True, use_cpu=True", True)):
            if bf16 and torch.cuda.is_available():
                continue  # use_cpu=True would measure the CPU of a GPU machine
            plain[label] = plain_hugging_face(
                base.path, kept, arguments.steps, arguments.batch_size, arguments.max_length, folder, bf16
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
    mean_tokens = plain["fp32"][2]
    print(
        f"texts: {source}, {len(kept)} after curation, {mean_tokens:.1f} tokens each on average; "
        f"{arguments.steps} steps of batch {arguments.batch_size}, max length {arguments.max_length}; "
        f"torch threads {torch.get_num_threads()}; CPU has native bf16: {cpu_has_fast_bf16()}; "
        f"vertical bf16 {metrics['bf16']}"
    )
    rows = {f"plain HF, Trainer + DataCollatorForLanguageModeling, {k}": v[:2] for k, v in plain.items()}
    rows["vertical pretrain stage"] = (ours_rate, ours_time)
    width = max(len(name) for name in rows)
    for name, (rate, seconds) in rows.items():
        print(f"{name:{width}}: {seconds:7.1f} s {rate:7.0f} tokens/s")
    for label, (rate, _, _) in plain.items():
        print(f"speed-up over plain HF {label}: {ours_rate / rate:.2f}x")


if __name__ == "__main__":
    main()

"""Masked-LM training throughput: vertical's pretraining step against the plain Hugging Face way.

Both sides train the real all-MiniLM-L6-v2 on the same texts, same batch size and sequence
length, for the same number of optimizer steps, in this one process:

* plain HF: ``AutoModelForMaskedLM(..., labels=...)`` (vocabulary logits at every position),
  fp32, ``DataCollatorForLanguageModeling`` (token masking) with random batches;
* vertical: ``SparseMaskedLM`` (logits only at masked positions), bf16 autocast where the CPU
  has native bf16, whole-word masking, length-grouped batches.

Texts: the real banking77 queries from ../shared/datasets when present, else the demo corpus.
Prints tokens per second of each and their ratio.

    python bench/pretrain_step.py [--steps 30] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer, DataCollatorForLanguageModeling

from vertical.models import resolve_base_model
from vertical.precision import use_bf16
from vertical.pretrain.masking import WholeWordMaskingCollator
from vertical.pretrain.objectives.mlm import SparseMaskedLM

BANKING77 = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "banking77" / "train.csv"


def load_texts(limit: int) -> tuple[list[str], str]:
    if BANKING77.is_file():
        with open(BANKING77, encoding="utf-8") as handle:
            return [row["text"] for row in csv.DictReader(handle)][:limit], "banking77 (real)"
    from vertical.demo.corpus import build_corpus
    from vertical.demo.world import build_world

    return [d.text for d in build_corpus(build_world(0), limit)], "demo corpus (synthetic)"


def batches(encoded: list[dict], batch_size: int, steps: int, grouped: bool, seed: int) -> list[list[dict]]:
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(encoded), generator=generator).tolist()
    if grouped:  # sort within windows of 50 batches, as the Trainer's length-grouped sampler does
        window = batch_size * 50
        order = [
            i
            for start in range(0, len(order), window)
            for i in sorted(order[start : start + window], key=lambda i: len(encoded[i]["input_ids"]))
        ]
    chunks = [order[i : i + batch_size] for i in range(0, len(order) - batch_size + 1, batch_size)]
    if grouped:
        chunks = [chunks[i] for i in torch.randperm(len(chunks), generator=generator).tolist()]
    return [[encoded[i] for i in chunk] for chunk in chunks[:steps]]


def train_steps(step_fn, model, batch_list) -> tuple[float, int]:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    tokens = 0
    for warmup in batch_list[:2]:
        step_fn(warmup).backward()
        optimizer.step()
        optimizer.zero_grad()
    started = time.perf_counter()
    for batch in batch_list[2:]:
        loss, size = step_fn(batch), sum(len(e["input_ids"]) for e in batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        tokens += size
    return time.perf_counter() - started, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    arguments = parser.parse_args()
    torch.manual_seed(0)
    path = resolve_base_model("builtin:minilm").path
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    texts, source = load_texts(arguments.batch_size * (arguments.steps + 2) * 2)
    encoded = []
    for text in texts:
        item = tokenizer(text, truncation=True, max_length=arguments.max_length)
        encoded.append(
            {"input_ids": item["input_ids"], "word_ids": [-1 if w is None else w for w in item.word_ids()]}
        )
    steps = arguments.steps + 2

    plain_model = AutoModelForMaskedLM.from_pretrained(str(path)).train()
    plain_collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=0)

    def plain_step(batch):
        features = plain_collator([{"input_ids": e["input_ids"]} for e in batch])
        return plain_model(
            input_ids=features["input_ids"],
            attention_mask=features["attention_mask"],
            labels=features["labels"],
        ).loss

    plain_time, plain_tokens = train_steps(
        plain_step, plain_model, batches(encoded, arguments.batch_size, steps, False, 0)
    )

    bf16 = use_bf16("auto")
    ours_model = AutoModelForMaskedLM.from_pretrained(str(path)).train()
    objective = SparseMaskedLM(ours_model)
    ours_collator = WholeWordMaskingCollator(
        tokenizer.mask_token_id, tokenizer.pad_token_id, len(tokenizer), 0.15, seed=0
    )

    def ours_step(batch):
        features = ours_collator(batch)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return objective(features["input_ids"], features["attention_mask"], features["labels"])

    ours_time, ours_tokens = train_steps(
        ours_step, ours_model, batches(encoded, arguments.batch_size, steps, True, 0)
    )

    plain_rate, ours_rate = plain_tokens / plain_time, ours_tokens / ours_time
    print(
        f"texts: {source}; {arguments.steps} timed steps of batch {arguments.batch_size}; "
        f"torch threads {torch.get_num_threads()}; bf16 {bf16}"
    )
    print(f"plain HF   : {plain_time:7.1f} s  {plain_rate:8.0f} real tokens/s")
    print(f"vertical   : {ours_time:7.1f} s  {ours_rate:8.0f} real tokens/s")
    print(f"speed-up   : {ours_rate / plain_rate:.2f}x")


if __name__ == "__main__":
    main()

"""Continued pretraining of a real decoder LLM: `vertical`'s causal-LM stage against the plain HF way.

Both sides train the same decoder (default: builtin:smollm2, SmolLM2-135M) on the same texts with the
same batch size, sequence length and number of AdamW steps, fp32 and bf16 autocast, in this one run:

* plain HF: `Trainer` + `DataCollatorForLanguageModeling(mlm=False)`, one text per row truncated to
  ``max_length`` and padded to the longest of its batch;
* vertical: `continue_pretraining` (the pretrain stage as `vertical run` runs it): texts packed end
  to end into full blocks of ``max_length`` tokens (no padding), checkpoints at the end only.

Speed is real (non-padding) tokens per second of training: the non-pad tokens of the batches the
Trainer ran over its own ``train_runtime``. Each configuration runs in its own process, so its peak
resident memory (``ru_maxrss``) is its own. Texts: WikiText-2 lines from ../shared/datasets when
present (they vary in length, as real documents do), else the LLM demo's synthetic fact documents.

    python bench/llm_pretrain.py [--base builtin:smollm2] [--steps 6] [--batch-size 8] [--max-length 128]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path


def load_texts(limit: int = 2000) -> tuple[list[str], str]:
    from vertical.demo.llm import find_general_data

    shared = find_general_data(Path(__file__).parent)
    wikitext = shared / "general_en" / "wikitext2_valid.txt" if shared else None
    if wikitext is not None and wikitext.is_file():
        lines = [line.strip() for line in wikitext.read_text(encoding="utf-8").splitlines()]
        return [line for line in lines if len(line) > 40 and not line.startswith("=")][
            :limit
        ], "WikiText-2 (real)"
    from vertical.demo.llm import fact_documents
    from vertical.demo.world import build_world

    return fact_documents(build_world(0, companies_per_sector=6), "en", 10, 0), "LLM demo facts (synthetic)"


def plain_hf(base: str, texts: list[str], steps: int, batch_size: int, max_length: int, bf16: bool) -> dict:
    import torch
    from datasets import Dataset
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        DataCollatorForLanguageModeling,
        Trainer,
        TrainingArguments,
    )

    from vertical.models import resolve_base_model

    path = resolve_base_model(base).path
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(path)
    rows = Dataset.from_dict({"text": texts}).map(
        lambda b: tokenizer(b["text"], truncation=True, max_length=max_length),
        batched=True,
        remove_columns=["text"],
    )
    with tempfile.TemporaryDirectory() as folder:
        arguments = TrainingArguments(
            output_dir=folder, max_steps=steps, per_device_train_batch_size=batch_size, learning_rate=1e-4,
            bf16=bf16, use_cpu=bf16 and not torch.cuda.is_available(), save_strategy="no", report_to="none",
            logging_steps=steps, seed=0, dataloader_num_workers=0, disable_tqdm=True,
        )  # fmt: skip
        trainer = Trainer(
            model=model, args=arguments, train_dataset=rows,
            data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        )  # fmt: skip
        seen: list[int] = []
        collate = trainer.data_collator

        def counting(examples):
            seen.append(sum(len(e["input_ids"]) for e in examples))  # non-pad tokens of this batch
            return collate(examples)

        trainer.data_collator = counting
        result = trainer.train()
    tokens = sum(seen[:steps])
    return {"tokens": tokens, "seconds": result.metrics["train_runtime"]}


def vertical_stage(
    base: str, texts: list[str], steps: int, batch_size: int, max_length: int, bf16: bool
) -> dict:
    from vertical.data import prepare_corpus
    from vertical.models import resolve_base_model
    from vertical.pretrain import continue_pretraining
    from vertical.recipe import DataConfig, PretrainConfig

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = root / "texts.jsonl"
        source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        data_dir = root / "data"
        data_dir.mkdir()
        prepare_corpus(
            DataConfig(sources=[{"path": str(source)}], validation_fraction=0.02, pii="off"), data_dir
        )
        cfg = PretrainConfig(
            steps=steps, batch_size=batch_size, max_length=max_length, save_steps=steps + 1,
            learning_rate=1e-4, precision="bf16" if bf16 else "fp32",
        )  # fmt: skip
        metrics = continue_pretraining(
            cfg, resolve_base_model(base), data_dir, root / "out", root / "work", seed=0
        ).metrics
    block = metrics["block_size"]
    return {"tokens": steps * batch_size * block, "seconds": metrics["train_seconds"]}


def one(args) -> None:
    texts, _ = load_texts()
    run = plain_hf if args.one.startswith("plain") else vertical_stage
    result = run(args.base, texts, args.steps, args.batch_size, args.max_length, args.one.endswith("bf16"))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("RESULT " + json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="builtin:smollm2")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args)
    _, source = load_texts()
    print(f"{args.base}, {args.steps} steps x {args.batch_size} x {args.max_length} tokens, texts: {source}")
    results = {}
    for name in ("plain-fp32", "vertical-fp32", "plain-bf16", "vertical-bf16"):
        command = [sys.executable, __file__, "--one", name, "--base", args.base, "--steps", str(args.steps),
                   "--batch-size", str(args.batch_size), "--max-length", str(args.max_length)]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        marked = next(line for line in output.splitlines() if line.startswith("RESULT "))
        results[name] = json.loads(marked.removeprefix("RESULT "))
        r = results[name]
        r["tokens_per_second"] = round(r["tokens"] / max(r["seconds"], 1e-9), 1)
        print(f"{name:14s} {r['tokens_per_second']:8.1f} real tokens/s  peak RSS {r['peak_rss_mb']} MB")
    for precision in ("fp32", "bf16"):
        ratio = (
            results[f"vertical-{precision}"]["tokens_per_second"]
            / results[f"plain-{precision}"]["tokens_per_second"]
        )
        print(f"{precision}: vertical / plain HF = {ratio:.2f}x real tokens/s")
    best = results["vertical-bf16"]["tokens_per_second"] / results["plain-fp32"]["tokens_per_second"]
    print(f"vertical bf16 / plain HF fp32 = {best:.2f}x")


if __name__ == "__main__":
    main()

"""Not speed: what the tokenizer stage gains on the demo corpora, English and Chinese.

For each demo world (the full sizes), mines terms from the news and glossary documents except a
held-out tenth, extends the base tokenizer, and prints fertility, [UNK] rate and mean tokens per
document on the held-out tenth, before and after, with the ratios.

    .venv/bin/python bench/tokenizer_gain.py
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from vertical.demo import FULL, FULL_ZH, write_chinese_finance_demo, write_finance_demo
from vertical.models import load_tokenizer, resolve_base_model
from vertical.tokenizer.extend import extend_tokenizer
from vertical.tokenizer.mine import mine_terms
from vertical.tokenizer.stats import tokenization_stats


def _documents(folder: Path) -> list[str]:
    texts = []
    for name in ("news.jsonl", "glossary.jsonl"):
        for line in (folder / "corpus" / name).read_text(encoding="utf-8").splitlines():
            texts.append(json.loads(line)["text"])
    return texts


def measure(name: str, texts: list[str]) -> dict:
    held_out, train = texts[::10], [t for i, t in enumerate(texts) if i % 10]
    tokenizer = load_tokenizer(resolve_base_model("builtin:minilm").path)
    before = tokenization_stats(tokenizer, held_out)
    start = time.perf_counter()
    terms = mine_terms(train, tokenizer, max_new_tokens=2000, min_frequency=10)
    extend_tokenizer(tokenizer, terms)
    seconds = time.perf_counter() - start
    after = tokenization_stats(tokenizer, held_out)
    kinds: dict[str, int] = {}
    for term in terms:
        kinds[term.kind] = kinds.get(term.kind, 0) + 1
    return {
        "corpus": name,
        "train_documents": len(train),
        "held_out_documents": len(held_out),
        "terms": kinds,
        "mine_and_extend_seconds": round(seconds, 1),
        "fertility": [
            before["fertility"],
            after["fertility"],
            round(after["fertility"] / before["fertility"], 3),
        ],
        "unk_rate": [before["unk_rate"], after["unk_rate"]],
        "mean_tokens_per_document": [
            before["mean_tokens_per_line"],
            after["mean_tokens_per_line"],
            round(after["mean_tokens_per_line"] / before["mean_tokens_per_line"], 3),
        ],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        english = write_finance_demo(Path(folder) / "en", FULL).parent
        chinese = write_chinese_finance_demo(Path(folder) / "zh", FULL_ZH).parent
        for name, path in (("English demo", english), ("Chinese demo", chinese)):
            print(json.dumps(measure(name, _documents(path)), ensure_ascii=False))


if __name__ == "__main__":
    main()

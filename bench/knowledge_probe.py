"""Did domain pretraining put the demo world's knowledge into the model? Two probes, general vs vertical.

* **linear probe**: logistic regression on the mean-pooled last hidden states of the sector task's
  sentences, trained on the training split, scored on the test split (companies and trade terms
  the probe never saw). Above chance (1/8) only if the encoder's features carry the sector.
* **fill-in probe** (vertical model only; the general MiniLM has no trained masked-LM head):
  "<company> is a company in the [MASK] sector." scored over the eight sector names.

This measures the knowledge-injection work of the pretraining roadmap against the plain masked-LM
baseline of the demo. Usage, after `vertical demo`:

    python bench/knowledge_probe.py runs/finance-demo demo-data/finance-demo
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

from vertical.demo.world import SECTORS
from vertical.models import quiet_transformers, resolve_base_model


def read_task(path: Path) -> tuple[list[str], list[str]]:
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], [row["label"] for row in rows]


@torch.no_grad()
def mean_pooled(model_path: Path, texts: list[str]) -> np.ndarray:
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    with quiet_transformers():
        encoder = AutoModel.from_pretrained(str(model_path)).eval()
    features = []
    for start in range(0, len(texts), 64):
        batch = tokenizer(texts[start : start + 64], padding=True, truncation=True, return_tensors="pt")
        hidden = encoder(**batch).last_hidden_state  # (B, T, H)
        mask = batch["attention_mask"].unsqueeze(-1)  # (B, T, 1)
        features.append(((hidden * mask).sum(1) / mask.sum(1)).numpy())
    return np.concatenate(features)


def linear_probe(model_path: Path, train: tuple, test: tuple) -> float:
    probe = LogisticRegression(max_iter=3000).fit(mean_pooled(model_path, train[0]), train[1])
    return float((probe.predict(mean_pooled(model_path, test[0])) == np.array(test[1])).mean())


def company_sectors(triples_csv: Path) -> dict[str, str]:
    """Each company's sector from the demo's graph (kg/triples.csv), whatever size the world is."""
    with open(triples_csv, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    companies = {r["subject"] for r in rows if r["predicate"] == "type" and r["object"] == "Company"}
    sector_rows = (r for r in rows if r["predicate"] == "sector" and r["subject"] in companies)
    return {r["subject"]: r["object"] for r in sector_rows}


@torch.no_grad()
def fill_in_probe(model_path: Path, sectors_of: dict[str, str]) -> float:
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    with quiet_transformers():
        model = AutoModelForMaskedLM.from_pretrained(str(model_path)).eval()
    names = [sector.name for sector in SECTORS]
    candidate_ids = [tokenizer(name, add_special_tokens=False)["input_ids"][0] for name in names]
    correct = 0
    for company, sector in sectors_of.items():
        text = f"{company} is a company in the {tokenizer.mask_token} sector."
        batch = tokenizer(text, return_tensors="pt")
        position = int((batch["input_ids"][0] == tokenizer.mask_token_id).nonzero()[0, 0])
        logits = model(**batch).logits[0, position, candidate_ids]
        correct += names[int(logits.argmax())] == sector
    return correct / len(sectors_of)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="runs/<name> of a completed demo build")
    parser.add_argument("demo_dir", type=Path, help="the demo's data folder (demo-data/<name>)")
    arguments = parser.parse_args()
    train = read_task(arguments.demo_dir / "tasks" / "sector_train.csv")
    test = read_task(arguments.demo_dir / "tasks" / "sector_test.csv")
    general = resolve_base_model("builtin:minilm").path
    vertical = arguments.run_dir / "pretrain" / "model"
    general_score, vertical_score = linear_probe(general, train, test), linear_probe(vertical, train, test)
    print(f"chance: {1 / len(SECTORS):.3f}")
    ratio = vertical_score / max(general_score, 1e-9)
    print(
        f"linear probe, unseen companies and terms: general {general_score:.3f}  "
        f"vertical {vertical_score:.3f}  ratio {ratio:.2f}x"
    )
    sectors_of = company_sectors(arguments.demo_dir / "kg" / "triples.csv")
    print(f"fill-in probe, vertical: {fill_in_probe(vertical, sectors_of):.3f}")


if __name__ == "__main__":
    main()

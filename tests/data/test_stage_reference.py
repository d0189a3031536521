"""The data stage keeps and drops the same documents, with the same texts, as the stage it replaced.

The reference (`tests/assets/data/stage_reference.json`) was written by the per-document stage of
before the batched steps (`make_stage_reference.py`, same folder) on the seeded corpus of
`stage_corpus.py`: for every document, where it went (train, validation, or the drop reason) and
a hash of its final text, plus the stage's metrics. Near dedup, leakage and two tasks are on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

from tests.data.stage_corpus import write_stage_corpus
from vertical.data import corpus_shards, prepare_corpus
from vertical.data.leakage import EvaluationExample
from vertical.recipe import DataConfig

REFERENCE = Path(__file__).resolve().parents[1] / "assets" / "data" / "stage_reference.json"
EXAMPLES = [
    EvaluationExample("probe", 0, "Central bank raised the policy rate to fight inflation in services."),
    EvaluationExample("sector", 1, "银行贷款存款利率收益债券股票"),
]


def stage_decisions(folder: Path) -> dict:
    """Runs the stage on ``folder/corpus``; where each document went, its text's hash, the metrics."""
    cfg = DataConfig(
        sources=[{"path": str(folder / "corpus")}],
        dedup="near",
        tasks=2,
        boilerplate_min_documents=3,
        validation_fraction=0.1,
    )
    output = folder / "out"
    metrics = prepare_corpus(cfg, output, folder / "work", evaluation_examples=EXAMPLES).metrics
    documents: dict[str, str] = {}
    for split in ("train", "validation"):
        for shard in corpus_shards(output, split):
            for row in pq.read_table(shard).to_pylist():
                digest = hashlib.sha1(row["text"].encode("utf-8")).hexdigest()[:12]
                documents[row["id"]] = f"{split} {digest}"
    for line in (output / "drops.jsonl").read_text(encoding="utf-8").splitlines():
        drop = json.loads(line)
        key = drop["id"] or f"{Path(drop['source']).name}:{drop['line']}"
        documents[key] = f"{drop['reason']} {drop['detail'] or ''}".strip()
    return {"documents": documents, "metrics": metrics}


def test_the_stage_decides_as_the_reference_did(tmp_path):
    write_stage_corpus(tmp_path / "corpus")
    got = stage_decisions(tmp_path)
    want = json.loads(REFERENCE.read_text(encoding="utf-8"))
    differing = {
        key: (want["documents"].get(key), got["documents"].get(key))
        for key in set(want["documents"]) | set(got["documents"])
        if want["documents"].get(key) != got["documents"].get(key)
    }
    assert not differing, f"{len(differing)} documents differ, e.g. {sorted(differing.items())[:5]}"
    assert got["metrics"] == want["metrics"]

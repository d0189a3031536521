import json

import pyarrow.parquet as pq

from vertical.data import corpus_shards, prepare_corpus
from vertical.recipe import DataConfig


def test_prepare_cleans_dedups_splits_and_logs_drops(tmp_path):
    corpus = tmp_path / "c.jsonl"
    lines = [{"id": f"d{i}", "text": f"Document number {i} about deposits and loans."} for i in range(200)]
    lines += [
        {"id": "dup", "text": "document number 0 about deposits and loans."},
        {"id": "short", "text": "hi"},
    ]
    corpus.write_text("".join(json.dumps(line) + "\n" for line in lines))
    output = tmp_path / "out"
    output.mkdir()
    cfg = DataConfig(sources=[{"path": str(corpus)}], min_chars=10, validation_fraction=0.1)
    result = prepare_corpus(cfg, output)
    metrics = result.metrics
    assert metrics["documents_read"] == 202
    assert metrics["documents_dropped"] == {"exact_duplicate": 1, "too_short": 1}
    assert metrics["documents_train"] + metrics["documents_validation"] == 200
    assert 5 <= metrics["documents_validation"] <= 40
    drops = [json.loads(line) for line in (output / "drops.jsonl").read_text().splitlines()]
    assert {(d["id"], d["reason"]) for d in drops} == {("dup", "exact_duplicate"), ("short", "too_short")}
    train_ids = {
        row for shard in corpus_shards(output, "train") for row in pq.read_table(shard)["id"].to_pylist()
    }
    validation_ids = {
        row for shard in corpus_shards(output, "validation") for row in pq.read_table(shard)["id"].to_pylist()
    }
    assert not train_ids & validation_ids
    # the split depends on ids only: a second run puts every document on the same side
    again = tmp_path / "again"
    again.mkdir()
    prepare_corpus(cfg, again)
    assert {
        r for s in corpus_shards(again, "validation") for r in pq.read_table(s)["id"].to_pylist()
    } == validation_ids

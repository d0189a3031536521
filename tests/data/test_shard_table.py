"""The finish pipeline over record batches writes what the document steps write."""

from __future__ import annotations

import functools

import pyarrow.parquet as pq
import pytest

from tests.data.stage_corpus import write_stage_corpus
from vertical.data import prepare
from vertical.recipe import DataConfig


def _run(folder, corpus, dedup: str, document_finish: bool, monkeypatch) -> dict:
    build = functools.partial(prepare.build_pipelines, document_finish=document_finish)
    with monkeypatch.context() as patch:
        patch.setattr(prepare, "build_pipelines", build)
        cfg = DataConfig(
            sources=[{"path": str(corpus)}],
            dedup=dedup,
            tasks=2,
            boilerplate_min_documents=3,
            validation_fraction=0.1,
        )
        metrics = prepare.prepare_corpus(cfg, folder / "out", folder / "work").metrics
    shards = {}
    for path in sorted((folder / "out" / "corpus").glob("*.parquet")):
        file = pq.ParquetFile(path)
        groups = [file.metadata.row_group(i).num_rows for i in range(file.metadata.num_row_groups)]
        shards[path.name] = (file.read(), groups)
    return {"metrics": metrics, "shards": shards, "drops": (folder / "out" / "drops.jsonl").read_text()}


@pytest.mark.parametrize("dedup", ["near", "exact"])
def test_the_table_finish_writes_the_shards_drops_and_counts_of_the_document_steps(
    tmp_path, monkeypatch, dedup
):
    corpus = tmp_path / "corpus"
    write_stage_corpus(corpus)
    table = _run(tmp_path / "table", corpus, dedup, False, monkeypatch)
    documents = _run(tmp_path / "documents", corpus, dedup, True, monkeypatch)
    assert table["metrics"] == documents["metrics"]
    assert sorted(table["drops"].splitlines()) == sorted(documents["drops"].splitlines())
    assert table["shards"].keys() == documents["shards"].keys() and table["shards"]
    for name, (rows, groups) in documents["shards"].items():
        assert table["shards"][name][0].equals(rows), name
        assert table["shards"][name][1] == groups, name
    if dedup == "near":
        assert table["metrics"]["documents_dropped"].get("near_duplicate")


def test_shards_are_written_in_row_groups_of_1000_as_datatrove_s_writer(tmp_path):
    import pyarrow as pa

    from vertical.data.shard_table import _Shards

    rows = pa.RecordBatch.from_pydict(
        {"id": [str(i) for i in range(2500)], "text": ["t"] * 2500, "source": ["s"] * 2500}
    )
    with _Shards(tmp_path, 3) as shards:
        for start, size in ((0, 700), (700, 900), (1600, 1), (1601, 899)):
            shards.write("train", rows.slice(start, size))
    file = pq.ParquetFile(tmp_path / "train-00003.parquet")
    assert [file.metadata.row_group(i).num_rows for i in range(file.metadata.num_row_groups)] == [
        1000,
        1000,
        500,
    ]
    assert file.read().column("id").to_pylist() == [str(i) for i in range(2500)]

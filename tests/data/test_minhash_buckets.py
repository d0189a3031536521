import numpy as np
import pytest
from datatrove.data import Document
from datatrove.pipeline.dedup.minhash import MinhashDedupBuckets, MinhashDedupFilter
from datatrove.pipeline.writers.jsonl import JsonlWriter

from vertical.data.minhash_buckets import SortedBucketPairs, signature_record, sort_signature_records
from vertical.data.minhash_filter import BatchMinhashFilter
from vertical.data.near_dedup import minhash_config


def _records(rng, size, rows, values):
    """Signature records with few distinct values, so that ties in every field are common."""
    records = np.empty(size, signature_record(rows, "Q"))
    for i in range(rows):
        records[f"h{i}"] = rng.integers(0, values, size, dtype=np.uint64) * np.uint64(2**50)
    records["index"] = rng.permutation(size).astype(np.uint32)
    return records


def test_signature_records_sort_as_datatrove_sorts_them():
    rng = np.random.default_rng(0)
    for values in (3, 50, 2**12):
        records = _records(rng, 5000, 4, values)
        reference = records.copy()
        reference.sort(order=records.dtype.names)  # datatrove's sort
        assert sort_signature_records(records).tobytes() == reference.tobytes()


@pytest.mark.parametrize("workers_per_bucket", [1, 3])
def test_bucket_pairs_are_the_bytes_of_datatrove_s_heap_merge(tmp_path, workers_per_bucket):
    config = minhash_config(0.8, 5)
    rng = np.random.default_rng(1)
    signatures = tmp_path / "signatures"
    for bucket in range(config.num_buckets):
        (signatures / f"bucket_{bucket:03d}").mkdir(parents=True)
        for task in range(3):
            records = _records(rng, int(rng.integers(0, 400)), config.hashes_per_bucket, 2)
            records.sort(order=records.dtype.names)
            (signatures / f"bucket_{bucket:03d}" / f"{task:05d}.minhash.sig").write_bytes(records.tobytes())
    world_size = config.num_buckets * workers_per_bucket
    for step, out in ((MinhashDedupBuckets, "theirs"), (SortedBucketPairs, "ours")):
        for rank in range(world_size):
            step(str(signatures), str(tmp_path / out), config=config).run(None, rank, world_size)
    theirs = sorted((tmp_path / "theirs").glob("*.dups"))
    assert [p.name for p in theirs] == sorted(p.name for p in (tmp_path / "ours").glob("*.dups"))
    assert sum(p.stat().st_size for p in theirs) > 1000  # pairs were found
    for path in theirs:
        assert (tmp_path / "ours" / path.name).read_bytes() == path.read_bytes()


def test_the_batch_filter_drops_the_documents_datatrove_s_drops(tmp_path):
    removed = np.array([0, 3, 4, 255, 256, 600, 999], "<u4")
    (tmp_path / "remove").mkdir()
    (tmp_path / "remove" / "000001.remove").write_bytes(removed.tobytes())
    kept, dropped = {}, {}
    for step, name in ((MinhashDedupFilter, "theirs"), (BatchMinhashFilter, "ours")):
        writer = JsonlWriter(str(tmp_path / name), output_filename="${rank}.jsonl", compression=None)
        documents = [Document(text=f"text {i}", id=str(i)) for i in range(1000)]
        filtered = step(str(tmp_path / "remove"), exclusion_writer=writer).run(iter(documents), rank=1)
        kept[name] = [document.id for document in filtered]
        dropped[name] = (tmp_path / name / "00001.jsonl").read_text()
    assert kept["ours"] == kept["theirs"]
    assert len(kept["ours"]) == 1000 - removed.size
    assert dropped["ours"] == dropped["theirs"]
    # a task without a list keeps everything
    documents = [Document(text="a", id="a"), Document(text="b", id="b")]
    assert len(list(BatchMinhashFilter(str(tmp_path / "remove")).run(iter(documents), rank=0))) == 2

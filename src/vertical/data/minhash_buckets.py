"""datatrove's MinHash bucket step (step 2 of near dedup) with its merge done by one numpy sort.

`MinhashDedupBuckets` merges the sorted signature files of a band with a heap of Python objects,
one `HashSig` dataclass per record and a comparison per heap move (~5% of the data stage at 50 MB).
`SortedBucketPairs` reads the band's records of every task at once, sorts them in the heap's
order (band values, then file, then document) with numpy and writes the same pairs of equal
neighbours, byte for byte, to the same ``.dups`` files, so datatrove's cluster step reads them
unchanged. Records outside the task's hash range are left out as datatrove leaves them out.

The records of a band are held in memory (8 bytes a hash and 4 an index, ~50 bytes a document
with 5 rows); past `memory_budget` bytes of signature files, or with datatrove's index options,
the step is datatrove's own streaming merge.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np
from datatrove.pipeline.dedup.minhash import MinhashDedupBuckets

_DEFAULT_BUDGET = 512 * 2**20


def signature_record(rows: int, hash_format: str) -> np.dtype:
    """The record of a signature file: `rows` band values, then the document's index in its task."""
    return np.dtype([(f"h{i}", f"<{hash_format}") for i in range(rows)] + [("index", "<u4")])


def _lexicographic_order(keys: list[np.ndarray]) -> np.ndarray:
    """The order that sorts by `keys[0]`, then `keys[1]`... (`np.lexsort` of the keys reversed).

    Sorted by the first key, then within each run of equal values by the next key, and so on
    for the runs still tied only: band values are mostly distinct, and where documents share
    one they seldom share the next, so each key sorts fewer rows (~4x a lexsort of every key).
    """
    order = np.argsort(keys[0], kind="stable")
    at = np.arange(order.size)  # sorted positions still tied with a neighbour, in runs
    run = np.zeros(order.size, np.int64)  # the run of each of those (ascending with position)
    for depth in range(1, len(keys) + 1):
        previous = keys[depth - 1][order[at]]
        same = (previous[1:] == previous[:-1]) & (run[1:] == run[:-1])  # (A - 1,) ties with the next
        tied = np.zeros(at.size, bool)
        tied[:-1] |= same
        tied[1:] |= same
        if not tied.any() or depth == len(keys):
            break
        starts = np.ones(at.size, bool)  # a new run where a row is not tied with the one before
        starts[1:] = ~same
        run, at = np.cumsum(starts)[tied], at[tied]
        within = order[at]
        order[at] = within[np.lexsort([keys[depth][within], run])]  # stable: earlier keys' order kept
    return order


def sort_signature_records(records: np.ndarray) -> np.ndarray:
    """`records` (of `signature_record`) in datatrove's order, all fields ascending, first to last."""
    return records[_lexicographic_order([records[name] for name in records.dtype.names])]


def equal_neighbour_pairs(
    bands: np.ndarray, files: np.ndarray, documents: np.ndarray
) -> tuple[np.ndarray, int]:
    """The pairs a heap merge of the band's sorted files writes, as datatrove writes them.

    Args:
        bands: (N, R) uint64 band values of every record.
        files: (N,) the file (task) number of each record.
        documents: (N,) uint32 the document index of each record in its file.

    Returns:
        ((P, 4) little-endian uint32 rows (file, document, file, document) of each record and the one
        before it in sorted order when their band values are equal; the number P).
    """
    if not files.size:
        return np.empty((0, 4), "<u4"), 0
    # band values first, then file, then document
    order = _lexicographic_order([*(bands[:, r] for r in range(bands.shape[1])), files, documents])
    ordered = bands[order]
    equal = np.flatnonzero((ordered[1:] == ordered[:-1]).all(axis=1))  # (P,) record i+1 equals record i
    before, after = order[equal], order[equal + 1]
    pairs = np.stack([files[before], documents[before], files[after], documents[after]], axis=1)
    return pairs.astype("<u4"), int(equal.size)


class SortedBucketPairs(MinhashDedupBuckets):
    """datatrove's MinHash bucket step (same arguments) over in-memory numpy arrays; see the module
    docstring."""

    def __init__(self, *args, memory_budget: int = _DEFAULT_BUDGET, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.memory_budget = memory_budget

    def _read_band(self, sig_files: list[str], hash_min: int, hash_max: int):
        rows = self.config.hashes_per_bucket
        record = signature_record(rows, self.config.hash_config.struct_format)
        bands, files, documents = [], [], []
        for name in sig_files:
            with self.input_folder.open(name, mode="rb") as handle:
                records = np.frombuffer(handle.read(), record)
            first = records["h0"]
            records = records[(first >= hash_min) & (first < hash_max)]
            bands.append(np.stack([records[f"h{i}"] for i in range(rows)], axis=1).astype(np.uint64))
            files.append(np.full(records.size, int(PurePosixPath(name).name.removesuffix(".minhash.sig"))))
            documents.append(records["index"])
        if not bands:
            return np.empty((0, rows), np.uint64), np.empty(0, np.int64), np.empty(0, np.uint32)
        return np.concatenate(bands), np.concatenate(files), np.concatenate(documents)

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if self.index_folder is not None or self.create_index_name:
            return super().run(data, rank, world_size)
        assert data is None, "You should not use an input block before MinhashDedupBuckets"
        assert world_size % self.config.num_buckets == 0, "Number of tasks must be divisible by num_buckets"
        bucket, bucket_worker = divmod(rank, world_size // self.config.num_buckets)
        sig_files = self.input_folder.list_files(subdirectory=f"bucket_{bucket:03d}")
        if sum(self.input_folder.size(name) for name in sig_files) > self.memory_budget:
            return super().run(data, rank, world_size)
        with self.track_time():
            hash_min, hash_max = self.get_worker_hash_range(sig_files, rank, world_size)
            pairs, found = equal_neighbour_pairs(*self._read_band(sig_files, hash_min, hash_max))
            with self.output_folder.open(f"{bucket:05d}_{bucket_worker:02d}.dups", mode="wb") as out:
                out.write(pairs.tobytes())
            if found:
                self.stat_update("total_matches", value=found)
        return None

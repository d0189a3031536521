"""datatrove's MinHash filter step (step 4 of near dedup) with its bookkeeping done once a batch.

`MinhashDedupFilter` times itself and updates two statistics for every document, and reads the
list of documents to remove four bytes at a time: about 6 µs a document, more than the rest of
the step. `BatchMinhashFilter` drops the same documents (those listed in the task's ``.remove``
file, by position) and passes the others on in order, reads the list at once (4 bytes a removed
document) and counts per batch. With datatrove's cluster id or size options it is datatrove's own.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.dedup.minhash import MinhashDedupFilter
from datatrove.utils.batching import batched
from datatrove.utils.typeshelper import StatHints


def removed_positions(folder: Path, rank: int) -> list[int]:
    """Positions of task `rank`'s documents to remove, ascending, from ``folder/<rank>.remove``
    (written by datatrove's cluster step; empty without one)."""
    path = Path(folder) / f"{rank:06d}.remove"
    return np.fromfile(path, "<u4").tolist() if path.is_file() else []


class BatchMinhashFilter(MinhashDedupFilter):
    """datatrove's MinHash filter (same arguments) that keeps its books a batch at a time."""

    def __init__(self, *args, batch_size: int = 256, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batch_size = batch_size

    def _removed(self, rank: int) -> list[int]:
        """Positions of the task's documents to remove, ascending (empty without a list)."""
        name = f"{rank:06d}.remove"
        if not self.data_folder.isfile(name):
            return []
        with self.data_folder.open(name, "rb") as handle:
            return np.frombuffer(handle.read(), "<u4").tolist()

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if self.load_cluster_ids or self.load_cluster_sizes:
            yield from super().run(data, rank, world_size)
            return
        removed = self._removed(rank)
        removed.append(-1)  # a position never reached: no test for the end of the list
        next_removal, taken, position = removed[0], 0, 0
        with self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext() as writer:
            for batch in batched(data, self.batch_size):
                dropped = 0
                for document in batch:
                    if position == next_removal:
                        dropped += 1
                        taken += 1
                        next_removal = removed[taken]
                        if writer:
                            writer.write(document, rank)
                    else:
                        yield document
                    position += 1
                self.stat_update(StatHints.total, value=len(batch), unit="batch")
                self.stat_update(StatHints.forwarded, value=len(batch) - dropped, unit="batch")
                if dropped:
                    self.stat_update(StatHints.dropped, value=dropped, unit="batch")

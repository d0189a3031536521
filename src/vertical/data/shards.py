"""Where a completed data stage keeps its corpus shards: ``corpus/<split>-<task>.parquet``.

Later stages read the corpus through `corpus_shards`; this module imports nothing heavy, so they
do not load datatrove.
"""

from __future__ import annotations

from pathlib import Path


def corpus_shards(data_dir: Path, split: str) -> list[Path]:
    """The parquet shards of `split` ("train" or "validation") in a completed data stage folder."""
    return sorted((Path(data_dir) / "corpus").glob(f"{split}-*.parquet"))

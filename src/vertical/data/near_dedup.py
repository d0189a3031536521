"""Near-duplicate removal with datatrove's MinHash LSH, configured from a Jaccard threshold.

MinHash (Broder 1997) estimates the Jaccard similarity of two documents' sets of word n-grams;
LSH banding (b bands of r hashes) makes two documents candidates when any band is equal, which
happens with probability 1 - (1 - s^r)^b for similarity s. The threshold of that S-curve is
about (1/b)^(1/r); `lsh_bands` picks b and r for the recipe's threshold. datatrove runs it in
four steps: signatures (with the curation stage), buckets, clusters, and the filter (with the
final stage); words are `vertical.data.words` (Chinese by character).
"""

from __future__ import annotations

from pathlib import Path

from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.hashing import HashConfig

from vertical.data.words import MixedScriptTokenizer


def lsh_bands(threshold: float, max_hashes: int = 128) -> tuple[int, int]:
    """(bands, rows per band) whose S-curve threshold (1/b)^(1/r) is nearest `threshold`."""
    best = None
    for rows in range(1, 17):
        for bands in range(1, max_hashes // rows + 1):
            error = abs((1 / bands) ** (1 / rows) - threshold)
            # prefer more hashes at equal error: a steeper S-curve
            key = (round(error, 3), -bands * rows)
            if best is None or key < best[0]:
                best = (key, bands, rows)
    assert best is not None
    return best[1], best[2]


def minhash_config(threshold: float, ngram: int, seed: int = 1) -> MinhashConfig:
    """datatrove's MinHash settings for a Jaccard `threshold` and shingles of `ngram` words.

    The hash is sha1: datatrove's default xxhash rejects str with xxhash>=4.
    """
    bands, rows = lsh_bands(threshold)
    return MinhashConfig(
        n_grams=ngram,
        num_buckets=bands,
        hashes_per_bucket=rows,
        seed=seed,
        hash_config=HashConfig(precision=64, hash_fc="sha1"),
    )


def signature_step(folder: Path, config: MinhashConfig) -> MinhashDedupSignature:
    """Step 1, at the end of the curation pipeline: writes each task's signatures."""
    return MinhashDedupSignature(str(folder / "signatures"), config=config, language=MixedScriptTokenizer())


def bucket_step(folder: Path, config: MinhashConfig) -> MinhashDedupBuckets:
    """Step 2, a task per band: pairs of documents with an equal band."""
    return MinhashDedupBuckets(str(folder / "signatures"), str(folder / "buckets"), config=config)


def cluster_step(folder: Path, config: MinhashConfig) -> MinhashDedupCluster:
    """Step 3, one task: joins the pairs into clusters and lists all but one member of each for removal."""
    return MinhashDedupCluster(str(folder / "buckets"), str(folder / "remove"), config=config)


def filter_step(folder: Path, exclusion_writer: DiskWriter | None) -> MinhashDedupFilter:
    """Step 4, at the start of the final pipeline: drops the listed documents."""
    return MinhashDedupFilter(str(folder / "remove"), exclusion_writer=exclusion_writer)

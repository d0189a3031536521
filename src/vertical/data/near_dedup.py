"""Near-duplicate removal with datatrove's MinHash LSH, configured from a Jaccard threshold.

MinHash (Broder 1997) estimates the Jaccard similarity of two documents' sets of word n-grams;
LSH banding (b bands of r hashes) makes two documents candidates when any band is equal, which
happens with probability 1 - (1 - s^r)^b for similarity s. The threshold of that S-curve is
about (1/b)^(1/r); `lsh_bands` picks b and r for the recipe's threshold. datatrove runs it in
four steps: signatures (with the curation stage), buckets, clusters, and the filter (with the
final stage); words are `vertical.data.words` (Chinese by character).

`WordShingleSignature` changes only how shingles are hashed: datatrove hashes each n-gram string
with sha1 in Python (a quarter of the stage on the benchmark corpus); here each distinct word is hashed
once (blake2b, the same in every process) and n-gram hashes are combined in numpy.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.hashing import HashConfig

from vertical.data.words import MixedScriptTokenizer, words

# odd 64-bit multipliers, one per position in an n-gram (uint64 arithmetic wraps)
_POSITION_MULTIPLIERS = np.array(
    [int.from_bytes(hashlib.blake2b(bytes([i]), digest_size=8).digest(), "big") | 1 for i in range(32)],
    np.uint64,
)


_NUMBER = re.compile(r"\d+")


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


def shingle_hashes(text: str, ngram: int) -> np.ndarray:
    """64-bit hashes of the word n-grams of `text` (repeats kept), shape (N, 1) for datatrove.

    Like datatrove's own normalisation, the text is lower-cased and every number counts as "0":
    documents that differ only in figures (dates, amounts, ids) are near-duplicates. A text with
    fewer than `ngram` words gives one shingle of all its words.
    """
    tokens = words(_NUMBER.sub("0", text.lower()))
    if not tokens:
        return np.zeros((0, 1), np.uint64)
    distinct = set(tokens)
    hashed = dict(zip(distinct, map(_word_hash, distinct), strict=True))
    word_hashes = np.fromiter(map(hashed.__getitem__, tokens), np.uint64, len(tokens))
    n = min(ngram, len(tokens))
    count = len(tokens) - n + 1
    combined = np.zeros(count, np.uint64)
    with np.errstate(over="ignore"):
        for position in range(n):
            combined += word_hashes[position : position + count] * _POSITION_MULTIPLIERS[position]
    return combined.reshape(-1, 1)  # repeated shingles do not change a minimum


class WordShingleSignature(MinhashDedupSignature):
    """datatrove's MinHash signature step with numpy shingle hashing; see the module docstring."""

    def get_shingles(self, text: str) -> np.ndarray:
        return shingle_hashes(text, self.config.n_grams)


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

    The hash setting is sha1 (datatrove's default xxhash rejects str with xxhash>=4); our
    signature step hashes words itself and uses it only for the bucket format.
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
    return WordShingleSignature(str(folder / "signatures"), config=config, language=MixedScriptTokenizer())


def bucket_step(folder: Path, config: MinhashConfig) -> MinhashDedupBuckets:
    """Step 2, a task per band: pairs of documents with an equal band."""
    return MinhashDedupBuckets(str(folder / "signatures"), str(folder / "buckets"), config=config)


def cluster_step(folder: Path, config: MinhashConfig) -> MinhashDedupCluster:
    """Step 3, one task: joins the pairs into clusters and lists all but one member of each for removal."""
    return MinhashDedupCluster(str(folder / "buckets"), str(folder / "remove"), config=config)


def filter_step(folder: Path, exclusion_writer: DiskWriter | None) -> MinhashDedupFilter:
    """Step 4, at the start of the final pipeline: drops the listed documents."""
    return MinhashDedupFilter(str(folder / "remove"), exclusion_writer=exclusion_writer)

"""Near-duplicate removal with datatrove's MinHash LSH, configured from a Jaccard threshold.

MinHash (Broder 1997) estimates the Jaccard similarity of two documents' sets of word n-grams;
LSH banding (b bands of r hashes) makes two documents candidates when any band is equal, which
happens with probability 1 - (1 - s^r)^b for similarity s. The threshold of that S-curve is
about (1/b)^(1/r); `lsh_bands` picks b and r for the recipe's threshold. datatrove runs it in
four steps: signatures (with the curation stage), buckets, clusters, and the filter (with the
final stage); words are `vertical.data.words` (Chinese by character).

`WordShingleSignature` changes only how the signatures are computed, not what they are:
datatrove hashes each n-gram string with sha1 in Python (a quarter of the stage on the benchmark
corpus) and computes one document's signature at a time; here each distinct word of a batch is
hashed once (blake2b, the same in every process), n-gram hashes are combined in numpy over the
whole batch, and the signatures of the batch's shingles come from one compiled loop
(`vertical.data.minhash`) with the same permutations as datatrove ((a * x + b) mod 2^61 - 1), so
the same records go into the same bucket files, which datatrove then sorts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.batching import batched
from datatrove.utils.hashing import HashConfig

from vertical.data.code_table import CodeTable
from vertical.data.minhash import minhash_signatures, word_shingles
from vertical.data.minhash_buckets import SortedBucketPairs, signature_record, sort_signature_records
from vertical.data.minhash_filter import BatchMinhashFilter
from vertical.data.shared_words import batch_words_of
from vertical.data.word_arrays import BatchWords
from vertical.data.words import MixedScriptTokenizer, words

# odd 64-bit multipliers, one per position in an n-gram (uint64 arithmetic wraps)
_POSITION_MULTIPLIERS = np.array(
    [int.from_bytes(hashlib.blake2b(bytes([i]), digest_size=8).digest(), "big") | 1 for i in range(32)],
    np.uint64,
)


_NUMBER = re.compile(r"\d+")


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


def _normalised_words(text: str) -> list[str]:
    return words(_NUMBER.sub("0", text.lower()))


def _normalised_word(word: str) -> str:
    lowered = word.lower()
    return lowered if lowered.isalpha() else _NUMBER.sub("0", lowered)  # a letter is never a digit


def shingle_words(document: DatatroveDocument) -> tuple[list[str], bool]:
    """The words shingles are made of, and whether each still has to be normalised.

    Shingles are made of the words of the lower-cased text with every number as "0". When
    lower-casing cannot change where words start and end (it keeps the length: no ``İ`` -> ``i̇``;
    and there is no ``Σ``, whose lower case depends on the next character), these are the
    document's shared words (`batch_words_of`), each normalised on its own (True); otherwise the
    normalised text is split again (False).
    """
    text = document.text
    if not text.isascii() and _lower_changes_words(text):
        return _normalised_words(text), False
    words = batch_words_of([document])
    return [
        text[begin:end] for begin, end in zip(words.starts.tolist(), words.ends.tolist(), strict=True)
    ], True


def _lower_changes_words(text: str) -> bool:
    return "\u03a3" in text or len(text.lower()) != len(text)


def _shingles_of_batch(
    token_lists: list[list[str]], ngram: int, to_normalise: list[bool] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(hashes of every document's shingles, one after the other; (D,) how many each has).

    `to_normalise[d]`: the words of document d are as written (see `shingle_words`); each
    distinct word of the batch is normalised and hashed once.
    """
    to_normalise = to_normalise if to_normalise is not None else [False] * len(token_lists)
    raw = set().union(*(t for t, n in zip(token_lists, to_normalise, strict=True) if n))
    done = set().union(*(t for t, n in zip(token_lists, to_normalise, strict=True) if not n))
    as_written = {word: _word_hash(_normalised_word(word)) for word in raw}
    normalised = {word: _word_hash(word) for word in done}
    word_counts = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
    total = int(word_counts.sum())
    if not done or not raw:  # one kind of document in the batch: one table
        table = as_written or normalised
        hashed = map(table.__getitem__, chain.from_iterable(token_lists))
    else:
        hashed = (
            value
            for tokens, n in zip(token_lists, to_normalise, strict=True)
            for value in map((as_written if n else normalised).__getitem__, tokens)
        )
    return _shingles_of_words(np.fromiter(hashed, np.uint64, total), word_counts, ngram)


class _NormalisedWordHashes:
    """The hash of each word's normalised form, by the word's code (`vertical.data.word_arrays`),
    remembered between batches (up to `limit` words, then started afresh)."""

    def __init__(self, limit: int = 500_000) -> None:
        self.limit = limit
        self.known = CodeTable()

    def of(self, texts: list[str], words: BatchWords) -> np.ndarray:
        """(T,) uint64 hashes of the normalised words of `texts`, whose words are `words`."""
        if len(self.known) > self.limit:
            self.known.clear()
        values = self.known.get(words.codes)  # 0: not known yet
        missing = np.flatnonzero(values == 0)
        if missing.size:
            new_words, codes = pd.factorize(words.codes[missing])  # (U,) in order of first occurrence
            first = np.ones(new_words.size, bool)  # a new maximum: a new word's first place
            first[1:] = new_words[1:] > np.maximum.accumulate(new_words)[:-1]
            at = missing[first]  # (M,) where each new word first occurs
            documents = np.repeat(np.arange(words.counts.size), words.counts)[at].tolist()
            hashed = np.fromiter(
                (
                    _word_hash(_normalised_word(texts[document][begin:end]))
                    for document, begin, end in zip(
                        documents, words.starts[at].tolist(), words.ends[at].tolist(), strict=True
                    )
                ),
                np.uint64,
                codes.size,
            )
            self.known.put(codes, hashed)
            values[missing] = hashed[new_words]
        return values


def _batch_shingles(
    documents: list[DatatroveDocument], ngram: int, hashes: _NormalisedWordHashes
) -> tuple[np.ndarray, np.ndarray]:
    """`_shingles_of_batch` of the documents' shingle words (`shingle_words`), from their shared
    word arrays where those serve (the usual case, no string per word); the few texts whose
    lower case changes their words (a Σ, an İ) are split again on their own."""
    texts = [document.text for document in documents]
    resplit = [i for i, text in enumerate(texts) if not text.isascii() and _lower_changes_words(text)]
    if len(resplit) < len(documents):
        apart = set(resplit)
        shared = [i for i in range(len(documents)) if i not in apart] if resplit else None
        chosen = [documents[i] for i in shared] if shared is not None else documents
        words = batch_words_of(chosen)
        found = _shingles_of_words(hashes.of([d.text for d in chosen], words), words.counts, ngram)
        if shared is None:
            return found
    tokens, _ = zip(*(shingle_words(documents[i]) for i in resplit), strict=True)
    again = _shingles_of_batch(list(tokens), ngram, [False] * len(resplit))
    if len(resplit) == len(documents):
        return again
    return _in_batch_order([found, again], [shared, resplit])


def _in_batch_order(
    parts: list[tuple[np.ndarray, np.ndarray]], groups: list[list[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """(shingles, counts) of a batch from those of its groups of documents (`groups[g]`: where the
    documents of `parts[g]` are in the batch), in the batch's order."""
    documents = sum(map(len, groups))
    counts = np.zeros(documents, np.int64)
    source_begins = np.zeros(documents, np.int64)  # where each document's shingles are in the parts joined
    taken = 0
    for (shingles, part_counts), group in zip(parts, groups, strict=True):
        counts[group] = part_counts
        source_begins[group] = np.concatenate(([0], np.cumsum(part_counts)[:-1])) + taken
        taken += shingles.size
    begins = np.concatenate(([0], np.cumsum(counts)[:-1]))
    index = np.repeat(source_begins - begins, counts) + np.arange(taken)  # (N,) batch shingle -> joined
    return np.concatenate([shingles for shingles, _ in parts])[index], counts


def _shingles_of_words(
    word_hashes: np.ndarray, word_counts: np.ndarray, ngram: int
) -> tuple[np.ndarray, np.ndarray]:
    """`_shingles_of_batch` from the (T,) hashes of the documents' words and (D,) how many each has
    (one compiled loop: a dozen numpy passes over the words before)."""
    return word_shingles(word_hashes, word_counts, ngram, _POSITION_MULTIPLIERS)


def shingle_hashes(text: str, ngram: int) -> np.ndarray:
    """64-bit hashes of the word n-grams of `text` (repeats kept), shape (N, 1) as datatrove has them.

    Like datatrove's own normalisation, the text is lower-cased and every number counts as "0":
    documents that differ only in figures (dates, amounts, ids) are near-duplicates. A text with
    fewer than `ngram` words gives one shingle of all its words.
    """
    shingles, _ = _shingles_of_batch([_normalised_words(text)], ngram)
    return shingles.reshape(-1, 1)  # repeated shingles do not change a minimum


class WordShingleSignature(MinhashDedupSignature):
    """datatrove's MinHash signature step over batches of documents; see the module docstring."""

    def __init__(self, *args, batch_size: int = 256, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batch_size = batch_size

    def get_shingles(self, text: str) -> np.ndarray:
        return shingle_hashes(text, self.config.n_grams)

    def _write_signatures(self, data: Iterator[DatatroveDocument], rank: int) -> Iterator[DatatroveDocument]:
        rows = self.config.hashes_per_bucket
        record = signature_record(rows, self.config.hash_config.struct_format)
        files = [
            self.output_folder.open(f"bucket_{bucket:03d}/{rank:05d}.minhash.sig", mode="wb")
            for bucket in range(self.config.num_buckets)
        ]
        a, b = self.parameters
        position = 0
        word_hashes = _NormalisedWordHashes()
        try:
            for batch in batched(data, self.batch_size):
                with self.track_time():
                    self.stat_update("total", value=len(batch))
                    shingles, counts = _batch_shingles(batch, self.config.n_grams, word_hashes)
                    signatures = minhash_signatures(shingles, counts, a, b).astype(
                        self.config.hash_config.np_dtype
                    )
                    kept = np.flatnonzero(counts > 0)  # datatrove writes no record for a document without one
                    for bucket, file in enumerate(files):
                        records = np.empty(kept.size, record)
                        for i in range(rows):
                            records[f"h{i}"] = signatures[kept, bucket * rows + i]
                        records["index"] = kept + position
                        file.write(records.tobytes())
                    position += len(batch)
                yield from batch
        finally:
            for file in files:
                file.close()

    def _sort_signature_files(self, rank: int) -> None:
        """Sort each band's file of this task, as datatrove's step does after writing it."""
        record = signature_record(self.config.hashes_per_bucket, self.config.hash_config.struct_format)
        for bucket in range(self.config.num_buckets):
            name = f"bucket_{bucket:03d}/{rank:05d}.minhash.sig"
            with self.output_folder.open(name, mode="rb") as file:
                records = np.frombuffer(file.read(), record)
            with self.output_folder.open(name, mode="wb") as file:
                file.write(sort_signature_records(records).tobytes())

    def run(self, data: Iterator[DatatroveDocument], rank: int = 0, world_size: int = 1):
        """Writes the signatures of the documents and passes them on, in order: a writer after this
        step numbers them as the signatures do; then sorts each file, as datatrove does."""
        yield from self._write_signatures(data, rank)
        with self.track_time():
            self._sort_signature_files(rank)


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
    return SortedBucketPairs(str(folder / "signatures"), str(folder / "buckets"), config=config)


def cluster_step(folder: Path, config: MinhashConfig) -> MinhashDedupCluster:
    """Step 3, one task: joins the pairs into clusters and lists all but one member of each for removal."""
    return MinhashDedupCluster(str(folder / "buckets"), str(folder / "remove"), config=config)


def filter_step(folder: Path, exclusion_writer: DiskWriter | None) -> MinhashDedupFilter:
    """Step 4, at the start of the final pipeline: drops the listed documents."""
    return BatchMinhashFilter(str(folder / "remove"), exclusion_writer=exclusion_writer)

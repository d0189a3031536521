"""Leakage check: no evaluation example of any task may be (nearly) contained in the corpus.

A pretraining document that holds a test sentence of a task lets the model see the answer
before it is evaluated. The check measures containment, not Jaccard: the share of an
example's word n-grams that occur in the document, so a short test sentence inside a long
document is found. Documents containing an example at `threshold` or more are dropped with
reason ``leakage`` and the task, example and containment in the drop log's detail.

The index maps each n-gram of the examples to the examples holding it; it is built once per
task process (task sets are small: thousands of examples) with Python's own string hash, which
is consistent within a process.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.writers.disk_base import DiskWriter

from vertical.data.batch_filter import BatchFilter
from vertical.data.words import words


@dataclass(frozen=True)
class EvaluationExample:
    """A text a task is evaluated on, and where it comes from."""

    task: str
    index: int
    text: str


def shingles(text: str, ngram: int, text_words: list[str] | None = None) -> set[int]:
    """Hashes of the lower-cased word n-grams of `text` (the whole text when it is shorter).

    `text_words`: the words of `text` when they are known already.
    """
    tokens = (" ".join(text_words if text_words is not None else words(text))).lower().split(" ")
    if tokens == [""]:
        tokens = []
    n = min(ngram, len(tokens))
    if n == 0:
        return set()
    return {hash(tuple(tokens[i : i + n])) for i in range(len(tokens) - n + 1)}


class LeakageIndex:
    """Finds the evaluation examples a document contains at a containment of `threshold` or more."""

    def __init__(self, examples: list[EvaluationExample], ngram: int, threshold: float) -> None:
        self.examples = [e for e in examples if shingles(e.text, ngram)]
        self.ngram = ngram
        self.threshold = threshold
        self.sizes = [len(shingles(e.text, ngram)) for e in self.examples]
        self.postings: dict[int, list[int]] = defaultdict(list)
        for position, example in enumerate(self.examples):
            for shingle in shingles(example.text, ngram):
                self.postings[shingle].append(position)
        self.keys = set(self.postings)

    def contained(
        self, text: str, text_words: list[str] | None = None
    ) -> list[tuple[EvaluationExample, float]]:
        """(example, containment) of every example `text` contains enough of, best first."""
        if not self.examples:
            return []
        shared = shingles(text, self.ngram, text_words) & self.keys
        hits: Counter[int] = Counter(p for shingle in shared for p in self.postings[shingle])
        found = [
            (self.examples[p], count / self.sizes[p])
            for p, count in hits.items()
            if count / self.sizes[p] >= self.threshold
        ]
        return sorted(found, key=lambda pair: -pair[1])


class LeakageFilter(BatchFilter):
    """datatrove step: drops documents that contain an evaluation example; see the module docstring."""

    name = "leakage"

    def __init__(
        self,
        examples: list[EvaluationExample],
        ngram: int = 5,
        threshold: float = 0.8,
        exclusion_writer: DiskWriter | None = None,
    ) -> None:
        super().__init__(exclusion_writer)
        self.examples = examples
        self.ngram = ngram
        self.threshold = threshold
        self._index: LeakageIndex | None = None

    def filter(self, document: DatatroveDocument) -> bool | tuple[bool, str]:
        if self._index is None:
            self._index = LeakageIndex(self.examples, self.ngram, self.threshold)
        found = self._index.contained(document.text)
        if not found:
            return True
        example, containment = found[0]
        document.metadata["drop_detail"] = (
            f"task {example.task}, example {example.index}, containment {containment:.2f}"
            + (f", and {len(found) - 1} more examples" if len(found) > 1 else "")
        )
        self.stat_update(f"leakage_{example.task}")
        return False, "leakage"

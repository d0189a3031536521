"""A model collapsed onto one class: what the evaluate stage flags and the finetune stage retries.

A fine-tuned classifier that has not learnt its task often answers one class (the majority, or
any) for nearly every text: its accuracy is that class's share, its macro F1 about 1 / classes,
and nothing fails. On small real sets with a weak budget this is common (issue 18: a 3-class
financial-posts set, 888 training texts, both models answered the majority class for every test
text). A neutral module: finetune (to retry) and evaluate (to flag) both read predictions records.

A model is collapsed on a set of examples when the examples hold at least two classes and the
model puts more than `share` of its predictions on one class that holds at most `share` of the
gold labels (on a set that is 95% one class, a model saying that class 95% of the time may be
right). A tagger (ner) is collapsed when it tags no entity at all while the gold has some.

Example:
    >>> found = detect_collapse({"task_type": "classification", "labels": ["a", "b"],
    ...                          "gold": [0, 1, 1, 0], "predicted": [1, 1, 1, 1]})
    >>> found.describe("the general model", "test")
    'the general model predicts one class (b) for 100% of the test examples (2 classes there)'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

SHARE = 0.9  # more of the predictions than this on one class is a collapse
OUTSIDE = "O"  # the IOB tag of words outside every entity


@dataclass(frozen=True)
class Collapse:
    """The class a collapsed model answers, and how lopsided its answers are against the gold."""

    label: str  # the class predicted for most examples (ner: "O", no entity)
    share: float  # the share of the predictions on it
    gold_share: float  # its share of the gold labels (ner: of the gold tags)
    classes: int  # distinct gold classes among the examples (ner: entity types)
    tagger: bool = False  # a ner model that tags no entity

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self, subject: str, examples: str) -> str:
        """One line: ``<subject> predicts one class (x) for 97% of the <examples> examples (...)``."""
        if self.tagger:
            return (
                f"{subject} tags no entity in the {examples} examples, which have {self.classes} entity types"
            )
        return (
            f"{subject} predicts one class ({self.label}) for {self.share:.0%} of the {examples} examples "
            f"({self.classes} classes there)"
        )


def collapse_of_counts(
    gold_counts: Sequence[float],
    predicted_counts: Sequence[float],
    labels: Sequence[str],
    share: float = SHARE,
) -> Collapse | None:
    """The collapse shown by per-class counts of gold labels and predictions (None: not collapsed).

    Args:
        gold_counts: (C,) how many examples of each class the gold has.
        predicted_counts: (C,) how many the model assigned to each class, same order.
        labels: (C,) the classes' names.
        share: more of the predictions than this on one class (which holds at most this of the gold)
            is a collapse; a model that uses a single class is always collapsed.
    """
    total = sum(predicted_counts)
    classes = sum(1 for count in gold_counts if count)
    if not total or classes < 2:
        return None
    top = max(range(len(predicted_counts)), key=lambda j: predicted_counts[j])
    top_share = predicted_counts[top] / total
    gold_share = gold_counts[top] / max(sum(gold_counts), 1)
    single = sum(1 for count in predicted_counts if count) == 1
    if not single and (top_share <= share or gold_share > share):
        return None
    label = labels[top] if top < len(labels) else str(top)
    return Collapse(str(label), round(top_share, 4), round(gold_share, 4), classes)


def _tag_collapse(gold: list[list[str]], predicted: list[list[str]]) -> Collapse | None:
    """A tagger's collapse: no entity predicted anywhere while the gold has entities."""
    gold_tags = Counter(tag for sentence in gold for tag in sentence)
    types = {tag.split("-", 1)[-1] for tag in gold_tags if tag != OUTSIDE}
    if not types or any(tag != OUTSIDE for sentence in predicted for tag in sentence):
        return None
    outside_share = round(gold_tags[OUTSIDE] / max(sum(gold_tags.values()), 1), 4)
    return Collapse(OUTSIDE, 1.0, outside_share, len(types), tagger=True)


def detect_collapse(record: dict[str, Any], share: float = SHARE) -> Collapse | None:
    """The collapse of one predictions record (predictions.json's content), or None.

    Single-label tasks (classification, relation) and taggers (ner) are checked; other task types
    (multilabel, generation, instruct) have no single class to collapse onto and give None.
    """
    kind = record.get("task_type", "classification")
    if kind == "ner":
        return _tag_collapse(record["gold"], record["predicted"])
    if kind not in ("classification", "relation"):
        return None
    labels = record["labels"]
    gold = Counter(record["gold"])
    predicted = Counter(record["predicted"])
    return collapse_of_counts(
        [gold[j] for j in range(len(labels))], [predicted[j] for j in range(len(labels))], labels, share
    )

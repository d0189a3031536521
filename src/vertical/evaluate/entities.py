"""Entity-level scores of a tagger, with the conventions of `seqeval` (and of CoNLL's conlleval).

An entity counts as found only when its type and both its boundaries match a gold entity.
Tags are IOB/IOB2 strings (``B-Disease``, ``I-Disease``, ``O``); an ``I-`` tag after ``O`` starts
an entity, as conlleval reads it.
"""

from __future__ import annotations

import numpy as np
from seqeval.metrics import accuracy_score, classification_report
from seqeval.metrics.sequence_labeling import get_entities


def entity_types(tags: list[str]) -> list[str]:
    """The sorted entity types named by a tag set (``B-X``, ``I-X`` -> ``X``)."""
    return sorted({tag.split("-", 1)[1] for tag in tags if tag != "O" and "-" in tag})


def entity_counts(gold: list[list[str]], predicted: list[list[str]], types: list[str]) -> np.ndarray:
    """Per sentence and type: (true positives, predicted, gold) entities, shape (N, 3 * len(types)).

    Summed over sentences, these give seqeval's micro and macro scores exactly.
    """
    position = {name: i for i, name in enumerate(types)}
    counts = np.zeros((len(gold), 3 * len(types)), dtype=np.int64)
    for row, (gold_tags, predicted_tags) in enumerate(zip(gold, predicted, strict=True)):
        gold_entities = set(get_entities(gold_tags))
        predicted_entities = set(get_entities(predicted_tags))
        for kind, column in (
            (gold_entities & predicted_entities, 0),
            (predicted_entities, 1),
            (gold_entities, 2),
        ):
            for entity_type, *_ in kind:
                if entity_type in position:
                    counts[row, 3 * position[entity_type] + column] += 1
    return counts


def entity_metrics(gold: list[list[str]], predicted: list[list[str]], tags: list[str]) -> dict:
    """Entity-level scores of `predicted` against `gold` tag sequences (one list per sentence).

    Returns:
        ``entity_precision``, ``entity_recall``, ``entity_f1`` (micro over entities),
        ``{micro,macro,weighted}_{precision,recall,f1}`` over entity types, ``accuracy`` (of tags,
        word by word), ``per_class``: entity type -> precision, recall, f1, support;
        ``confusion_matrix`` over ``confusion_labels`` (see `word_confusion`).
    """
    report = classification_report(gold, predicted, output_dict=True, zero_division=0)
    types = entity_types(tags)
    scores: dict = {"accuracy": round(float(accuracy_score(gold, predicted)), 4)}
    for average in ("micro", "macro", "weighted"):
        row = report.get(f"{average} avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0})
        scores[f"{average}_precision"] = round(float(row["precision"]), 4)
        scores[f"{average}_recall"] = round(float(row["recall"]), 4)
        scores[f"{average}_f1"] = round(float(row["f1-score"]), 4)
    scores["entity_precision"] = scores["micro_precision"]
    scores["entity_recall"] = scores["micro_recall"]
    scores["entity_f1"] = scores["micro_f1"]
    scores["confusion_labels"], scores["confusion_matrix"] = word_confusion(gold, predicted, types)
    scores["per_class"] = {
        name: {
            "precision": round(float(report.get(name, {}).get("precision", 0.0)), 4),
            "recall": round(float(report.get(name, {}).get("recall", 0.0)), 4),
            "f1": round(float(report.get(name, {}).get("f1-score", 0.0)), 4),
            "support": int(report.get(name, {}).get("support", 0)),
        }
        for name in types
    }
    return scores


def word_confusion(
    gold: list[list[str]], predicted: list[list[str]], types: list[str]
) -> tuple[list[str], list[list[int]]]:
    """Word-level confusion of entity types: (["O", *types], matrix with rows gold, columns predicted).

    ``B-`` and ``I-`` are merged into their type, so the matrix shows which types are confused
    with each other or missed (column ``O``); boundary errors show in the entity scores instead.
    A predicted type that the tag set lacks cannot occur: predictions come from the same tags.
    """
    labels = ["O", *types]
    position = {name: i for i, name in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        for gold_tag, predicted_tag in zip(gold_tags, predicted_tags, strict=True):
            row = position.get(gold_tag.split("-", 1)[-1] if gold_tag != "O" else "O")
            column = position.get(predicted_tag.split("-", 1)[-1] if predicted_tag != "O" else "O")
            if row is not None and column is not None:
                matrix[row, column] += 1
    return labels, matrix.tolist()

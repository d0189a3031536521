"""Named-entity recognition: a token-classification head over words tagged IOB2.

Words are split into sub-word pieces by the model's tokenizer; the first piece of each word
carries the word's tag and the other pieces are ignored by the loss (label -100), the usual
alignment (Devlin et al. 2019, section 5.3). At prediction the first piece's tag is the word's.
Words cut off by ``max_length`` are predicted ``O``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from datasets import Dataset
from transformers import DataCollatorForTokenClassification

from vertical.finetune.class_weights import IGNORED, WeightedCrossEntropy, balanced_weights
from vertical.finetune.config import TaskConfig
from vertical.finetune.tagged import TaggedSentence
from vertical.finetune.training import train_model
from vertical.models import load_token_classifier, load_tokenizer


@dataclass(frozen=True)
class TagPredictions:
    """What a tagger said about the test sentences, word by word."""

    labels: list[str]  # the tag set
    gold: list[list[str]]  # (N, words) gold tags
    predicted: list[list[str]]  # (N, words) predicted tags
    confidence: list[list[float]]  # (N, words) probability of the predicted tag
    task_type: str = "ner"


def align_labels(word_ids: list[int | None], tag_ids: list[int]) -> list[int]:
    """Per piece: the tag of its word at the word's first piece, -100 elsewhere (and at special tokens)."""
    labels, previous = [], None
    for word in word_ids:
        labels.append(IGNORED if word is None or word == previous else tag_ids[word])
        previous = word
    return labels


def _encode(sentences: list[TaggedSentence], tokenizer, index: dict[str, int], max_length: int) -> Dataset:
    encoded = tokenizer(
        [list(s.words) for s in sentences], is_split_into_words=True, truncation=True, max_length=max_length
    )
    labels = [
        align_labels(encoded.word_ids(i), [index[tag] for tag in sentence.tags])
        for i, sentence in enumerate(sentences)
    ]
    return Dataset.from_dict(
        {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"], "labels": labels}
    )


@torch.no_grad()
def predict_tags(
    model, tokenizer, sentences: list[TaggedSentence], tags: list[str], max_length: int, batch_size: int = 32
) -> tuple[list[list[str]], list[list[float]]]:
    """Predicted tag and its probability for every word, sentences in the order given."""
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i].words))
    predicted: list[list[str]] = [[] for _ in sentences]
    confidence: list[list[float]] = [[] for _ in sentences]
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        batch = tokenizer(
            [list(sentences[i].words) for i in chosen],
            is_split_into_words=True,
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        )
        logits = model(**batch.to(device)).logits.float()  # (B, T, tags)
        probabilities = torch.softmax(logits, dim=-1).cpu().numpy()
        for row, i in enumerate(chosen):
            words = len(sentences[i].words)
            first_piece: dict[int, int] = {}
            for position, word in enumerate(batch.word_ids(row)):
                if word is not None and word not in first_piece:
                    first_piece[word] = position
            sentence_tags, sentence_confidence = [], []
            for word in range(words):
                if word in first_piece:
                    p = probabilities[row, first_piece[word]]  # (tags,)
                    best = int(np.argmax(p))
                    sentence_tags.append(tags[best])
                    sentence_confidence.append(round(float(p[best]), 5))
                else:  # cut off by max_length
                    sentence_tags.append("O")
                    sentence_confidence.append(round(1.0 / len(tags), 5))
            predicted[i], confidence[i] = sentence_tags, sentence_confidence
    return predicted, confidence


def train_tagger(
    cfg: TaskConfig,
    model_path: Path,
    train: list[TaggedSentence],
    test: list[TaggedSentence],
    tags: list[str],
    output_dir: Path | None,
    work_dir: Path,
    seed: int,
    precision: str = "auto",
    validation: list[TaggedSentence] | None = None,
) -> tuple[TagPredictions, dict]:
    """Fine-tune a tagger on `train`, save it to `output_dir` (None: not saved); returns predictions on
    `test` and the training history. `validation` is scored after every epoch, for early stopping."""
    tokenizer = load_tokenizer(model_path)
    torch.manual_seed(seed)
    model = load_token_classifier(model_path, tags)
    index = {tag: position for position, tag in enumerate(tags)}
    train_set = _encode(train, tokenizer, index, cfg.max_length)
    loss = None
    if cfg.class_weights == "balanced":  # one weight per tag, counted over the words' first pieces
        loss = WeightedCrossEntropy(
            balanced_weights([tag for row in train_set["labels"] for tag in row], len(tags))
        )
    model, history = train_model(
        model,
        tokenizer,
        train_set,
        DataCollatorForTokenClassification(tokenizer),
        cfg,
        work_dir,
        seed,
        precision,
        "TOKEN_CLS",
        validation_set=_encode(validation, tokenizer, index, cfg.max_length) if validation else None,
        loss=loss,
    )
    if output_dir is not None:
        model.save_pretrained(output_dir)
        tokenizer.save_pretrained(output_dir)
    predicted, confidence = predict_tags(model, tokenizer, test, tags, cfg.max_length)
    predictions = TagPredictions(
        labels=tags,
        gold=[list(s.tags) for s in test],
        predicted=predicted,
        confidence=confidence,
    )
    return predictions, history

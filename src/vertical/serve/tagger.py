"""A fine-tuned NER model ready to answer: raw texts in, typed entity spans with character offsets out.

The text is split into words the way the NER training data was (`vertical.finetune.tagged.split_words`:
runs of letters and digits, each other symbol alone, each CJK character alone), the words are
tagged by the model (`vertical.finetune.ner.predict_tags`, the tag of a word's first piece), and
the IOB2 tags are read into entities with seqeval's ``get_entities``. An entity's score is the mean
probability of its words' tags.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch
from seqeval.metrics.sequence_labeling import get_entities

from vertical.compress.variants import quantize_int8
from vertical.errors import ModelError
from vertical.finetune.ner import predict_tags
from vertical.finetune.tagged import TaggedSentence, split_words
from vertical.models import load_tokenizer, quiet_transformers, refusal_reason


@dataclass(frozen=True)
class TaggedEntity:
    """An entity found in a text: ``text[start:end]`` is its surface, `type` its class (``ORG``)."""

    start: int
    end: int
    type: str
    score: float


@dataclass
class TextTagger:
    """A token classifier over IOB2 tags; `entities(texts)` gives each text's entities, in order."""

    task: str
    variant: str
    tags: list[str]
    model: torch.nn.Module
    tokenizer: object
    max_length: int = 128

    @property
    def labels(self) -> list[str]:
        """The entity types (``B-ORG``, ``I-ORG`` -> ``ORG``), sorted."""
        return sorted({tag.split("-", 1)[1] for tag in self.tags if "-" in tag})

    def entities(self, texts: list[str]) -> list[list[TaggedEntity]]:
        words = [split_words(text) for text in texts]  # per text: (word, start, end)
        sentences = [TaggedSentence(tuple(w for w, _, _ in ws), ("O",) * len(ws)) for ws in words]
        nonempty = [i for i, sentence in enumerate(sentences) if sentence.words]
        predicted, confidence = predict_tags(
            self.model, self.tokenizer, [sentences[i] for i in nonempty], self.tags, self.max_length
        )
        found: list[list[TaggedEntity]] = [[] for _ in texts]
        for i, tags, scores in zip(nonempty, predicted, confidence, strict=True):
            for entity_type, first, last in get_entities(tags):  # word indices, `last` inclusive
                mean = sum(scores[first : last + 1]) / (last - first + 1)
                found[i].append(
                    TaggedEntity(words[i][first][1], words[i][last][2], entity_type, round(mean, 5))
                )
        return found


def tags_of(model_dir: Path) -> list[str]:
    """The IOB2 tags saved in a token classifier's config.json, in class-index order."""
    config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    id2label = config.get("id2label") or {}
    return [id2label[key] for key in sorted(id2label, key=int)]


def load_tagger(task: str, variant: str, model_dir: Path, max_length: int = 128) -> TextTagger:
    """The NER model of `task`: fp32 as fine-tuned, or with int8 linear layers for ``variant="int8"``.

    The compress stage makes no ONNX or distilled form of a tagger, so every other variant serves
    the fine-tuned model as it is (and says ``full``).
    """
    from transformers import AutoModelForTokenClassification

    with quiet_transformers():
        try:
            model = AutoModelForTokenClassification.from_pretrained(str(model_dir)).eval()
        except (OSError, ValueError, pickle.UnpicklingError) as error:
            raise ModelError(f"{model_dir}: cannot load the NER model: {refusal_reason(error)}") from None
    if variant == "int8":
        model = quantize_int8(model)
    return TextTagger(
        task,
        "int8" if variant == "int8" else "full",
        tags_of(model_dir),
        model,
        load_tokenizer(model_dir),
        max_length,
    )

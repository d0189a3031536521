"""Reading named-entity data: CoNLL/IOB columns, or JSON Lines with character spans.

Both come out as `TaggedSentence`s (words and one IOB2 tag per word):

* CoNLL: one ``token<TAB>tag`` (or space-separated, the tag last) per line, a blank line between
  sentences, ``-DOCSTART-`` lines skipped. A line without a tag, a line with more or fewer
  columns than its sentence's first (a shifted or merged line), or a tag that is not ``O``,
  ``B-<type>`` or ``I-<type>``, is an error naming the line.
* JSON Lines: ``{"text": ..., "entities": [{"start": 0, "end": 5, "label": "Disease"}, ...]}``
  with ``end`` exclusive. The text is split into words (runs of letters/digits, each other
  symbol alone, and each Chinese/Japanese/Korean character alone, so Chinese is tagged at
  character level); a word inside a span takes its tag. A span outside the text is an error
  naming the line and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vertical.data.readers import jsonl_records
from vertical.errors import DataError, located
from vertical.unicode_scripts import TAGGING_TOKEN

CONLL_SUFFIXES = (".conll", ".tsv", ".iob", ".bio", ".txt")
_TAG = re.compile(r"^(O|[BI]-\S+)$")


@dataclass(frozen=True)
class TaggedSentence:
    """A sentence as words, each with an IOB2 tag (``O``, ``B-Disease``, ``I-Disease``)."""

    words: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def text(self) -> str:
        """The words joined by spaces; used to split train/test by content."""
        return " ".join(self.words)


def read_conll(path: Path) -> list[TaggedSentence]:
    """Sentences of a CoNLL file: token first, IOB tag last on each line, blank lines between."""
    sentences: list[TaggedSentence] = []
    words: list[str] = []
    tags: list[str] = []
    width: tuple[int, int] | None = None  # (columns, line) of the sentence's first token line
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                columns = line.rstrip("\r\n").split("\t") if "\t" in line else line.split()
                if not columns or not line.strip():
                    if words:
                        sentences.append(TaggedSentence(tuple(words), tuple(tags)))
                        words, tags = [], []
                    width = None
                    continue
                if columns[0] == "-DOCSTART-":
                    continue
                if len(columns) < 2:
                    raise DataError(
                        located(path, number, f"expected 'token<TAB>tag', found one column: {line.strip()!r}")
                    )
                if width is None:
                    width = (len(columns), number)
                elif len(columns) != width[0]:  # a shifted or merged line: its last column is no tag
                    raise DataError(
                        located(
                            path,
                            number,
                            f"{len(columns)} columns where line {width[1]} has {width[0]}: {line.strip()!r}",
                        )
                    )
                tag = columns[-1].strip()
                if not _TAG.match(tag):
                    raise DataError(
                        located(path, number, f"tag {tag!r} is not O, B-<type> or I-<type> (IOB tagging)")
                    )
                words.append(columns[0])
                tags.append(tag)
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start}); convert it to UTF-8") from None
    if words:
        sentences.append(TaggedSentence(tuple(words), tuple(tags)))
    if not sentences:
        raise DataError(f"{path}: no sentences")
    return sentences


def split_words(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of each word of `text` (see the module docstring for what a word is)."""
    return [(match.group(), match.start(), match.end()) for match in TAGGING_TOKEN.finditer(text)]


def _span(path: Path, number: int, field: str, entity, text: str) -> tuple[int, int, str]:
    if not isinstance(entity, dict):
        raise DataError(located(path, number, f"{field}: expected an object with start, end and label"))
    start, end, label = entity.get("start"), entity.get("end"), entity.get("label")
    if not isinstance(start, int) or not isinstance(end, int):
        raise DataError(located(path, number, f"{field}: start and end must be integers"))
    if not 0 <= start < end <= len(text):
        raise DataError(
            located(path, number, f"{field}: span [{start}, {end}) is outside the text (length {len(text)})")
        )
    if not isinstance(label, str) or not label.strip() or " " in label:
        raise DataError(located(path, number, f"{field}.label: missing, empty or containing a space"))
    return start, end, label


def read_span_jsonl(path: Path, text_field: str, entities_field: str) -> list[TaggedSentence]:
    """Sentences of a JSON Lines file of texts with character-span entities, tagged word by word."""
    sentences = []
    for number, record in jsonl_records(path):
        text = record.get(text_field)
        if not isinstance(text, str) or not text.strip():
            raise DataError(located(path, number, f"field '{text_field}' is missing or empty"))
        entities = record.get(entities_field, None)
        if not isinstance(entities, list):
            raise DataError(located(path, number, f"field '{entities_field}' is missing or not a list"))
        spans = sorted(
            _span(path, number, f"{entities_field}[{i}]", entity, text) for i, entity in enumerate(entities)
        )
        words = split_words(text)
        tags = ["O"] * len(words)
        for start, end, label in spans:
            inside = [
                i
                for i, (_, word_start, word_end) in enumerate(words)
                if word_start < end and word_end > start
            ]
            for position, i in enumerate(inside):
                if tags[i] != "O":
                    raise DataError(
                        located(path, number, f"{entities_field}: spans overlap at {words[i][1]}")
                    )
                tags[i] = ("B-" if position == 0 else "I-") + label
        sentences.append(TaggedSentence(tuple(w for w, _, _ in words), tuple(tags)))
    if not sentences:
        raise DataError(f"{path}: no sentences")
    return sentences


def read_tagged(
    path: Path, text_field: str = "text", entities_field: str = "entities"
) -> list[TaggedSentence]:
    """Tagged sentences of a CoNLL file or a JSON Lines file of spans, by extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return read_span_jsonl(path, text_field, entities_field)
    if suffix in CONLL_SUFFIXES:
        return read_conll(path)
    raise DataError(f"{path}: NER data must be CoNLL ({', '.join(CONLL_SUFFIXES)}) or JSON Lines (.jsonl)")


def tag_set(train: list[TaggedSentence], test: list[TaggedSentence], test_path) -> list[str]:
    """The tags of `train` (O first, then by type, B before I); a test entity type unseen in training
    is an error."""
    types = sorted({tag[2:] for s in train for tag in s.tags if tag != "O"})
    if not types:
        raise DataError(f"{test_path}: the training data has no entities")
    unseen = sorted({tag[2:] for s in test for tag in s.tags if tag != "O"} - set(types))
    if unseen:
        raise DataError(
            f"{test_path}: entity type(s) {', '.join(map(repr, unseen))} in the test set never appear "
            "in the training data"
        )
    return ["O"] + [f"{prefix}-{kind}" for kind in types for prefix in ("B", "I")]

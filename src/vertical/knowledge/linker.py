"""Entity linking: every mention of a graph entity's names in a text, by Aho-Corasick over the names.

Two automata (`ahocorasick-rs`, Rust; the word one over UTF-8 bytes), each scanning a whole batch
of lower-cased texts in one call, so Python sees the matches only as arrays:

- **words** (names in Latin and other spaced scripts): the text is normalised so that every
  character that is not a letter or digit of such a script becomes a space (lengths are kept, so
  offsets stay those of the original text; `scanned_text`), and each name is stored the same way
  between two spaces: ``" acme bank "``. A match therefore starts and ends at word boundaries by
  construction, with no check in Python; ``Acme's`` and ``Acme-Bank`` match, ``Acmeology`` does
  not. The automaton reports every occurrence, overlapping ones too, and a compiled loop keeps
  the leftmost-longest (`overlaps`), letting two adjacent names share the space between them
  (the automaton's own leftmost-longest would make them compete for it). Names written in lower
  case (common nouns such as FIBO's ``mortgage loan``) also match their plurals (``loans``,
  ``businesses``, ``companies``); proper names (with a capital) do not.
- **characters** (names in Chinese, Japanese or Korean script): matched at character level, no
  boundaries, only in the texts that have such characters.

`link_batch` scans many documents in one call (joined by a separator no name can cross): for
short documents the per-call cost exceeds the scan itself. pyahocorasick, used before, reports
every overlapping match and left leftmost-longest to a Python loop over them (its own
``iter_long`` was seen to drop valid matches): 11 MB/s on dense text against ~30 for its scan.
Before the compiled resolution, every space of the text and of the names was doubled so that the
automaton's leftmost-longest could be used (docs/knowledge.md has the figures).

A name shared by several entities is resolved once, when the linker is built: the entity whose
type comes first in `prefer_types`, then the one taking part in more triples
(`Entity.frequency`), then the smallest id.

Example:
    >>> linker = EntityLinker([Entity("urn:x:acme", "Acme Bank", aliases=(Label("Acme"),))])
    >>> [(s.start, s.end, s.entity_id) for s in linker.link("Acme's results; Acme Bank rose.")]
    [(0, 4, 'urn:x:acme'), (16, 25, 'urn:x:acme')]
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import ahocorasick_rs
import numpy as np
import pyarrow as pa

from vertical.knowledge.mention_table import KeyColumns, mention_table
from vertical.knowledge.names import PROPERTY_TYPES
from vertical.knowledge.overlaps import leftmost_longest
from vertical.knowledge.scanned_text import (
    continuation_bytes,
    non_ascii,
    normalise_words,
    scanned_bytes,
    text_starts,
)
from vertical.knowledge.scanned_text import lower_same_length as _lower
from vertical.records import Entity, EntitySpan, Label
from vertical.unicode_scripts import NO_SPACE_CHAR, NO_SPACE_SCRIPTS

# Scripts written without spaces between words: names in them are matched at character level.
CJK_PATTERN = NO_SPACE_CHAR
_PLURAL_ES = ("s", "x", "z", "ch", "sh")
# the contiguous NFA scanned fastest here (38 MB/s against 21-25 for the DFA and the default)
_AUTOMATON = ahocorasick_rs.Implementation.ContiguousNFA
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NO_MATCHES: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = (
    np.zeros(0, np.int64),
    np.zeros(0, np.int64),
    np.zeros(0, np.int64),
    np.zeros(0, np.int64),
)


# U+3040, where kana begin: a text with no character at or above it has no no-space script
_FIRST_NO_SPACE = chr(min(map(ord, NO_SPACE_SCRIPTS.replace("-", ""))))


def plural_forms(name: str) -> list[str]:
    """English plurals of a lower-case name: ``loan`` -> ``loans``, ``company`` -> ``companies``."""
    if name.endswith(_PLURAL_ES):
        return [name + "es"]
    if len(name) > 2 and name.endswith("y") and name[-2] not in "aeiou":
        return [name[:-1] + "ies", name + "s"]
    return [name + "s"]


def _language_matches(label: Label, language: str | None) -> bool:
    return language is None or label.language == "" or label.language.split("-")[0] == language


@dataclass(frozen=True, slots=True)
class _Name:
    """A key of an automaton: the entity it links to (the best it may mean) and how many it may mean."""

    key_length: int
    entity_id: str
    entity_type: str
    candidates: int


class EntityLinker:
    """Finds the mentions of `entities` in texts; see the module docstring.

    Args:
        entities: the entity table.
        language: only names in this language (and untagged names) are matched; None for all.
        prefer_types: type IRIs, most preferred first, to resolve names shared by several entities.
        exclude_types: entities of these types are not linked (by default properties such as
            ``rdf:Property``, whose labels are relation words, not things).
        min_name_length: shorter names (in characters) are ignored; single letters match everywhere.
    """

    def __init__(
        self,
        entities: Sequence[Entity],
        language: str | None = None,
        prefer_types: Sequence[str] = (),
        exclude_types: Iterable[str] = PROPERTY_TYPES,
        min_name_length: int = 2,
    ) -> None:
        self.entities = list(entities)
        excluded = frozenset(exclude_types)
        type_rank = {iri: rank for rank, iri in enumerate(prefer_types)}
        exact: dict[tuple[bool, str], list[int]] = {}
        plural: dict[str, list[int]] = {}
        for index, entity in enumerate(self.entities):
            if excluded.intersection(entity.types):
                continue
            for label in entity.names():
                text = " ".join(label.text.split())
                if len(text) < min_name_length or not _language_matches(label, language):
                    continue
                if CJK_PATTERN.search(text):
                    exact.setdefault((True, _lower(text)), []).append(index)
                    continue
                key = normalise_words(text)
                if not key.strip():
                    continue
                exact.setdefault((False, key), []).append(index)
                if text == text.lower() and text[-1].isalpha():
                    for form in plural_forms(key):
                        plural.setdefault(form, []).append(index)
        for form, indices in plural.items():
            if (False, form) not in exact:  # a name as written beats another's plural
                exact[(False, form)] = indices

        def best_first(indices: list[int]) -> tuple[int, ...]:
            unique = sorted(set(indices))
            return tuple(
                sorted(
                    unique,
                    key=lambda i: (
                        min(
                            (type_rank.get(t, len(type_rank)) for t in self.entities[i].types),
                            default=len(type_rank),
                        ),
                        -self.entities[i].frequency,
                        self.entities[i].id,
                    ),
                )
            )

        def name_of(indices: list[int], key_length: int) -> _Name:
            best = self.entities[best_first(indices)[0]]
            return _Name(key_length, best.id, best.type, len(set(indices)))

        word_keys: list[str] = []
        character_keys: list[str] = []
        self._word_names: list[_Name] = []
        self._character_names: list[_Name] = []
        for (is_cjk, key), indices in exact.items():
            if is_cjk:
                character_keys.append(key)
                self._character_names.append(name_of(indices, len(key)))
            else:
                word_keys.append(f" {key} ")  # between spaces: on word boundaries, see the module docstring
                self._word_names.append(name_of(indices, len(key) + 2))
        self.names = len(word_keys) + len(character_keys)
        # what each key links to, as arrays indexed by key (word keys, then character keys), so that
        # a batch's mentions take their columns with one numpy take each, not a Python loop
        every = self._word_names + self._character_names
        self._entity_ids = np.array([name.entity_id for name in every] or [""], object)
        self._entity_types = np.array([name.entity_type for name in every] or [""], object)
        self._candidates = np.array([name.candidates for name in every] or [0], np.int64)
        self._key_columns = KeyColumns.of(  # the same, for Arrow tables
            self._entity_ids.tolist(), self._entity_types.tolist(), self._candidates.tolist()
        )
        longest = ahocorasick_rs.MatchKind.LeftmostLongest
        self._words = (  # over UTF-8 bytes: a str haystack cost a quarter more (22 vs 28 MB/s)
            ahocorasick_rs.BytesAhoCorasick(
                [key.encode("utf-8") for key in word_keys],
                matchkind=ahocorasick_rs.MatchKind.Standard,  # every occurrence, see `overlaps`
                implementation=_AUTOMATON,
            )
            if word_keys
            else None
        )
        self._characters = (
            ahocorasick_rs.AhoCorasick(character_keys, matchkind=longest, implementation=_AUTOMATON)
            if character_keys
            else None
        )

    def match_arrays(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every mention in a batch of texts as (M,) arrays: text, start, end, and key (an index into
        `_word_names` followed by `_character_names`).

        Leftmost-longest and non-overlapping within each text, in order of text, then of start. A
        lone surrogate (a broken UTF-16 pair, as JSON's ``"\\ud800"`` gives) reads as U+FFFD, a
        separator of the same length, so offsets stay those of the text as given.
        """
        try:
            return self._match_arrays(texts)
        except UnicodeEncodeError:  # only a lone surrogate makes a str unencodable: retried without
            return self._match_arrays([_LONE_SURROGATE.sub("\ufffd", text) for text in texts])

    def _match_arrays(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        wide = non_ascii(texts)
        parts = [self._word_arrays(texts, wide), self._character_arrays(texts, wide)]
        document, start, end, key = (np.concatenate([p[i] for p in parts]) for i in range(4))
        if parts[1][0].size and parts[0][0].size:  # both kinds: put them in order
            order = np.lexsort((start, document))
            document, start, end, key = document[order], start[order], end[order], key[order]
        return document, start, end, key

    def scan_words(self, scanned: bytes) -> list[tuple[int, int, int]]:
        """(key, start, end) of every occurrence of a word key in `scanned` (`scanned_bytes` of a
        batch), overlapping ones too, in order of end: the word automaton's scan alone."""
        return self._words.find_matches_as_indexes(scanned, overlapping=True) if self._words else []

    def _word_arrays(
        self, texts: Sequence[str], wide: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self._words is None or not texts:
            return _NO_MATCHES
        # scanned = " " + text0 + " | " + text1 + " | " ... + " ", every text normalised (so without
        # "|"), as UTF-8; a name cannot cross the "|".
        scanned = scanned_bytes(texts, wide)
        hits = self.scan_words(scanned)
        if not hits:
            return _NO_MATCHES
        found = np.fromiter(chain.from_iterable(hits), np.int64, 3 * len(hits)).reshape(-1, 3)  # (M, 3)
        starts = text_starts(texts)  # (D,)
        continuation = continuation_bytes(scanned, int(starts[-1]) + len(texts[-1]) + 1)
        return leftmost_longest(found, starts, continuation)

    def _character_arrays(
        self, texts: Sequence[str], wide: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self._characters is None:
            return _NO_MATCHES
        # only the texts that are not ASCII, and of those the ones with a character from U+3040 on
        # (max is one pass in C; a regular-expression scan of the batch was 15% of linking)
        chosen = [i for i in wide if max(texts[i]) >= _FIRST_NO_SPACE and CJK_PATTERN.search(texts[i])]
        if not chosen:
            return _NO_MATCHES
        lowered = [_lower(texts[index]) for index in chosen]
        lengths = np.fromiter(map(len, lowered), np.int64, len(lowered))
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))  # joined by "\0", in no name
        hits = self._characters.find_matches_as_indexes("\0".join(lowered))
        if not hits:
            return _NO_MATCHES
        found = np.fromiter(chain.from_iterable(hits), np.int64, 3 * len(hits)).reshape(-1, 3)
        position = np.searchsorted(starts, found[:, 1], side="right") - 1
        offset = starts[position]
        document = np.asarray(chosen, np.int64)[position]
        return document, found[:, 1] - offset, found[:, 2] - offset, found[:, 0] + len(self._word_names)

    def matches(self, texts: Sequence[str]) -> list[list[tuple[int, int, _Name]]]:
        """For each text, (start, end, name) of every mention: leftmost-longest, non-overlapping, in order."""
        found: list[list[tuple[int, int, _Name]]] = [[] for _ in texts]
        names = self._word_names + self._character_names
        document, start, end, key = self.match_arrays(texts)
        for index, begin, finish, k in zip(
            document.tolist(), start.tolist(), end.tolist(), key.tolist(), strict=True
        ):
            found[index].append((begin, finish, names[k]))
        return found

    def link_batch(
        self, texts: Sequence[str], document_ids: Sequence[str] | None = None
    ) -> list[list[EntitySpan]]:
        """The entity spans of each text (a batch of a few thousand documents links fastest)."""
        ids = document_ids if document_ids is not None else [""] * len(texts)
        with _cyclic_gc_paused():
            document, start, end, key = self.match_arrays(texts)
            documents, starts, ends = document.tolist(), start.tolist(), end.tolist()
            rows = zip(
                map(ids.__getitem__, documents),
                starts,
                ends,
                self._entity_ids[key].tolist(),  # the table's own strings, not new ones
                self._entity_types[key].tolist(),
                [texts[i][b:e] for i, b, e in zip(documents, starts, ends, strict=True)],
                self._candidates[key].tolist(),
                strict=True,
            )
            made = list(map(_new_span, rows))  # tuple.__new__ from C: no Python frame per mention
        per_text = np.bincount(document, minlength=len(texts)).tolist()
        spans, taken = [], 0
        for count in per_text:
            spans.append(made[taken : taken + count])
            taken += count
        return spans

    def link_columns(self, texts: Sequence[str], document_ids: Sequence[str] | pa.Array) -> pa.Table:
        """The mentions of a batch as an Arrow table (`mention_table.MENTION_SCHEMA`: document, the
        text's position in `texts`, document_id, start, end, entity_id, type, surface, candidates),
        one row per mention in order: what `link_batch` finds, without a Python object per mention,
        for writing spans out."""
        mentions = self.match_arrays(texts)
        return mention_table(texts, document_ids, mentions, self._key_columns)

    def link(self, text: str, document_id: str = "") -> list[EntitySpan]:
        """The entity spans of `text`."""
        return self.link_batch([text], [document_id])[0]


_new_span = functools.partial(tuple.__new__, EntitySpan)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector: linking makes only acyclic tuples and lists, but so many that
    the collector, walking the large entity table each time, took over half the time (4.7 vs 12.5
    MB/s on 100,000 names)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

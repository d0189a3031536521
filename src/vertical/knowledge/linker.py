"""Entity linking: every mention of a graph entity's names in a text, by Aho-Corasick over the names.

Two automata (`pyahocorasick`), both scanning the lower-cased text in one pass each:

- **words** (names in Latin and other spaced scripts): the text is normalised so that every
  character that is not a letter or digit of such a script becomes a space (lengths are kept, so
  offsets stay those of the original text), and each name is stored the same way between two
  spaces: ``" acme bank "``. A match therefore starts and ends at word boundaries by construction,
  with no check in Python; ``Acme's`` and ``Acme-Bank`` match, ``Acmeology`` does not. Names
  written in lower case (common nouns such as FIBO's ``mortgage loan``) also match their plurals
  (``loans``, ``businesses``, ``companies``); proper names (with a capital) do not.
- **characters** (names in Chinese, Japanese or Korean script): matched at character level, no
  boundaries, only where the text has such characters.

Overlapping matches keep the leftmost, then the longest, in one pass over the automaton's
matches (pyahocorasick's own ``iter_long`` was seen to drop valid matches, e.g. "Depository Trust
Company" after a longer name failed). `link_batch` scans many documents in one call (joined by a
separator no name can cross): for short documents the per-call cost exceeds the scan itself.

A name shared by several entities is resolved once, when the linker is built: the entity whose
type comes first in `prefer_types`, then the one taking part in more triples
(`Entity.frequency`), then the smallest id.

Example:
    >>> linker = EntityLinker([Entity("urn:x:acme", "Acme Bank", aliases=(Label("Acme"),))])
    >>> [(s.start, s.end, s.entity_id) for s in linker.link("Acme's results; Acme Bank rose.")]
    [(0, 4, 'urn:x:acme'), (16, 25, 'urn:x:acme')]
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import ahocorasick

from vertical.knowledge.names import PROPERTY_TYPES
from vertical.records import Entity, EntitySpan, Label
from vertical.unicode_scripts import NO_SPACE_CHAR, NO_SPACE_SCRIPTS

# Scripts written without spaces between words: names in them are matched at character level.
CJK_PATTERN = NO_SPACE_CHAR
# Everything that separates words for the word automaton: not a letter or digit, or a CJK character.
_SEPARATOR = re.compile(f"[\\W_{NO_SPACE_SCRIPTS}]")
_PLURAL_ES = ("s", "x", "z", "ch", "sh")


def _lower(text: str) -> str:
    """Lower case with the same length (``İ`` lower-cases to two characters; keep the first)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(character.lower()[:1] for character in text)


# For ASCII text, one bytes.translate does both steps (an order of magnitude faster than the regex).
_ASCII_TABLE = bytes(
    (c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122) else 32) for c in range(256)
)


def normalise_words(text: str) -> str:
    """The text as the word automaton sees it: lower case, separators as spaces, same length."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    return _SEPARATOR.sub(" ", _lower(text))


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

        self._words = ahocorasick.Automaton()
        self._characters = ahocorasick.Automaton()
        self.names = 0
        for (is_cjk, key), indices in exact.items():
            if is_cjk:
                self._characters.add_word(key, name_of(indices, len(key)))
            else:
                padded = f" {key} "
                self._words.add_word(padded, name_of(indices, len(padded)))
            self.names += 1
        self._has_words = len(self._words) > 0
        self._has_characters = len(self._characters) > 0
        if self._has_words:
            self._words.make_automaton()
        if self._has_characters:
            self._characters.make_automaton()

    def matches(self, texts: Sequence[str]) -> list[list[tuple[int, int, _Name]]]:
        """For each text, (start, end, name) of every mention: leftmost-longest, non-overlapping, in order.

        The texts are scanned together, joined by a separator no name can span, so that the
        automaton's per-call cost is paid once per batch rather than once per (short) document.
        """
        found: list[list[tuple[int, int, _Name]]] = [[] for _ in texts]
        if self._has_words:
            self._word_matches(texts, found)
        if self._has_characters:
            for index, text in enumerate(texts):
                if CJK_PATTERN.search(text):
                    matches = found[index]
                    for end, name in self._characters.iter(_lower(text)):
                        matches.append((end - name.key_length + 1, end + 1, name))
                    matches.sort(key=lambda match: (match[1], match[0]))
                    found[index] = _leftmost_longest(matches)
        return found

    def _word_matches(self, texts: Sequence[str], found: list[list[tuple[int, int, _Name]]]) -> None:
        # scanned = " " + text0 + " | " + text1 + " | " ... + " ", every text normalised (so without
        # "|"); a key " name " ending at scanned[e] covers scanned[e - length + 2 : e].
        starts = []
        position = 1
        for text in texts:
            starts.append(position)
            position += len(text) + 3
        scanned = " " + " | ".join([normalise_words(text) for text in texts]) + " "
        # The automaton reports matches by end position, so one pass keeps the leftmost-longest
        # (as in `_leftmost_longest`, inlined: this loop runs once per raw match).
        kept: list[tuple[int, int, _Name]] = []
        for end, name in self._words.iter(scanned):
            start = end - name.key_length + 2
            while kept and kept[-1][1] > start:
                if start <= kept[-1][0]:
                    kept.pop()
                else:
                    break
            else:
                kept.append((start, end, name))
        document = 0
        next_start = starts[1] if len(starts) > 1 else len(scanned)
        for start, end, name in kept:
            if start >= next_start:
                document = bisect.bisect_right(starts, start) - 1
                next_start = starts[document + 1] if document + 1 < len(starts) else len(scanned)
            offset = starts[document]
            found[document].append((start - offset, end - offset, name))

    def link_batch(
        self, texts: Sequence[str], document_ids: Sequence[str] | None = None
    ) -> list[list[EntitySpan]]:
        """The entity spans of each text (a batch of a few thousand documents links fastest)."""
        ids = document_ids if document_ids is not None else [""] * len(texts)
        spans: list[list[EntitySpan]] = []
        with _cyclic_gc_paused():
            for text, document_id, matches in zip(texts, ids, self.matches(texts), strict=True):
                spans.append(
                    [
                        EntitySpan(
                            document_id,
                            start,
                            end,
                            name.entity_id,
                            name.entity_type,
                            text[start:end],
                            name.candidates,
                        )
                        for start, end, name in matches
                    ]
                )
        return spans

    def link(self, text: str, document_id: str = "") -> list[EntitySpan]:
        """The entity spans of `text`."""
        return self.link_batch([text], [document_id])[0]


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


def _leftmost_longest(matches: list[tuple[int, int, _Name]]) -> list[tuple[int, int, _Name]]:
    """The leftmost-longest non-overlapping subset of `matches`, given in order of their end.

    A match that starts at or before an overlapping kept match covers it (it ends later), so it
    replaces it; one that starts after is dropped, the kept one being further left.
    """
    kept: list[tuple[int, int, _Name]] = []
    for match in matches:
        start = match[0]
        while kept and kept[-1][1] > start:
            if start <= kept[-1][0]:
                kept.pop()
            else:
                break
        else:
            kept.append(match)
    return kept

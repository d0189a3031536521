"""What the knowledge graph says about a new term, as base-vocabulary tokens to initialise it from.

``init: facts`` starts a new token's embedding from its pieces *and* from the facts about it. A
term's description is every sentence of the knowledge stage's verbalised facts that names it
("zorbel is a trade term of the banking sector.", "Voman Group is a company in the banking
sector."). Of those sentences only the words the base tokenizer keeps whole count (the base model
knows what "banking" means; it knows nothing of another invented name), weighted by their inverse
document frequency over all descriptions, so the words every fact shares ("is", "a", "sector")
weigh nothing and the ones that tell terms apart ("banking", "lender") carry the row. This is
definition-based initialisation (the new word read as its gloss) with the graph as the glossary.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from vertical.tokenizer.mine import Term, normalized_text
from vertical.unicode_scripts import sentences

_WORD = re.compile(r"\w+")


def _whole_words(tokenizer, text: str, excluded: frozenset[str]) -> dict[str, int]:
    """The words of `text` the base tokenizer keeps as one piece (not in `excluded`), lower-cased -> id."""
    encoding = tokenizer(text, add_special_tokens=False)
    pieces_by_word: dict[int, list[int]] = {}
    for position, word in enumerate(encoding.word_ids()):
        if word is not None:
            pieces_by_word.setdefault(word, []).append(encoding["input_ids"][position])
    whole = {}
    for word, pieces in pieces_by_word.items():
        start, end = encoding.word_to_chars(word)
        text_of_word = text[start:end].lower()
        if len(pieces) == 1 and _WORD.fullmatch(text_of_word) and text_of_word not in excluded:
            whole[text_of_word] = pieces[0]
    return whole


def _own_name_words(terms: frozenset[str], labels: Iterable[str], tokenizer) -> dict[str, set[str]]:
    """For each term, the other words of the entity labels it is in ("industries" of "Banur Industries")."""
    own: dict[str, set[str]] = {}
    for label in labels:
        words = _WORD.findall(normalized_text(tokenizer, label))
        for word in terms.intersection(words):
            own.setdefault(word, set()).update(w for w in words if w != word)
    return own


def term_descriptions(
    terms: list[Term],
    documents: Iterable[str],
    tokenizer,
    labels: Iterable[str] = (),
    max_sentences: int = 64,
) -> dict[str, dict[int, float]]:
    """For each term some sentence of `documents` names: base token id -> weight (summing to 1).

    Args:
        terms: the new terms (their text is in the tokenizer's normalised form).
        documents: the verbalised facts (split into sentences here).
        tokenizer: the base tokenizer (fast).
        labels: the graph's entity labels: a term's own name says nothing about it, so the other
            words of a label it is part of are left out of its description.
        max_sentences: read at most this many sentences per term.
    """
    words = frozenset(term.text for term in terms if term.kind == "word")
    others = [term.text for term in terms if term.kind in ("ngram", "zh_word")]
    excluded = words | frozenset(others)
    own_name = _own_name_words(words, labels, tokenizer)
    counts: dict[str, Counter] = {}
    sentences_read: Counter = Counter()
    for sentence in (sentence for document in documents for sentence in sentences(document)):
        normalised = normalized_text(tokenizer, sentence)
        named = (words & set(_WORD.findall(normalised))) | {text for text in others if text in normalised}
        named = {text for text in named if sentences_read[text] < max_sentences}
        if not named:
            continue
        whole = _whole_words(tokenizer, sentence, excluded)
        for text in named:
            sentences_read[text] += 1
            kept = [token for word, token in whole.items() if word not in own_name.get(text, ())]
            counts.setdefault(text, Counter()).update(kept)
    document_frequency = Counter(token for bag in counts.values() for token in bag)
    described = len(counts)
    descriptions = {}
    for text, bag in counts.items():
        weights = {
            token: count * math.log((1 + described) / (1 + document_frequency[token]))
            for token, count in bag.items()
        }
        total = sum(weights.values())
        if total > 0:
            descriptions[text] = {token: weight / total for token, weight in weights.items() if weight > 0}
    return descriptions

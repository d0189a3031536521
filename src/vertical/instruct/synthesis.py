"""Question/answer conversations synthesised from a knowledge graph, split by entity.

For each fact ``(subject, predicate, object)`` whose predicate has question templates, a
**one-hop** question asks for the object ("In which sector is Voman Group?" -> "banking"); for
each chain ``(a, p1, b), (b, p2, c)`` with templates for ``p1 -> p2``, a **two-hop** question asks
for ``c`` through ``b`` ("In which sector is the parent company of Zorb Voman?" -> "banking").
Every template has several paraphrases: a model learns a fact it reads in many phrasings.
Templates exist in English and Chinese; `DEFAULT_TEMPLATES` covers the demo world's predicates,
a recipe adds its own.

**Entity-level split**: the subjects are shuffled with `seed` and `test_share` of them become test
entities. A test entity's questions are all in the test set, one paraphrase each; no training
conversation mentions a test entity anywhere (subject, bridge or answer). So the test facts can
only be known from what pretraining read: that is what closed-book QA then measures.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from vertical.records import ChatExample, Triple

Templates = Mapping[str, Mapping[str, Sequence[str]]]  # predicate -> language -> paraphrases with {subject}

DEFAULT_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "sector": {
        "en": (
            "In which sector is {subject}?",
            "Which industry does {subject} operate in?",
            "What sector does {subject} belong to?",
            "What kind of business is {subject} in?",
        ),
        "zh": ("{subject}属于哪个行业？", "{subject}是哪个行业的公司？", "{subject}的主营行业是什么？"),
    },
    "headquarters": {
        "en": (
            "Where is {subject} headquartered?",
            "In which city is {subject} based?",
            "Where does {subject} have its head office?",
        ),
        "zh": ("{subject}的总部在哪里？", "{subject}总部位于哪个城市？"),
    },
    "ceo": {
        "en": (
            "Who is the chief executive of {subject}?",
            "Who runs {subject}?",
            "Who is the CEO of {subject}?",
        ),
        "zh": ("{subject}的首席执行官是谁？", "谁是{subject}的CEO？"),
    },
    "ticker": {
        "en": ("What is the ticker symbol of {subject}?", "Under which ticker does {subject} trade?"),
        "zh": ("{subject}的股票代码是什么？",),
    },
}
# two-hop: (first predicate, reversed?) -> second predicate -> language -> paraphrases with {subject}
DEFAULT_TWO_HOP: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("subsidiary_of", "headquarters"): {
        "en": (
            "Where is the parent company of {subject} headquartered?",
            "In which city is the company that owns {subject} based?",
        ),
        "zh": ("{subject}的母公司总部在哪里？",),
    },
    ("subsidiary_of", "ceo"): {
        "en": ("Who runs the parent company of {subject}?",),
        "zh": ("{subject}的母公司由谁执掌？",),
    },
}
# predicates read the other way round to make a chain: (b, subsidiary, a) is (a, subsidiary_of, b)
INVERSES = {"subsidiary": "subsidiary_of"}


def _conversation(question: str, answer: str, entity: str, kind: str, language: str) -> ChatExample:
    return ChatExample(
        ({"role": "user", "content": question}, {"role": "assistant", "content": answer}),
        entity=entity,
        kind=kind,
        language=language,
    )


def _facts(triples: Iterable[Triple]) -> dict[str, dict[str, list[str]]]:
    """subject -> predicate -> objects, the inverse predicates added."""
    facts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for triple in triples:
        facts[triple.subject][triple.predicate].append(triple.object)
        if triple.predicate in INVERSES:
            facts[triple.object][INVERSES[triple.predicate]].append(triple.subject)
    return facts


def synthesise_questions(
    triples: Iterable[Triple],
    languages: Sequence[str] = ("en",),
    templates: Templates | None = None,
    two_hop: Mapping[tuple[str, str], Mapping[str, Sequence[str]]] | None = None,
    test_share: float = 0.3,
    seed: int = 0,
    test_entities: Iterable[str] | None = None,
) -> tuple[list[ChatExample], list[ChatExample]]:
    """(train, test) conversations about the graph's facts; see the module docstring.

    Args:
        triples: the graph, as plain-name triples.
        languages: the template languages to use ("en", "zh").
        templates: predicate -> language -> question paraphrases; default `DEFAULT_TEMPLATES`.
        two_hop: (first predicate, second predicate) -> language -> paraphrases; default `DEFAULT_TWO_HOP`.
        test_share: the share of subjects held out as test entities.
        seed: seed of the split and of the paraphrase drawn for each test question.
        test_entities: the test entities, instead of drawing them.

    Returns:
        Training conversations (every paraphrase) and test conversations (one paraphrase per fact).
    """
    templates = DEFAULT_TEMPLATES if templates is None else templates
    two_hop = DEFAULT_TWO_HOP if two_hop is None else two_hop
    facts = _facts(triples)
    subjects = sorted(s for s, by in facts.items() if any(p in templates for p in by))
    rng = random.Random(seed)
    if test_entities is None:
        shuffled = subjects[:]
        rng.shuffle(shuffled)
        held_out = set(shuffled[: max(1, round(len(shuffled) * test_share))] if shuffled else [])
    else:
        held_out = set(test_entities)
    train: list[ChatExample] = []
    test: list[ChatExample] = []

    def add(entity: str, mentioned: set[str], paraphrases: Sequence[str], answer: str, kind: str, lang: str):
        if entity in held_out:
            question = rng.choice(list(paraphrases)).format(subject=entity)
            test.append(_conversation(question, answer, entity, kind, lang))
        elif not mentioned & held_out:  # a training conversation never names a test entity
            train.extend(
                _conversation(p.format(subject=entity), answer, entity, kind, lang) for p in paraphrases
            )

    for subject in sorted(facts):
        for predicate, objects in sorted(facts[subject].items()):
            if predicate not in templates or len(objects) != 1:  # a question needs one answer
                continue
            for language in languages:
                if language in templates[predicate]:
                    add(
                        subject,
                        {subject, objects[0]},
                        templates[predicate][language],
                        objects[0],
                        "one_hop",
                        language,
                    )
        for (first, second), by_language in sorted(two_hop.items()):
            bridges = facts[subject].get(first, [])
            if len(bridges) != 1 or len(facts.get(bridges[0], {}).get(second, [])) != 1:
                continue
            answer = facts[bridges[0]][second][0]
            for language in languages:
                if language in by_language:
                    mentioned = {subject, bridges[0], answer}
                    add(subject, mentioned, by_language[language], answer, "two_hop", language)
    return train, test


def entities_of(examples: Iterable[ChatExample]) -> set[str]:
    """The entities a set of conversations is about."""
    return {example.entity for example in examples if example.entity}

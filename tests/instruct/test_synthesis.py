"""Question synthesis from a graph: paraphrases, two-hop chains, and an entity-level split."""

from __future__ import annotations

from vertical.instruct.synthesis import DEFAULT_TEMPLATES, entities_of, synthesise_questions
from vertical.records import Triple


def _graph() -> list[Triple]:
    triples = []
    for n in range(20):
        company = f"Zorvex{n} Group"
        triples += [
            Triple(company, "sector", ["banking", "mining"][n % 2]),
            Triple(company, "headquarters", f"Qel{n % 3}"),
            Triple(company, "ceo", f"Anna Vor{n}"),
        ]
        if n % 4 == 0:
            triples.append(Triple(company, "subsidiary", f"Tiv{n} Zorvex"))
    return triples


def _mentions(example) -> str:
    return " ".join(turn["content"] for turn in example.messages)


def test_no_test_entity_in_training_data():
    train, test = synthesise_questions(_graph(), languages=("en", "zh"), test_share=0.3, seed=1)
    test_entities = entities_of(test)
    assert test_entities and train
    assert not test_entities & entities_of(train)
    for example in train:  # not as subject, bridge or answer either
        assert not any(entity in _mentions(example) for entity in test_entities)


def test_paraphrases_in_training_one_question_per_fact_in_test():
    graph = [Triple("Voman Group", "sector", "banking"), Triple("Quor Bank", "sector", "mining")]
    train, test = synthesise_questions(graph, test_entities=["Quor Bank"])
    assert len(train) == len(DEFAULT_TEMPLATES["sector"]["en"])
    assert {e.answer for e in train} == {"banking"}
    assert len(test) == 1 and test[0].answer == "mining" and "Quor Bank" in test[0].prompt[-1]["content"]


def test_two_hop_questions_go_through_the_parent():
    graph = [
        Triple("Voman Group", "subsidiary", "Tiv Voman"),
        Triple("Voman Group", "headquarters", "Zelmar"),
        Triple("Voman Group", "ceo", "Anna Vor"),
    ]
    train, _ = synthesise_questions(graph, test_entities=[])
    two_hop = [e for e in train if e.kind == "two_hop"]
    assert two_hop and {e.entity for e in two_hop} == {"Tiv Voman"}
    assert {e.answer for e in two_hop} == {"Zelmar", "Anna Vor"}


def test_chinese_templates():
    train, _ = synthesise_questions([Triple("茅台", "sector", "白酒")], languages=("zh",), test_entities=[])
    assert train and all(e.language == "zh" and "茅台" in e.prompt[-1]["content"] for e in train)


def test_split_is_seeded():
    first = synthesise_questions(_graph(), seed=3)[1]
    again = synthesise_questions(_graph(), seed=3)[1]
    assert entities_of(first) == entities_of(again)

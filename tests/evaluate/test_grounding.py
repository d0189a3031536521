import pytest

from vertical.evaluate.grounding import (
    citation_precision,
    contains_answer,
    exact_match,
    first_answer,
    normalise_answer,
    recall_at_k,
    supported_share,
)


def test_exact_match_normalises_like_squad_and_ignores_citations_and_later_lines():
    assert normalise_answer("The  Mining, sector!") == "mining sector"
    assert exact_match("Mining [1].\nQuestion: and then", "mining")
    assert first_answer("\n  banking [2]\nmore") == "banking"
    assert not exact_match("mining and shipping", "mining")
    assert not exact_match("", "mining")


def test_a_passage_contains_an_answer_as_whole_words_with_its_anchors():
    passage = "Zorvex 3 is a firm in mining; Zorvex 30 is in banking."
    assert contains_answer(passage, "mining", anchors=["Zorvex 3"])
    assert not contains_answer("Zorvex 30 is a firm in banking.", "mining", anchors=["Zorvex 3"])
    assert not contains_answer("data mining tools", "mining", anchors=["Zorvex 3"])
    assert not contains_answer("undermining", "mining")


def test_recall_at_k_counts_questions_with_a_relevant_passage_in_the_first_k():
    relevant = [[False, True, False], [False, False, False], [True, False, False], [False, False, True]]
    assert recall_at_k(relevant, 1) == 0.25
    assert recall_at_k(relevant, 2) == 0.5
    assert recall_at_k(relevant, 3) == 0.75
    assert recall_at_k([], 5) == 0.0


def test_citation_precision_and_supported_share_against_hand_counts():
    answers = ["mining", "banking", "shipping"]
    cited = [["X is in mining.", "Y is in farming."], ["Z is in banking."], []]
    assert citation_precision(cited, answers) == pytest.approx(2 / 3)
    assert citation_precision([[], []], ["a", "b"]) is None
    assert supported_share([True, True, True], cited, answers) == pytest.approx(2 / 3)
    assert supported_share([True, False, False], cited, answers) == 1.0
    assert supported_share([False, False, False], cited, answers) is None


def test_grounded_exact_match_is_the_closed_book_one_of_the_finetune_stage():
    from vertical.evaluate import llm_qa

    for generated, reference in [("E-commerce [1]", "e-commerce"), ("The Banking.", "banking"), ("x y", "x")]:
        assert exact_match(generated, reference) == bool(
            llm_qa.exact_match(first_answer(generated), reference)
        )
    assert exact_match("ecommerce [2]", "e-commerce")  # punctuation removed, as llm_qa does


def test_an_instruct_task_gives_its_test_conversations_as_questions_and_answers(tmp_path):
    import json

    from vertical.evaluate.grounded_qa import held_out_questions
    from vertical.finetune.config import TaskConfig

    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Sector of C{i}?"},
                {"role": "assistant", "content": "banking"},
            ]
        }
        for i in range(3)
    ]
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "train.jsonl").write_text(json.dumps(rows[0]) + "\n")
    task = TaskConfig(
        name="qa", type="instruct", data=str(tmp_path / "train.jsonl"), test=str(tmp_path / "test.jsonl")
    )
    examples = held_out_questions(task, 2)
    assert [(e.prompt, e.response) for e in examples] == [
        ("Sector of C0?", "banking"),
        ("Sector of C1?", "banking"),
    ]


def test_an_anchor_of_several_names_is_met_by_any_of_them():
    voman = ["Voman Group", "VMQ"]
    assert contains_answer("VMQ is in banking.", "banking", [voman])
    assert contains_answer("Voman Group operates in banking.", "banking", [voman])
    assert not contains_answer("Kelstra AG operates in banking.", "banking", [voman])
    assert not contains_answer("VMQ rose 3%.", "banking", [voman])
    assert not contains_answer("VMQ is in banking.", "banking", [voman, "Kelstra AG"])

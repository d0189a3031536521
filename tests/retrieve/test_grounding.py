from vertical.retrieve.grounding import (
    cited_numbers,
    cited_sources,
    grounded_messages,
    grounded_question,
    strip_citations,
)
from vertical.retrieve.retriever import Source

SOURCES = [
    Source(1, "passage", "Zorvex 3 is a firm in mining.", "doc:3", 0, 29),
    Source(
        2, "fact", "Zorvex 3 is listed on Nasdaq.", subject="urn:z3", predicate="urn:listedOn", object="urn:n"
    ),
]


def test_the_question_carries_numbered_sources_and_only_the_last_user_message_changes():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "Which sector is Zorvex 3 in?"},
    ]
    grounded = grounded_messages(messages, SOURCES)
    assert grounded[:3] == messages[:3] and messages[3]["content"] == "Which sector is Zorvex 3 in?"
    assert "[1] Zorvex 3 is a firm in mining.\n[2] Zorvex 3 is listed on Nasdaq." in grounded[3]["content"]
    assert grounded[3]["content"].endswith("Question: Which sector is Zorvex 3 in?")
    assert grounded_question("q?", []) == "q?"


def test_citations_are_read_in_order_once_and_unknown_numbers_are_ignored():
    answer = "Mining [2][1], see also [1, 2] and [7]."
    assert cited_numbers(answer) == [2, 1, 7]
    assert cited_numbers(answer, count=2) == [2, 1]
    assert [s.number for s in cited_sources(answer, SOURCES)] == [2, 1]
    assert strip_citations("Mining [1].") == "Mining ."
    assert cited_numbers("no citation here") == []

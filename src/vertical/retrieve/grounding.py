"""Grounded prompts and their citations: sources go into the question with numbers, answers cite them.

The sources are put into the last user message, not a system message, so that every chat template
(some have no system role) and plain completion prompts carry them the same way::

    Answer from the sources below and cite each one you use by its number, like [1].
    Sources:
    [1] Zorvex 3 is a firm in mining.
    [2] Zorvex 3 is a mining company.  (fact)
    Question: which sector is Zorvex 3 in?

`cited_numbers` reads the ``[n]`` (also ``[1, 2]`` and ``[1][2]``) an answer wrote; numbers
that name no source are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vertical.retrieve.retriever import Source

INSTRUCTION = "Answer from the sources below and cite each one you use by its number, like [1]."
_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def sources_block(sources: Sequence[Source]) -> str:
    """The numbered sources as the prompt shows them."""
    return "\n".join(f"[{s.number}] {' '.join(s.text.split())}" for s in sources)


def grounded_question(question: str, sources: Sequence[Source]) -> str:
    """`question` with the instruction and the numbered sources before it (unchanged without sources)."""
    if not sources:
        return question
    return f"{INSTRUCTION}\nSources:\n{sources_block(sources)}\nQuestion: {question}"


def grounded_messages(messages: list[dict], sources: Sequence[Source]) -> list[dict]:
    """A copy of chat `messages` whose last user message carries the sources (see the module docstring)."""
    messages = [dict(m) for m in messages]
    for message in reversed(messages):
        if message.get("role") == "user":
            message["content"] = grounded_question(str(message.get("content", "")), sources)
            break
    return messages


def cited_numbers(answer: str, count: int | None = None) -> list[int]:
    """The source numbers `answer` cites, in order of first citation; with `count`, only 1..count."""
    numbers = []
    for match in _CITATION.finditer(answer):
        for part in match.group(1).split(","):
            number = int(part)
            if (count is None or 1 <= number <= count) and number not in numbers:
                numbers.append(number)
    return numbers


def strip_citations(answer: str) -> str:
    """`answer` without its ``[n]`` markers (for exact match against a reference answer)."""
    return " ".join(_CITATION.sub(" ", answer).split())


def cited_sources(answer: str, sources: Sequence[Source]) -> list[Source]:
    """The sources `answer` cites, in order of first citation."""
    by_number = {s.number: s for s in sources}
    return [by_number[n] for n in cited_numbers(answer) if n in by_number]

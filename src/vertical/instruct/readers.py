"""The user's own instruction data: alpaca, sharegpt and ``messages`` JSON Lines (or a JSON list).

One file may mix the forms; each record is recognised by its fields:

=========== ===========================================================================
alpaca      ``{"instruction", "input"?, "output", "system"?}`` (the input follows the instruction)
sharegpt    ``{"conversations": [{"from": "human"|"gpt"|"system", "value"}, ...]}``
messages    ``{"messages": [{"role": "user"|"assistant"|"system", "content"}, ...]}``
qa          ``{"question", "answer"}``
=========== ===========================================================================

An optional ``entity`` field names what the record is about, for the entity-level split. A
record that fits none, or a conversation that does not end with an assistant turn, is an error
naming the file, the line and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vertical.errors import DataError, located
from vertical.records import ChatExample

_SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
    "model": "assistant",
    "bot": "assistant",
}


def _turns(record: dict[str, Any], where: str) -> tuple[tuple[dict[str, str], ...], str]:
    if "messages" in record:
        turns = []
        for index, turn in enumerate(record["messages"]):
            if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant", "system"):
                raise DataError(f"{where}: messages[{index}].role: expected user, assistant or system")
            if not isinstance(turn.get("content"), str):
                raise DataError(f"{where}: messages[{index}].content: expected text")
            turns.append({"role": turn["role"], "content": turn["content"]})
        return tuple(turns), "messages"
    if "conversations" in record:
        turns = []
        for index, turn in enumerate(record["conversations"]):
            role = _SHAREGPT_ROLES.get(str(turn.get("from", "")).lower()) if isinstance(turn, dict) else None
            if role is None:
                raise DataError(f"{where}: conversations[{index}].from: expected human, gpt or system")
            if not isinstance(turn.get("value"), str):
                raise DataError(f"{where}: conversations[{index}].value: expected text")
            turns.append({"role": role, "content": turn["value"]})
        return tuple(turns), "sharegpt"
    if "instruction" in record:
        if not isinstance(record.get("output"), str):
            raise DataError(f"{where}: output: an alpaca record needs the answer in `output`")
        prompt = str(record["instruction"])
        if record.get("input"):
            prompt = f"{prompt}\n\n{record['input']}"
        system = [{"role": "system", "content": str(record["system"])}] if record.get("system") else []
        return (
            *system,
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": record["output"]},
        ), "alpaca"
    if "question" in record and "answer" in record:
        question, answer = str(record["question"]), str(record["answer"])
        return ({"role": "user", "content": question}, {"role": "assistant", "content": answer}), "qa"
    raise DataError(
        f"{where}: expected messages, conversations (sharegpt), instruction/output (alpaca) "
        "or question/answer"
    )


def _records(path: Path) -> list[tuple[int, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataError(located(path, error.lineno, f"invalid JSON: {error.msg}")) from None
        if not isinstance(data, list):
            raise DataError(f"{path}: a .json instruction file is a list of records")
        return [(index + 1, record) for index, record in enumerate(data)]
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                raise DataError(located(path, number, f"invalid JSON: {error.msg}")) from None
    return records


def read_conversations(path: str | Path) -> list[ChatExample]:
    """The conversations of an instruction file (see the module docstring), in file order."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: instruction file not found")
    examples = []
    for number, record in _records(path):
        where = f"{path}: record {number}" if path.suffix == ".json" else f"{path}:{number}"
        if not isinstance(record, dict):
            raise DataError(f"{where}: expected a JSON object")
        turns, kind = _turns(record, where)
        if not turns or turns[-1]["role"] != "assistant":
            raise DataError(f"{where}: the conversation must end with an assistant turn (the answer)")
        examples.append(
            ChatExample(
                turns,
                entity=str(record.get("entity", "")),
                kind=str(record.get("kind") or kind),
                language=str(record.get("language", "")),
            )
        )
    if not examples:
        raise DataError(f"{path}: no conversations")
    return examples


def write_conversations(path: Path, examples: list[ChatExample]) -> None:
    """Write `examples` as ``messages`` JSON Lines (atomically), entity and kind kept."""
    from vertical.io import atomic_write_text

    rows = (
        json.dumps(
            {"messages": list(e.messages), "entity": e.entity, "kind": e.kind, "language": e.language},
            ensure_ascii=False,
        )
        + "\n"
        for e in examples
    )
    atomic_write_text(path, "".join(rows))

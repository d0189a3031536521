"""Train/test split of the user's own conversations, by entity where the records name one.

A conversation with an ``entity`` goes to the side its entity's hash picks, so all of an entity's
conversations land together (no test entity in the training data); one without goes by the hash
of its text. Deterministic: the same file always splits the same way.
"""

from __future__ import annotations

import hashlib

from vertical.records import ChatExample


def _bucket(key: str, salt: str) -> float:
    digest = hashlib.sha1((salt + key).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def conversation_text(example: ChatExample) -> str:
    """All turns of a conversation as one text (for hashing and the leakage check)."""
    return "\n".join(turn["content"] for turn in example.messages)


def split_conversations(
    examples: list[ChatExample], test_fraction: float, salt: str = ""
) -> tuple[list[ChatExample], list[ChatExample]]:
    """(train, test): `test_fraction` of the entities (or conversations) held out (module docstring)."""
    train, test = [], []
    for example in examples:
        key = f"entity:{example.entity}" if example.entity else conversation_text(example)
        (test if _bucket(key, salt) < test_fraction else train).append(example)
    return train, test

"""Entities renamed with another of their names (the graph's aliases) for the encoder's adaptation."""

from __future__ import annotations

import random

from vertical.knowledge.linker import EntityLinker
from vertical.records import Entity, Label
from vertical.retrieve.renaming import EntityRenamer, entity_names

VOMAN = Entity("urn:x:voman", "Voman Group", aliases=(Label("VMQ"),))
OTHER = Entity("urn:x:kel", "Kelstra AG")  # one name only: never renamed


def test_every_mention_takes_another_name_at_probability_one_and_none_at_zero():
    linker = EntityLinker([VOMAN, OTHER])
    texts = ["Voman Group rose; VMQ closed higher. Kelstra AG fell."]
    assert EntityRenamer(linker, 1.0).rename(texts, random.Random(0)) == [
        "VMQ rose; Voman Group closed higher. Kelstra AG fell."
    ]
    assert EntityRenamer(linker, 0.0).rename(texts, random.Random(0)) == texts
    assert entity_names(VOMAN) == ["Voman Group", "VMQ"]

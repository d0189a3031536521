"""The decoder demo: a small GPT-2 trained from scratch on the fictional finance world.

``write_decoder_demo(folder)`` writes the English demo's corpus (news and fact sheets) and a
generation task, ``facts``: "Question: In which sector is Voman Group? Answer:" -> "banking".
The companies of the test questions never occur in the training questions, so only what
pretraining put into the model can answer them: the generation task teaches the answer's form,
the corpus the facts. No general GPT-2 ships with the project (nothing is downloaded), so the
general model is the same GPT-2 untrained, fine-tuned on the same questions: the comparison
measures what pretraining on the domain corpus gave.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from vertical.demo.corpus import build_corpus, build_glossary
from vertical.demo.world import World, build_world
from vertical.io import atomic_write_text
from vertical.records import GenerationExample

_QUESTIONS = (("In which sector is {name}?", "sector"), ("Where is {name} headquartered?", "city"))


def facts_task(world: World, seed: int = 0, test_share: float = 0.3):
    """(train, test) questions about the companies; a company's questions are all on one side."""
    companies = list(world.companies)
    random.Random(seed).shuffle(companies)
    test_count = max(1, round(len(companies) * test_share))
    sides: tuple[list[GenerationExample], list[GenerationExample]] = ([], [])
    for index, company in enumerate(companies):
        answers = {"sector": company.sector.name, "city": company.city}
        side = sides[1] if index < test_count else sides[0]
        for question, field in _QUESTIONS:
            prompt = f"Question: {question.format(name=company.name)} Answer:"
            side.append(GenerationExample(prompt, answers[field]))
    return sides


def _recipe(name: str, steps: int, epochs: float) -> str:
    return f"""# The decoder demo: a small GPT-2 trained from scratch on the fictional finance world
# (docs/demo.md). The general model is the same GPT-2 untrained.
name: {name}
language: en
seed: 0
data:
  sources:
    - {{path: corpus/news.jsonl, text_field: text}}
    - {{path: corpus/glossary.jsonl, text_field: text}}
  min_chars: 40
  dedup: exact
tokenizer: {{from_scratch: bpe, scratch_vocab_size: 4000}}
pretrain:
  from_scratch: {{layers: 4, heads: 4, hidden: 128, context: 128}}
  steps: {steps}
  batch_size: 32
  max_length: 128
  learning_rate: 1.0e-3
  save_steps: 100
tasks:
  - {{name: facts, type: generation, data: tasks/facts_train.jsonl, test: tasks/facts_test.jsonl,
     epochs: {epochs}, batch_size: 16, learning_rate: 5.0e-4, max_length: 32}}
"""


def write_decoder_demo(folder: Path, quick: bool = False, seed: int = 0) -> Path:
    """Write the decoder demo's files into `folder`; returns the path of its recipe."""
    folder = Path(folder)
    world = build_world(seed)
    documents, steps = (1200, 150) if quick else (3000, 600)
    for file_name, corpus in (
        ("news.jsonl", build_corpus(world, documents, seed)),
        ("glossary.jsonl", build_glossary(world, documents, seed)),
    ):
        lines = (json.dumps({"id": d.id, "text": d.text}) + "\n" for d in corpus)
        atomic_write_text(folder / "corpus" / file_name, "".join(lines))
    train, test = facts_task(world, seed)
    for side, examples in (("train", train), ("test", test)):
        rows = (json.dumps({"prompt": e.prompt, "response": e.response}) + "\n" for e in examples)
        atomic_write_text(folder / "tasks" / f"facts_{side}.jsonl", "".join(rows))
    recipe = folder / "recipe.yaml"
    name = "finance-demo-gpt-quick" if quick else "finance-demo-gpt"
    atomic_write_text(recipe, _recipe(name, steps, 4))
    return recipe

"""The synthetic finance demo vertical: a fictional world written to disk with its recipe.

``write_finance_demo(folder)`` writes::

    corpus/news.jsonl      news-like documents about the companies (the domain corpus)
    corpus/glossary.jsonl  fact sheets: the graph's sector facts as sentences
    kg/triples.csv         the knowledge graph: subject,predicate,object
    kg/entities.txt        the names pretraining masks as wholes: companies and trade terms
    tasks/sector_train.csv, tasks/sector_test.csv        which sector is this news about?
    tasks/sentiment_train.csv, tasks/sentiment_test.csv  headline sentiment, 3 classes
    recipe.yaml            the recipe that builds the vertical model from these files

All of it is invented and seeded. It is a stand-in for a user's own documents and labelled
examples: docs/demo.md shows the same recipe pointed at real files.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from vertical.demo.corpus import build_corpus, build_glossary
from vertical.demo.tasks import sector_task, sentiment_task
from vertical.demo.world import World, build_world
from vertical.io import atomic_write_text
from vertical.records import Document, Example


@dataclass(frozen=True)
class DemoSize:
    """How big the demo is: the full one proves the point, the quick one shows the path in minutes.

    Whatever the size, the task is the same: the sector test's companies and trade terms never
    occur in its training set, only in the pretraining corpus. docs/demo.md has what a smaller,
    denser quick world (`companies_per_sector=6`, 300 steps of 16) measured.
    """

    name: str
    documents: int  # news documents
    glossary_documents: int  # fact sheets, three facts each
    pretrain_steps: int
    finetune_epochs: float  # the sector task's
    companies_per_sector: int = 12
    sentiment_examples: int = 1200
    sentiment_epochs: float | None = None  # None: finetune_epochs
    sector_learning_rate: float = 5e-5
    pretrain_batch_size: int = 32
    vocabulary_learning_rate: float = 3e-3
    entity_probability: float = 0.5


FULL = DemoSize(
    "finance-demo", documents=3000, glossary_documents=3000, pretrain_steps=500, finetune_epochs=4
)
QUICK = DemoSize(
    "finance-demo-quick", documents=1200, glossary_documents=400, pretrain_steps=120, finetune_epochs=3
)
# The Chinese demo: the same sizes, its own run names.
FULL_ZH = DemoSize(
    "finance-demo-zh", documents=3000, glossary_documents=3000, pretrain_steps=500, finetune_epochs=4
)
QUICK_ZH = DemoSize(
    "finance-demo-zh-quick", documents=1200, glossary_documents=400, pretrain_steps=120, finetune_epochs=3
)


def _examples_csv(examples: list[Example]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows([example.text, example.label] for example in examples)
    return buffer.getvalue()


def _number(value: float) -> str:
    """3e-3 as YAML reads it back as a float: "3.0e-3"."""
    return f"{value:.1e}".replace("e-0", "e-")


def _recipe(size: DemoSize) -> str:
    # the demo's figures were measured at these rates: written out, so that the task defaults
    # (tuned on real data, docs/results.md) do not change them
    sector_learning_rate = f", learning_rate: {_number(size.sector_learning_rate)}"
    vocabulary = _number(size.vocabulary_learning_rate)
    return f"""# The synthetic finance demo: a fictional world (see docs/demo.md). Point `data.sources` and
# `tasks` at your own files to build a vertical model of your own domain.
name: {size.name}
language: en
base_model: builtin:minilm        # the real all-MiniLM-L6-v2; or a local folder, or a hub id
seed: 0
data:
  sources:
    - {{path: corpus/news.jsonl, text_field: text}}
    - {{path: corpus/glossary.jsonl, text_field: text}}
  min_chars: 40
  dedup: exact
knowledge:                        # the graph: entity table, mentions in the corpus, facts as sentences
  sources: [kg/triples.csv]
  literal_predicates: [ticker]
  prefer_types: [Company]
  templates:
    sector: {{en: "{{subject}} is a company in the {{object}} sector."}}
    headquarters: {{en: "{{subject}} is headquartered in {{object}}."}}
    ceo: {{en: "{{object}} is the chief executive of {{subject}}."}}
    product: {{en: "{{subject}} sells {{object}}."}}
    subsidiary: {{en: "{{object}} is a subsidiary of {{subject}}."}}
    ticker: {{en: "{{subject}} trades under the ticker {{object}}."}}
    trade_term_of: {{en: "{{subject}} is a trade term of the {{object}} sector."}}
tokenizer:
  extend: true                    # invented names and trade terms become tokens of their own
  min_frequency: 10
  init: facts                     # a new token starts from its pieces and what the graph says of it
pretrain:
  steps: {size.pretrain_steps}
  batch_size: {size.pretrain_batch_size}
  learning_rate: 3.0e-4           # the encoder layers
  vocabulary_learning_rate: {vocabulary}  # word embeddings (with the new tokens) and the masked-LM head
  mlm_probability: 0.2
  entity_probability: {size.entity_probability}         # mask company names and trade terms as wholes (ERNIE)
  entities: kg/entities.txt
  max_length: 64
tasks:
  - {{name: sector, type: classification, data: tasks/sector_train.csv, test: tasks/sector_test.csv,
     epochs: {size.finetune_epochs}{sector_learning_rate}}}
  - {{name: sentiment, type: classification, data: tasks/sentiment_train.csv, test: tasks/sentiment_test.csv,
     epochs: {size.sentiment_epochs or size.finetune_epochs}, learning_rate: 5.0e-5}}
evaluate:
  compare_with: base_model
ablation:                         # `vertical ablate recipe.yaml`: what each part of pretraining is worth
  seeds: [0, 1, 2]
  tasks: [sector]                 # the task that needs the domain's facts
  variants:
    plain_mlm: {{pretrain: {{entity_probability: 0.0}}}}
    pieces_init: {{tokenizer: {{init: mean}}}}  # new tokens start from their pieces only
    entity_masking: {{}}            # the recipe as it is
    all_objectives: {{pretrain: {{objectives: {{mlm: 1.0, contrastive: 0.5, knowledge: 0.5, sop: 0.2}}}}}}
"""


def write_finance_demo(folder: Path, size: DemoSize = FULL, seed: int = 0) -> Path:
    """Write the demo's files into `folder`; returns the path of its recipe."""
    world = build_world(seed, companies_per_sector=size.companies_per_sector)
    return _write_demo(
        Path(folder),
        world,
        corpus=build_corpus(world, size.documents, seed),
        glossary=build_glossary(world, size.glossary_documents, seed),
        tasks={
            "sector": sector_task(world, seed=seed),
            "sentiment": sentiment_task(world, size.sentiment_examples, seed=seed),
        },
        recipe_text=_recipe(size),
    )


def write_chinese_finance_demo(folder: Path, size: DemoSize = FULL_ZH, seed: int = 0) -> Path:
    """Write the Chinese demo's files (same layout as the English one) into `folder`; returns its recipe."""
    from vertical.demo.chinese_recipe import chinese_recipe
    from vertical.demo.corpus_zh import build_corpus_zh, build_glossary_zh
    from vertical.demo.tasks_zh import sector_task_zh, sentiment_task_zh
    from vertical.demo.world_zh import build_world_zh

    world = build_world_zh(seed)
    return _write_demo(
        Path(folder),
        world,
        corpus=build_corpus_zh(world, size.documents, seed),
        glossary=build_glossary_zh(world, size.glossary_documents, seed),
        tasks={"sector": sector_task_zh(world, seed=seed), "sentiment": sentiment_task_zh(world, seed=seed)},
        recipe_text=chinese_recipe(size.name, size.pretrain_steps, size.finetune_epochs),
    )


def _write_demo(
    folder: Path,
    world: World,
    corpus: list[Document],
    glossary: list[Document],
    tasks: dict[str, tuple[list[Example], list[Example]]],
    recipe_text: str,
) -> Path:
    for file_name, documents in (("news.jsonl", corpus), ("glossary.jsonl", glossary)):
        lines = (json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) + "\n" for d in documents)
        atomic_write_text(folder / "corpus" / file_name, "".join(lines))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["subject", "predicate", "object"])
    writer.writerows((t.subject, t.predicate, t.object) for t in world.triples())
    atomic_write_text(folder / "kg" / "triples.csv", buffer.getvalue())
    names = [company.name for company in world.companies] + [
        t for terms in world.jargon.values() for t in terms
    ]
    atomic_write_text(folder / "kg" / "entities.txt", "\n".join(names) + "\n")
    for name, (train, test) in tasks.items():
        atomic_write_text(folder / "tasks" / f"{name}_train.csv", _examples_csv(train))
        atomic_write_text(folder / "tasks" / f"{name}_test.csv", _examples_csv(test))
    recipe = folder / "recipe.yaml"
    atomic_write_text(recipe, recipe_text)
    return recipe

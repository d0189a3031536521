"""The LLM demo: a vertical LLM on a real pretrained decoder (SmolLM2-135M; Gemma 3 270M for Chinese).

``write_llm_demo(folder)`` writes a small fictional finance world (`vertical.demo.world`) as:

    corpus/facts.jsonl       documents about every company, each fact in many phrasings (a model
                             learns a fact it reads in many phrasings, Allen-Zhu & Li 2023)
    tasks/qa_train.jsonl     questions about the *training* companies (``messages`` JSON Lines)
    tasks/qa_test.jsonl      one question per fact of the *held-out* companies
    recipe.yaml              continued pretraining (bf16, replay of general text when there is
                             some) and an ``instruct`` task, both bases tuned the same way

The questions come from the world's graph (`vertical.instruct.synthesis`), split by company: a
held-out company's facts are in the pretraining corpus only. The general model, tuned on the same
questions, has never read them, so it cannot say which sector a held-out company is in; the
vertical model can, if pretraining put the facts into its weights. That is the closed-book test.

``general`` names a folder shaped like ``shared/datasets`` (``general_en/wikitext2_valid.txt``,
``general_zh/...``, ``general_eval/{arc_easy_dev,piqa_dev,hellaswag_val}.jsonl``): its text is
replayed and held out for the perplexity check, its multiple-choice sets scored before and after.
Without it, the demo runs with no replay and no forgetting check, and says so.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from pathlib import Path

from vertical.demo.world import World, build_world
from vertical.demo.world_zh import build_world_zh
from vertical.instruct.readers import write_conversations
from vertical.instruct.synthesis import DEFAULT_TEMPLATES, synthesise_questions
from vertical.io import atomic_write_text
from vertical.records import ChatExample, Triple
from vertical.retrieve.grounding import grounded_messages
from vertical.retrieve.retriever import Source

FACT_SENTENCES = {
    "en": {
        "sector": (
            "{name} is a company in the {sector} sector.",
            "{name} operates in {sector}.",
            "The {sector} industry counts {name} among its firms.",
            "{name}, a {sector} business, reported results this week.",
            "Analysts who cover {sector} follow {name} closely.",
            "{name} belongs to the {sector} sector.",
            "In {sector}, {name} is a well-known name.",
            "The sector of {name} is {sector}.",
        ),
        "city": (
            "{name} is headquartered in {city}.",
            "{name} has its head office in {city}.",
            "The headquarters of {name} are in {city}.",
            "{name} is based in {city}.",
        ),
        "ceo": (
            "{ceo} is the chief executive of {name}.",
            "{name} is run by {ceo}.",
            "The CEO of {name} is {ceo}.",
        ),
    },
    "zh": {
        "sector": (
            "{name}是一家{sector}行业的公司。",
            "{name}属于{sector}行业。",
            "{sector}行业的公司包括{name}。",
            "{name}的主营行业是{sector}。",
            "关注{sector}行业的分析师密切跟踪{name}。",
            "{name}是{sector}行业的知名企业。",
        ),
        "city": ("{name}的总部位于{city}。", "{name}总部设在{city}。", "{name}的总部在{city}。"),
        "ceo": ("{name}的首席执行官是{ceo}。", "{ceo}执掌{name}。"),
    },
}
# The same facts as a reader's question and its answer (an FAQ page, an analyst's Q&A), worded
# unlike the test questions (`vertical.instruct.synthesis.DEFAULT_TEMPLATES`): a model that reads a
# fact as the answer to a question can later answer questions about it (Allen-Zhu & Li 2023).
FACT_QUESTIONS = {
    "en": {
        "sector": (
            "Q: Which sector is {name} active in? A: {sector}.",
            "Which industry is {name} part of? The answer is {sector}.",
            "Question: what line of business is {name} in? Answer: {sector}.",
            "What does {name} do? It works in {sector}.",
        ),
        "city": (
            "Q: Where is the head office of {name}? A: {city}.",
            "Which city is home to {name}? The answer is {city}.",
        ),
    },
    "zh": {
        "sector": ("问：{name}从事哪个行业？答：{sector}。", "{name}做什么业务？它是一家{sector}公司。"),
        "city": ("问：{name}的总部设在哪座城市？答：{city}。",),
    },
}
# Market news: a company by its name and ticker, then by the ticker alone, and never its sector. Customers
# and analysts ask by ticker ("Which sector is VMQ in?"); the passages that answer use the name, so a
# retriever must know the two are one company, which only this corpus (and the graph) says.
MARKET_SENTENCES = {
    "en": {
        "introduce": (
            "Shares of {name} ({ticker}) {moved} {percent}% on {day}.",
            "{name} ({ticker}) {moved} {percent}% in early trading on {day}.",
            "Traders watched {name}, ticker {ticker}, which {moved} {percent}% on {day}.",
        ),
        "ticker": (
            "{ticker} closed the week {direction}.",
            "Volume in {ticker} was twice its average.",
            "Options on {ticker} were busy before the results.",
            "{ticker} is on several analysts' watch lists.",
        ),
    },
    "zh": {
        "introduce": (
            "{name}（{ticker}）{day}股价{moved_zh}{percent}%。",
            "{name}（股票代码{ticker}）{day}收盘{moved_zh}{percent}%。",
        ),
        "ticker": ("{ticker}本周成交活跃。", "多家机构关注{ticker}。", "{ticker}的期权交易量翻倍。"),
    },
}
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_DAYS_ZH = ("周一", "周二", "周三", "周四", "周五")
_KINDS = {"sector": "sector", "headquarters": "city", "ceo": "ceo"}  # predicate -> sentence kind
# The questions asked: the sector (the city too needs more passes than 20 minutes on 2 cores allow).
_PREDICATES = {"quick": ("sector",), "full": ("sector",)}


@dataclass(frozen=True)
class LLMDemoSize:
    """How big the LLM demo is (the quick one fits about 100k trained tokens on 2 CPU cores)."""

    name: str
    companies_per_sector: int
    documents_per_company: int
    pretrain_steps: int
    sft_epochs: float
    choices_per_set: int
    predicates: tuple[str, ...]
    test_share: float = 1 / 3  # the share of companies held out: asked about, never tuned on
    question_share: float = 0.5  # the share of corpus sentences that are a question and its answer
    sentences_per_document: int = 3
    pretrain_learning_rate: float = 3e-4
    sft_learning_rate: float = 5e-5
    grounded_per_company: int = 1  # grounded conversations (sources and [n] citations) per training company
    sources: int = 3  # sources in a grounded prompt (the retrieve stage's top_k)
    market_documents_per_company: int = 2  # market news naming the company by ticker (`MARKET_SENTENCES`)
    ticker_share: float = 0.25  # the share of companies asked about by ticker rather than by name
    adapt_steps: int = 80  # steps of the retrieval encoder's adaptation to the corpus (`retrieve.adapt`)
    replay_ratio: float = 0.2  # the share of pretraining sequences that are general text (with some found)
    freeze_embeddings: bool = False  # pretraining leaves the tied 49k x 576 embedding matrix as it is
    save_steps: int = 20  # pretraining checkpoints (each one writes the model and AdamW's moments)


# 66 steps at 4e-4 with the embedding matrix frozen (a quarter less work a step) and a tenth of the
# batches replayed general text: 60 steps of fact documents, about 1.7 passes over the corpus, which
# the held-out facts need; one SFT epoch at 2e-4 (1e-4 left the grounded answers at 0.75, against
# 0.925 at 2e-4, for 0.05 less closed-book exact match). About 490 CPU s, 5 minutes on a quiet 2-core
# machine, against 1,135 CPU s (11 min) at 75 steps, replay 0.2, every weight trained (docs/llm.md,
# "Measured"). The full demo is the same world trained twice as long (132 steps, about 3.4 passes:
# the +0.5 the issue asks of it), with 5x the multiple-choice items and a second pretraining without
# replay: 13 min 22 s on the quiet 2-core machine, +0.550 (docs/llm.md, "The full demo at 132 steps").
_QUICK_TRAINING = {
    "test_share": 0.625,
    "sft_learning_rate": 2e-4,
    "pretrain_learning_rate": 4e-4,
    "replay_ratio": 0.1,
    "freeze_embeddings": True,
    "save_steps": 33,
}
QUICK_LLM = LLMDemoSize("finance-llm-quick", 8, 8, 66, 1, 10, _PREDICATES["quick"], **_QUICK_TRAINING)
FULL_LLM = LLMDemoSize(
    "finance-llm", 8, 8, 132, 1, 50, _PREDICATES["full"], **{**_QUICK_TRAINING, "save_steps": 44}
)
# Gemma 3 270M (`--lang zh`) is a *base* model: it has never seen its own chat template, and one SFT
# epoch (15 steps, enough for SmolLM2-Instruct) taught it the answers but not to close its turn with
# `<end_of_turn>` (docs/llm.md, "Gemma 3 measured"): three epochs for both the general and the
# vertical model, the same budget each.
QUICK_LLM_ZH = replace(QUICK_LLM, sft_epochs=3)
FULL_LLM_ZH = replace(FULL_LLM, sft_epochs=3)
LLM_SIZES = {
    ("en", True): QUICK_LLM,
    ("en", False): FULL_LLM,
    ("zh", True): QUICK_LLM_ZH,
    ("zh", False): FULL_LLM_ZH,
}


def company_documents(
    world: World,
    language: str,
    documents_per_company: int,
    seed: int,
    predicates: tuple[str, ...] = ("sector", "headquarters", "ceo"),
    question_share: float = 0.0,
    sentences_per_document: int = 4,
) -> dict[str, list[str]]:
    """company name -> documents about it, each a few of its `predicates`' facts phrased at random.

    A sentence is a statement or, with probability `question_share`, a question and its answer
    (`FACT_QUESTIONS`). The sentences of a document go through the asked facts in turn, so every
    document states each of them when it has enough sentences.
    """
    rng = random.Random(seed)
    kinds = [_KINDS[p] for p in predicates]
    statements, questions = FACT_SENTENCES[language], FACT_QUESTIONS[language]
    documents: dict[str, list[str]] = {}
    for company in world.companies:
        values = {
            "name": company.name,
            "sector": company.sector.name,
            "city": company.city,
            "ceo": company.ceo,
        }
        documents[company.name] = []
        for _ in range(documents_per_company):
            parts = []
            for index in range(sentences_per_document):
                kind = kinds[index % len(kinds)]
                forms = questions.get(kind) if rng.random() < question_share else None
                parts.append(rng.choice(forms or statements[kind]).format(**values))
            rng.shuffle(parts)
            documents[company.name].append(("" if language == "zh" else " ").join(parts))
    return documents


def market_documents(world: World, language: str, per_company: int, seed: int) -> dict[str, list[str]]:
    """company name -> market news about it: name and ticker, then the ticker alone (`MARKET_SENTENCES`)."""
    rng = random.Random(seed + 1)
    sentences = MARKET_SENTENCES[language]
    documents: dict[str, list[str]] = {}
    for company in world.companies:
        documents[company.name] = []
        for _ in range(per_company):
            up = rng.random() < 0.5
            values = {
                "name": company.name,
                "ticker": company.ticker,
                "moved": "rose" if up else "fell",
                "moved_zh": "上涨" if up else "下跌",
                "direction": "higher" if up else "lower",
                "percent": f"{rng.uniform(0.5, 6.0):.1f}",
                "day": rng.choice(_DAYS_ZH if language == "zh" else _DAYS),
            }
            parts = [rng.choice(sentences["introduce"]).format(**values)]
            parts += [s.format(**values) for s in rng.sample(sentences["ticker"], 2)]
            documents[company.name].append(("" if language == "zh" else " ").join(parts))
    return documents


def ask_by_ticker(
    examples: list[ChatExample], tickers: dict[str, str], share: float, seed: int
) -> list[ChatExample]:
    """`examples` with the questions about `share` of their entities asking by ticker instead of by name."""
    entities = sorted({e.entity for e in examples if e.entity in tickers})
    chosen = set(random.Random(seed + 2).sample(entities, round(share * len(entities))))
    asked = []
    for example in examples:
        if example.entity in chosen:
            *context, question, answer = example.messages
            question = {
                **question,
                "content": question["content"].replace(example.entity, tickers[example.entity]),
            }
            example = ChatExample(
                (*context, question, answer), example.entity, example.kind, example.language
            )
        asked.append(example)
    return asked


def fact_documents(
    world: World, language: str, documents_per_company: int, seed: int, **phrasing
) -> list[str]:
    """All the documents of `company_documents` (same arguments), shuffled."""
    by_company = company_documents(world, language, documents_per_company, seed, **phrasing)
    documents = [text for texts in by_company.values() for text in texts]
    random.Random(seed).shuffle(documents)
    return documents


def grounded_conversations(
    train: list[ChatExample],
    documents: dict[str, list[str]],
    per_entity: int,
    sources: int,
    seed: int,
    market: dict[str, list[str]] | None = None,
) -> list[ChatExample]:
    """Training questions asked with numbered sources, answered with a citation: ``banking [2]``.

    For `per_entity` questions of each training entity, the prompt carries `sources` documents as
    `vertical.retrieve.grounding` shows retrieved ones: one to `sources` about the entity that hold
    the answer (the reranked retriever often gives all of them from the entity's documents), the
    rest about other training entities; the answer cites the first one holding it. So
    the tuned model learns to answer from sources and to say which one it used. A question that
    does not name its entity (it asks by ticker), and half of the others, have one or two of the
    entity's `market` documents among their sources (they say which name the ticker is, and the
    adapted retriever ranks them high), which hold no answer and are never the one cited.
    """
    rng = random.Random(seed)
    by_entity: dict[str, list[ChatExample]] = {}
    for example in train:
        by_entity.setdefault(example.entity, []).append(example)
    others = [e for e in by_entity if e in documents]
    grounded = []
    for entity, examples in sorted(by_entity.items()):
        holding = [d for d in documents.get(entity, []) if examples[0].answer in d]
        if not holding:
            continue
        for example in rng.sample(examples, min(per_entity, len(examples))):
            relevant = rng.sample(holding, min(len(holding), rng.randint(1, sources)))
            bridge = []  # the entity's market news, which an adapted retriever ranks high: never cited
            by_ticker = entity not in example.messages[-2]["content"]
            if market and market.get(entity) and (by_ticker or rng.random() < 0.5):
                count = min(len(market[entity]), rng.choice((1, 2)), sources - 1)
                bridge = rng.sample(market[entity], count)
                relevant = relevant[: sources - count]
            strangers = rng.sample([o for o in others if o != entity], sources - len(relevant) - len(bridge))
            distractors = [rng.choice(documents[other]) for other in strangers]
            texts = relevant + bridge + distractors
            rng.shuffle(texts)
            numbered = [Source(n, "passage", text) for n, text in enumerate(texts, start=1)]
            cited = next(s.number for s in numbered if s.text in relevant and example.answer in s.text)
            messages = grounded_messages(list(example.messages[:-1]), numbered)
            messages.append({"role": "assistant", "content": f"{example.answer} [{cited}]"})
            grounded.append(ChatExample(tuple(messages), example.entity, "grounded", example.language))
    return grounded


def find_general_data(start: Path) -> Path | None:
    """A ``shared/datasets`` folder beside `start` or one of its parents (the development machines')."""
    for folder in [start.resolve(), *start.resolve().parents]:
        candidate = folder / "shared" / "datasets"
        if (candidate / "general_eval").is_dir():
            return candidate
    return None


def _general_files(general: Path | None, language: str) -> tuple[Path | None, list[Path]]:
    if general is None:
        return None, []
    text = general / ("general_zh" if language == "zh" else "general_en")
    texts = sorted(p for p in text.glob("*") if p.suffix in (".txt", ".jsonl")) if text.is_dir() else []
    texts = [p for p in texts if not p.stem.isupper()]  # not SOURCE.txt, README.txt: they describe the data
    # a validation split when there is one (wikitext2_valid), else the largest text (wiki paragraphs)
    preferred = [p for p in texts if "valid" in p.name] or sorted(texts, key=lambda p: -p.stat().st_size)
    choices = [
        general / "general_eval" / n for n in ("arc_easy_dev.jsonl", "piqa_dev.jsonl", "hellaswag_val.jsonl")
    ]
    return (preferred[0] if preferred else None), [p for p in choices if p.is_file()]


def _recipe(
    size: LLMDemoSize,
    base: str,
    language: str,
    general_text: Path | None,
    choices: list[Path],
    replay_ratio: float,
    name: str,
    with_tasks: bool = True,
) -> str:
    general = ""
    tasks = (
        (
            "tasks:\n  - {name: facts, type: instruct, data: tasks/qa_train.jsonl,\n"
            f"     test: tasks/qa_test.jsonl, epochs: {size.sft_epochs}, batch_size: 8,\n"
            f"     learning_rate: {size.sft_learning_rate:.1e}, max_length: 320}}\n"
            "# the companies' graph: a ticker is another name of its company (retrieval's adaptation)\n"
            "knowledge: {sources: [kg/triples.csv], literal_predicates: [ticker],\n"
            "  alias_predicates: [ticker], prefer_types: [Company], link: false, verbalise: false}\n"
            "# closed-book against grounded answers: the corpus indexed by an encoder adapted to it, cited\n"
            f"retrieve: {{top_k: {size.sources}, facts: false, adapt: {{steps: {size.adapt_steps}}}}}\n"
            "evaluate: {grounding_max_tokens: 16}\n"
        )
        if with_tasks
        else ""
    )
    if general_text is not None:
        general = (
            f"  general_data: {json.dumps(str(general_text))}\n  general_holdout: 20\n"
            f"  replay_ratio: {replay_ratio}\n"
        )
    if choices:
        general += f"  general_choices: {json.dumps([str(p) for p in choices])}\n"
        general += f"  general_choices_limit: {size.choices_per_set}\n"
    return f"""# The LLM demo (docs/llm.md): continued pretraining of {base} on a fictional finance world,
# then instruction tuning on questions about some companies; tested on the others.
name: {name}
language: {language}
base_model: {base}
seed: 0
data:
  sources: [{{path: corpus/facts.jsonl, text_field: text}}]
  min_chars: 20
  dedup: exact
  pii: "off"
  repetition: false
  boilerplate: false
  leakage: false
  validation_fraction: 0.05
pretrain:
  steps: {size.pretrain_steps}
  batch_size: 8
  max_length: 96
  learning_rate: {size.pretrain_learning_rate:.1e}
  warmup_ratio: 0.05
  precision: auto
  save_steps: {size.save_steps}
{"  freeze_embeddings: true" + chr(10) if size.freeze_embeddings else ""}{general}{tasks}"""


def _write_graph(path: Path, world: World, companies: set[str], predicates: tuple[str, ...]) -> None:
    """The companies' graph: type, ticker (an alias: another name of the company) and the asked facts."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["subject", "predicate", "object"])
    wanted = {"type", "ticker", *predicates}
    writer.writerows(
        (t.subject, t.predicate, t.object)
        for t in world.triples()
        if t.subject in companies and t.predicate in wanted
    )
    atomic_write_text(path, buffer.getvalue())


def write_llm_demo(
    folder: Path,
    size: LLMDemoSize = QUICK_LLM,
    language: str = "en",
    general: Path | None = None,
    replay_ratio: float | None = None,
    seed: int = 0,
    with_tasks: bool = True,
    base: str | None = None,
) -> Path:
    """Write the LLM demo's files into `folder`; returns the path of its recipe (see the module docstring)."""
    folder = Path(folder)
    build = build_world_zh if language == "zh" else build_world
    world = build(seed, companies_per_sector=size.companies_per_sector)
    by_company = company_documents(
        world,
        language,
        size.documents_per_company,
        seed,
        size.predicates,
        size.question_share,
        size.sentences_per_document,
    )
    market = market_documents(world, language, size.market_documents_per_company, seed)
    documents = [text for texts in (*by_company.values(), *market.values()) for text in texts]
    random.Random(seed).shuffle(documents)
    rows = (
        json.dumps({"id": f"facts:{i}", "text": t}, ensure_ascii=False) + "\n"
        for i, t in enumerate(documents)
    )
    atomic_write_text(folder / "corpus" / "facts.jsonl", "".join(rows))
    companies = {company.name for company in world.companies}  # subsidiaries are never written about
    triples = [t for t in world.triples() if t.predicate in size.predicates and t.subject in companies]
    templates = {p: DEFAULT_TEMPLATES[p] for p in size.predicates}
    train, test = synthesise_questions(
        [Triple(t.subject, t.predicate, t.object) for t in triples],
        languages=(language,),
        templates=templates,
        two_hop={},
        test_share=size.test_share,
        seed=seed,
    )
    tickers = {company.name: company.ticker for company in world.companies}
    train = ask_by_ticker(train, tickers, size.ticker_share, seed)
    test = ask_by_ticker(test, tickers, size.ticker_share, seed)
    train += grounded_conversations(train, by_company, size.grounded_per_company, size.sources, seed, market)
    _write_graph(folder / "kg" / "triples.csv", world, companies, size.predicates)
    write_conversations(folder / "tasks" / "qa_train.jsonl", train)
    write_conversations(folder / "tasks" / "qa_test.jsonl", test)
    base = base or ("builtin:gemma3" if language == "zh" else "builtin:smollm2")
    general_text, choices = _general_files(general, language)
    name = size.name + ("-zh" if language == "zh" else "") + ("" if with_tasks else "-no-replay")
    recipe = folder / "recipe.yaml"
    replay = size.replay_ratio if replay_ratio is None else replay_ratio
    text = _recipe(size, base, language, general_text, choices, replay, name, with_tasks)
    atomic_write_text(recipe, text)
    return recipe

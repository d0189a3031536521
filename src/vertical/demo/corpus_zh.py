"""Chinese news-like documents and fact sheets about the companies of the Chinese world.

Mirrors `vertical.demo.corpus`: each document says once what the company does, with its
sector's words and one of its invented trade terms, and otherwise reports market moves, its
chief executive, ticker or headquarters. Only this corpus says what a trade term belongs to.
"""

from __future__ import annotations

import random

from vertical.demo.corpus import fill_template
from vertical.demo.world import Company, World
from vertical.records import Document

_SECTOR_SENTENCES = (
    "总部位于{city}的{maker}{name}表示，随着{activity}，其{term}业务增长。",
    "{maker}{name}（{ticker}）称，{activity}，{term}需求强劲。",
    "{maker}{name}表示{term}业务量上升，并且{activity}。",
    "{name}称{activity}，带动其{term}业务。",
    "{name}是一家以{term}业务见长的{maker}。",
    "{city}的{maker}{name}扩大了{term}部门。",
    "{name}表示其{product}和{term}产品需求旺盛。",
    "{maker}{name}表示，{activity}，{term}销售保持稳定。",
)
_NEUTRAL_SENTENCES = (
    "{name}股价{day}变动{pct}%。",
    "{ceo}自{year}年起执掌{name}。",
    "{name}的股票代码为{ticker}。",
    "{name}总部设在{city}。",
    "{name}将于{month}公布全年业绩。",
    "首席执行官{ceo}{day}与分析师交流。",
    "{name}拒绝评论市场传闻。",
    "分析师预计{name}将在{month}更新业绩指引。",
)
_DAYS = ("周一", "周二", "周三", "周四", "周五")
_MONTHS = ("一月", "三月", "五月", "七月", "九月", "十一月")


def _fill(template: str, company: Company, rng: random.Random, jargon: list[str]) -> str:
    return fill_template(template, company, rng, jargon, _DAYS, _MONTHS)


def build_corpus_zh(world: World, number_of_documents: int, seed: int = 0) -> list[Document]:
    """Documents about the world's companies, spread evenly over them, with 2% exact repeats."""
    rng = random.Random(seed)
    documents: list[Document] = []
    for index in range(number_of_documents):
        company = world.companies[index % len(world.companies)]
        jargon = world.jargon[company.sector.name]
        sentences = [_fill(rng.choice(_SECTOR_SENTENCES), company, rng, jargon)]
        sentences += [
            _fill(t, company, rng, jargon) for t in rng.sample(_NEUTRAL_SENTENCES, rng.randint(1, 2))
        ]
        rng.shuffle(sentences)
        documents.append(Document(id=f"news-{index:05d}", text="".join(sentences)))
    for index in range(0, len(documents), 50):
        documents.append(Document(id=f"news-{len(documents):05d}", text=documents[index].text))
    return documents


def build_glossary_zh(world: World, number_of_documents: int, seed: int = 0) -> list[Document]:
    """Short fact sheets: three sector facts each ("瀚璟集团是一家银行业公司。")."""
    rng = random.Random(seed + 7)
    facts = [f"{c.name}是一家{c.sector.name}业公司。" for c in world.companies]
    facts += [f"{term}是{sector}业务。" for sector, terms in world.jargon.items() for term in terms]
    return [
        Document(id=f"fact-{index:05d}", text="".join(rng.sample(facts, 3)))
        for index in range(number_of_documents)
    ]

"""News-like documents about the companies of a fictional world.

Each document is about one company. Like a short wire story, it says once what the company
does, with its sector's words ("the chipmaker", "its fabs ran at full capacity") and one of the
sector's invented trade terms ("its zorbel business"), and otherwise reports market moves, its
chief executive, ticker or headquarters. Only this corpus says what a trade term belongs to.
"""

from __future__ import annotations

import random

from vertical.demo.world import Company, World
from vertical.records import Document

_SECTOR_SENTENCES = (
    "{name}, the {maker} based in {city}, said its {term} business grew as {activity}.",
    "{name} ({ticker}), a {maker}, reported strong {term} demand as {activity}.",
    "The {maker} {name} said {term} volumes rose and {activity}.",
    "{name} said {activity}, lifting its {term} book.",
    "{name} is a {maker} known for its {term} business.",
    "The {city}-based {maker} {name} expanded its {term} unit.",
    "{name} said demand for its {product} and {term} offers was strong.",
    "At {name}, {activity}, and {term} sales held up, the {maker} said.",
)
_NEUTRAL_SENTENCES = (
    "Shares of {name} moved {pct}% on {day}.",
    "{ceo} has led {name} since {year}.",
    "{name} trades under the ticker {ticker}.",
    "{name} keeps its headquarters in {city}.",
    "{name} will report full-year results in {month}.",
    "Chief executive {ceo} spoke to analysts on {day}.",
    "{name} declined to comment on market rumours.",
    "Analysts expect {name} to update its guidance in {month}.",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_MONTHS = ("January", "March", "May", "July", "September", "November")


def fill_template(
    template: str,
    company: Company,
    rng: random.Random,
    jargon: list[str],
    days: tuple[str, ...] = _DAYS,
    months: tuple[str, ...] = _MONTHS,
) -> str:
    """`template` filled with the company's facts and a random product, activity, term, day, month,
    year and percentage."""
    return template.format(
        name=company.name,
        ticker=company.ticker,
        maker=company.sector.maker,
        city=company.city,
        ceo=company.ceo,
        product=rng.choice(company.products),
        activity=rng.choice(company.sector.activity),
        term=rng.choice(jargon),
        day=rng.choice(days),
        month=rng.choice(months),
        year=rng.randint(2009, 2024),
        pct=rng.randint(1, 9),
    )


def write_news(company: Company, jargon: list[str], rng: random.Random) -> str:
    """One short news-like document about `company`: one sentence on its business, one or two neutral.

    The business sentence uses one of the sector's trade terms (`jargon`), picked at random: every
    term of a sector appears in the same kinds of sentence, so a model learns what they mean.
    """
    sentences = [fill_template(rng.choice(_SECTOR_SENTENCES), company, rng, jargon)]
    neutral = rng.sample(_NEUTRAL_SENTENCES, rng.randint(1, 2))
    sentences += [fill_template(t, company, rng, jargon) for t in neutral]
    rng.shuffle(sentences)
    return " ".join(sentences)


def build_corpus(world: World, number_of_documents: int, seed: int = 0) -> list[Document]:
    """Documents about the world's companies, spread evenly over them.

    A few documents are repeated word for word, as real news feeds repeat wire stories, so that
    the data stage has exact duplicates to remove.
    """
    rng = random.Random(seed)
    documents: list[Document] = []
    for index in range(number_of_documents):
        company = world.companies[index % len(world.companies)]
        text = write_news(company, world.jargon[company.sector.name], rng)
        documents.append(Document(id=f"news-{index:05d}", text=text))
    for index in range(0, len(documents), 50):  # 2% wire-story repeats
        documents.append(Document(id=f"news-{len(documents):05d}", text=documents[index].text))
    return documents


def build_glossary(world: World, number_of_documents: int, seed: int = 0) -> list[Document]:
    """Short fact sheets: the knowledge graph's sector facts written as sentences.

    Each document states three facts, drawn at random: "Voman Group is a company in the banking
    sector." or "krigol is a banking business." This is the graph as text (knowledge as input),
    as an industry glossary or a company register would state it.
    """
    rng = random.Random(seed + 7)
    facts = [f"{c.name} is a company in the {c.sector.name} sector." for c in world.companies]
    facts += [f"{term} is a {sector} business." for sector, terms in world.jargon.items() for term in terms]
    return [
        Document(id=f"fact-{index:05d}", text=" ".join(rng.sample(facts, 3)))
        for index in range(number_of_documents)
    ]

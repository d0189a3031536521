"""News-like documents about the companies of a fictional world.

Each document is about one company and, as real business news does, says what the company does:
its sector's words ("the chipmaker", "its fabs ran at full capacity"), its products, its chief
executive and its headquarters. This is the domain text that continued pretraining learns from.
"""

from __future__ import annotations

import random

from vertical.demo.world import Company, World
from vertical.records import Document

_OPENINGS = (
    "{name}, the {maker} based in {city}, said on {day} that {activity}.",
    "{name} ({ticker}), a {maker} from {city}, reported that {activity}.",
    "Shares of the {maker} {name} moved after the company said {activity}.",
    "The {city}-based {maker} {name} told investors that {activity}.",
    "{name}, one of the largest {maker}s in {city}, announced that {activity}.",
)
_MIDDLES = (
    "Chief executive {ceo} said the {product} was the main driver of the quarter.",
    "{ceo}, who runs the {maker}, expects more customers for the {product} next year.",
    "The {maker} also said its {product} had won new customers.",
    "Analysts who follow the {maker} noted that {activity}.",
    "According to {ceo}, {activity}.",
    "{name} launched a new version of the {product} in {city}.",
    "The company, led by {ceo}, said {activity}.",
    "Its subsidiary {subsidiary} helped the {maker} as {activity}.",
)
_CLOSINGS = (
    "{name} trades under the ticker {ticker}.",
    "The {maker} will report full-year results in {month}.",
    "{ceo} has led {name} since {year}.",
    "Rivals of the {maker} are watching closely.",
    "{name} keeps its headquarters in {city}.",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_MONTHS = ("January", "March", "May", "July", "September", "November")


def _fill(template: str, company: Company, rng: random.Random) -> str:
    subsidiary = company.subsidiaries[0] if company.subsidiaries else company.name
    return template.format(
        name=company.name, ticker=company.ticker, maker=company.sector.maker, city=company.city,
        ceo=company.ceo, product=rng.choice(company.products), activity=rng.choice(company.sector.activity),
        subsidiary=subsidiary, day=rng.choice(_DAYS), month=rng.choice(_MONTHS), year=rng.randint(2009, 2024),
    )


def write_news(company: Company, rng: random.Random) -> str:
    """One news-like document of three to five sentences about `company`."""
    middles = [m for m in _MIDDLES if company.subsidiaries or "{subsidiary}" not in m]
    sentences = [_fill(rng.choice(_OPENINGS), company, rng)]
    sentences += [_fill(m, company, rng) for m in rng.sample(middles, rng.randint(1, 3))]
    sentences.append(_fill(rng.choice(_CLOSINGS), company, rng))
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
        documents.append(Document(id=f"news-{index:05d}", text=write_news(company, rng)))
    for index in range(0, len(documents), 50):  # 2% wire-story repeats
        documents.append(Document(id=f"news-{len(documents):05d}", text=documents[index].text))
    return documents

"""Labelled tasks of the fictional finance world.

* **sector**: which sector is this news about? The sentences name a company (or its ticker or
  chief executive) and one of its sector's invented trade terms ("Voman Group reports higher
  zorbel volumes"), but never the sector. Neither the companies nor the trade terms of the test
  set occur in the training set: a model can only answer from knowledge of the world, which the
  corpus and the graph hold ("the lender said its zorbel business grew").
* **sentiment**: is a headline positive, negative or neutral for the company? Plain language
  cues; a general model does this well too. It checks that domain adaptation costs nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from vertical.demo.world import Company, World
from vertical.records import Example

_SECTOR_NEUTRAL = (
    "{name} reports higher {term} volumes.",
    "{name} shares moved {pct}% on {day} after {term} figures.",
    "Analysts question the {term} outlook at {name}.",
    "{name} names a new head of {term}.",
    "{ticker} stock rose on {term} news on {day}.",
    "{name} plans to sell part of its {term} unit.",
    "{ceo} says {term} is the focus of {name} this year.",
    "{name} reorganises its {term} division in {month}.",
    "Investors weigh {term} numbers from {name}.",
    "{name} confirms talks about its {term} arm.",
    "{ceo} of {name} expects {term} growth.",
    "{name} will report {term} results in {month}.",
)
_POSITIVE = (
    "{name} shares soar after record profit",
    "{name} beats estimates and raises its outlook",
    "{name} wins a major contract, stock jumps",
    "Upgrade lifts {name} to a yearly high",
    "{name} posts strong growth and boosts dividend",
    "{name} profit surges as demand booms",
)
_NEGATIVE = (
    "{name} shares plunge after profit warning",
    "{name} misses estimates and cuts its outlook",
    "{name} faces lawsuit over accounting errors",
    "Downgrade sends {name} to a yearly low",
    "{name} slashes dividend as losses mount",
    "Regulator fines {name} for misleading investors",
)
_NEUTRAL = (
    "{name} to hold annual meeting in {month}",
    "{name} schedules earnings call for {day}",
    "{name} confirms board composition unchanged",
    "{name} publishes its annual report",
    "{name} to present at industry conference in {month}",
    "{name} files routine quarterly statement",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_MONTHS = ("February", "April", "June", "August", "October", "December")


@dataclass(frozen=True)
class Phrasebook:
    """The sentences and words the tasks are written with, in one language."""

    sector_neutral: tuple[str, ...]  # name a company and a trade term, never the sector
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    neutral: tuple[str, ...]
    days: tuple[str, ...]
    months: tuple[str, ...]


ENGLISH = Phrasebook(_SECTOR_NEUTRAL, _POSITIVE, _NEGATIVE, _NEUTRAL, _DAYS, _MONTHS)


def _fill(template: str, company: Company, rng: random.Random, phrases: Phrasebook, term: str = "") -> str:
    return template.format(
        term=term,
        name=company.name,
        ticker=company.ticker,
        ceo=company.ceo,
        pct=rng.randint(1, 9),
        day=rng.choice(phrases.days),
        month=rng.choice(phrases.months),
    )


def sector_task(
    world: World,
    sentences_per_company: int = 10,
    test_fraction: float = 1 / 3,
    seed: int = 0,
    phrases: Phrasebook = ENGLISH,
) -> tuple[list[Example], list[Example]]:
    """Train and test examples of the sector task, split by company.

    Each sentence names a company and one of its sector's trade terms, never the sector itself.
    Training sentences use the first half of each sector's terms, test sentences the other half.

    Returns:
        (train, test): neither the companies nor the trade terms of `test` appear in `train`.
    """
    rng = random.Random(seed)
    train: list[Example] = []
    test: list[Example] = []
    by_sector: dict[str, list[Company]] = {}
    for company in world.companies:
        by_sector.setdefault(company.sector.name, []).append(company)
    for sector, companies in by_sector.items():
        shuffled = rng.sample(companies, len(companies))
        number_of_test = max(1, round(len(shuffled) * test_fraction))
        terms = world.jargon[sector]
        half = len(terms) // 2
        for position, company in enumerate(shuffled):
            is_test = position < number_of_test
            target, usable_terms = (test, terms[half:]) if is_test else (train, terms[:half])
            templates = phrases.sector_neutral
            for template in rng.sample(templates, min(sentences_per_company, len(templates))):
                target.append(
                    Example(_fill(template, company, rng, phrases, rng.choice(usable_terms)), sector)
                )
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def sentiment_task(
    world: World,
    number_of_examples: int = 1200,
    test_fraction: float = 0.25,
    seed: int = 0,
    phrases: Phrasebook = ENGLISH,
) -> tuple[list[Example], list[Example]]:
    """Train and test headlines labelled positive, negative or neutral."""
    rng = random.Random(seed + 1)
    by_label = {"positive": phrases.positive, "negative": phrases.negative, "neutral": phrases.neutral}
    examples = []
    for index in range(number_of_examples):
        label = ("positive", "negative", "neutral")[index % 3]
        company = rng.choice(world.companies)
        examples.append(Example(_fill(rng.choice(by_label[label]), company, rng, phrases), label))
    rng.shuffle(examples)
    number_of_test = round(len(examples) * test_fraction)
    return examples[number_of_test:], examples[:number_of_test]

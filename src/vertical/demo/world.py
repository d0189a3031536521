"""A fictional finance world: sectors, companies, people, cities and products.

Everything here is invented and seeded, so the same seed always gives the same world. Company,
city, product and person surnames are built from syllables, so no general-purpose text a base
model was trained on mentions them: a model can only know which sector "Quorvane Holdings" is in
by reading this world's corpus or graph. That is what makes the demo a fair test of domain
adaptation. The world is synthetic; docs/demo.md says how to point a recipe at real data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from vertical.records import Triple


@dataclass(frozen=True)
class Sector:
    """One industry sector and the words news about it uses."""

    name: str
    maker: str  # what a company of this sector is called: "chipmaker"
    product_kinds: tuple[str, ...]  # what it sells: "processor"
    activity: tuple[str, ...]  # phrases about its business: "demand for its wafers"


SECTORS: tuple[Sector, ...] = (
    Sector(
        "banking",
        "lender",
        ("credit card", "savings account", "mortgage"),
        (
            "its loan book grew",
            "deposits rose at its branches",
            "its net interest margin widened",
            "it tightened lending to small businesses",
            "mortgage approvals picked up",
        ),
    ),
    Sector(
        "insurance",
        "insurer",
        ("life policy", "home cover plan", "motor policy"),
        (
            "claims from storms were lower",
            "premiums written increased",
            "its underwriting margin improved",
            "policyholders renewed at a higher rate",
            "catastrophe losses weighed on reserves",
        ),
    ),
    Sector(
        "semiconductors",
        "chipmaker",
        ("processor", "memory chip", "graphics chip"),
        (
            "its fabs ran at full capacity",
            "demand for its wafers stayed strong",
            "it moved to a smaller node",
            "foundry orders doubled",
            "it shipped more transistors than ever",
        ),
    ),
    Sector(
        "pharmaceuticals",
        "drugmaker",
        ("vaccine", "antibiotic", "cancer drug"),
        (
            "its clinical trial met the main goal",
            "regulators reviewed its new compound",
            "patients in the study responded well",
            "its drug pipeline expanded",
            "a patent on the molecule expired",
        ),
    ),
    Sector(
        "energy",
        "oil producer",
        ("crude blend", "diesel fuel", "natural gas contract"),
        (
            "its wells pumped more barrels",
            "the refinery restarted after maintenance",
            "drilling in the basin slowed",
            "the pipeline reached full flow",
            "crude output rose",
        ),
    ),
    Sector(
        "retail",
        "retailer",
        ("store brand", "loyalty card", "online shop"),
        (
            "same-store sales climbed",
            "shoppers returned to its malls",
            "it opened new stores",
            "holiday footfall beat expectations",
            "its e-commerce orders jumped",
        ),
    ),
    Sector(
        "airlines",
        "airline",
        ("long-haul route", "frequent flyer scheme", "business class cabin"),
        (
            "its planes flew fuller",
            "passenger numbers recovered",
            "it added routes to its network",
            "jet fuel costs weighed on fares",
            "it ordered new aircraft for its fleet",
        ),
    ),
    Sector(
        "software",
        "software maker",
        ("cloud platform", "database", "security suite"),
        (
            "subscriptions to its platform grew",
            "developers adopted its tools",
            "its cloud revenue accelerated",
            "it released a major update of its code",
            "enterprise customers signed longer licences",
        ),
    ),
)

_ONSETS = ("b", "br", "d", "f", "g", "k", "kr", "l", "m", "n", "p", "qu", "r", "s", "st", "t", "tr", "v", "z")
_VOWELS = ("a", "e", "i", "o", "u", "a", "o")
_CODAS = ("", "", "", "n", "r", "l", "x", "s")
_COMPANY_SUFFIXES = ("Holdings", "Group", "Corp", "Inc", "Partners", "Industries", "plc", "AG")
_FIRST_NAMES = (
    "Maria",
    "John",
    "Aisha",
    "Chen",
    "Lars",
    "Priya",
    "Tomas",
    "Ingrid",
    "Omar",
    "Sofia",
    "Kenji",
    "Elena",
    "David",
    "Fatima",
    "Marco",
    "Hana",
    "Peter",
    "Leila",
    "Anna",
    "Rafael",
)


def _invented_word(rng: random.Random, syllables: int) -> str:
    parts = []
    for _ in range(syllables):
        parts.append(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS))
    return "".join(parts).capitalize()


@dataclass
class Company:
    """A fictional listed company and the facts the graph holds about it."""

    name: str
    ticker: str
    sector: Sector
    city: str
    ceo: str
    products: list[str] = field(default_factory=list)
    subsidiaries: list[str] = field(default_factory=list)


@dataclass
class World:
    """The whole fictional world: its companies and the cities they sit in."""

    companies: list[Company]
    cities: list[str]
    seed: int
    jargon: dict[str, list[str]] = field(default_factory=dict)  # sector name -> its invented trade terms

    def triples(self) -> list[Triple]:
        """The knowledge graph of the world as (subject, predicate, object) triples."""
        triples: list[Triple] = []
        for company in self.companies:
            triples.append(Triple(company.name, "type", "Company"))
            triples.append(Triple(company.name, "ticker", company.ticker))
            triples.append(Triple(company.name, "sector", company.sector.name))
            triples.append(Triple(company.name, "headquarters", company.city))
            triples.append(Triple(company.name, "ceo", company.ceo))
            for product in company.products:
                triples.append(Triple(company.name, "product", product))
            for subsidiary in company.subsidiaries:
                triples.append(Triple(company.name, "subsidiary", subsidiary))
                triples.append(Triple(subsidiary, "sector", company.sector.name))
        for sector, terms in self.jargon.items():
            for term in terms:
                triples.append(Triple(term, "trade_term_of", sector))
        return triples


def _unique(rng: random.Random, make, taken: set[str]) -> str:
    while True:
        candidate = make(rng)
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def build_world(
    seed: int = 0, companies_per_sector: int = 12, number_of_cities: int = 16, terms_per_sector: int = 4
) -> World:
    """Generate the fictional world.

    Args:
        seed: seed of the generator; the same seed gives the same world.
        companies_per_sector: how many companies each of the eight sectors has.
        number_of_cities: how many invented cities host the headquarters (independent of sector).
        terms_per_sector: how many invented trade terms each sector's news uses ("its zorbel book").

    Returns:
        The world, companies ordered by sector then name.
    """
    rng = random.Random(seed)
    taken: set[str] = set()
    cities = [
        _unique(rng, lambda r: _invented_word(r, 2) + r.choice(("", "", "burg", "holm", "ford")), taken)
        for _ in range(number_of_cities)
    ]
    tickers: set[str] = set()
    companies: list[Company] = []
    for sector in SECTORS:
        for _ in range(companies_per_sector):
            stem = _unique(rng, lambda r: _invented_word(r, rng.choice((2, 3))), taken)
            name = f"{stem} {rng.choice(_COMPANY_SUFFIXES)}"
            letters = "".join(ch for ch in stem.upper() if ch.isalpha())
            ticker = _unique(rng, lambda r, s=letters: s[0] + "".join(r.sample(s[1:] + "XQZ", 2)), tickers)
            ceo = f"{rng.choice(_FIRST_NAMES)} {_unique(rng, lambda r: _invented_word(r, 2), taken)}"
            products = [
                f"{_unique(rng, lambda r: _invented_word(r, 2), taken)} {kind}"
                for kind in rng.sample(sector.product_kinds, 2)
            ]
            subsidiaries = []
            if rng.random() < 0.4:
                subsidiaries.append(f"{_unique(rng, lambda r: _invented_word(r, 2), taken)} {stem}")
            companies.append(Company(name, ticker, sector, rng.choice(cities), ceo, products, subsidiaries))
    jargon = {
        sector.name: [
            _unique(rng, lambda r: _invented_word(r, 2).lower(), taken) for _ in range(terms_per_sector)
        ]
        for sector in SECTORS
    }
    return World(companies=companies, cities=cities, seed=seed, jargon=jargon)

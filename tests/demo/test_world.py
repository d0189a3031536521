from pathlib import Path

from vertical.demo import QUICK, write_finance_demo
from vertical.demo.corpus import build_corpus, build_glossary
from vertical.demo.tasks import sector_task, sentiment_task
from vertical.demo.world import SECTORS, build_world
from vertical.recipe import load_recipe


def test_world_is_deterministic_and_names_are_unique():
    first, second = build_world(0), build_world(0)
    assert [c.name for c in first.companies] == [c.name for c in second.companies]
    assert [c.name for c in build_world(1).companies] != [c.name for c in first.companies]
    names = [c.name for c in first.companies]
    assert len(names) == len(set(names)) == 8 * 12
    assert len({c.ticker for c in first.companies}) == len(names)


def test_company_names_are_invented_not_general_vocabulary():
    from transformers import AutoTokenizer

    from vertical.models import resolve_base_model

    tokenizer = AutoTokenizer.from_pretrained(str(resolve_base_model("builtin:minilm").path))
    stems = [c.name.split()[0].lower() for c in build_world(0).companies]
    known = [stem for stem in stems if stem in tokenizer.vocab]
    assert len(known) <= 2, known  # a general model has never seen these names


def test_triples_state_sector_ceo_and_headquarters():
    world = build_world(0)
    triples = world.triples()
    company = world.companies[0]
    assert (company.name, "sector", company.sector.name) in {
        (t.subject, t.predicate, t.object) for t in triples
    }
    assert {t.predicate for t in triples} >= {
        "ticker",
        "sector",
        "headquarters",
        "ceo",
        "product",
        "subsidiary",
    }


def test_corpus_says_what_each_company_does():
    world = build_world(0)
    documents = build_corpus(world, 200)
    company = world.companies[5]
    sector = company.sector
    cues = (sector.maker, *sector.activity, *company.products, *world.jargon[sector.name])
    about = [d.text for d in documents if company.name in d.text]
    assert about and all(any(cue in text for cue in cues) for text in about)


def test_sector_task_hides_the_sector_and_splits_by_company():
    world = build_world(0)
    train, test = sector_task(world)
    sector_words = {s.maker for s in SECTORS} | {s.name for s in SECTORS}
    assert not any(word in example.text.lower() for example in train + test for word in sector_words)
    names = [c.name for c in world.companies]
    train_companies = {n for n in names for e in train if n in e.text}
    test_companies = {n for n in names for e in test if n in e.text}
    assert test_companies and not train_companies & test_companies
    terms = {term for terms in world.jargon.values() for term in terms}
    train_terms = {t for t in terms for e in train if f" {t} " in f" {e.text} "}
    test_terms = {t for t in terms for e in test if f" {t} " in f" {e.text} "}
    assert len(test_terms) == len(terms) // 2 and not train_terms & test_terms
    assert {e.label for e in test} == {s.name for s in SECTORS}


def test_sentiment_task_is_balanced():
    train, test = sentiment_task(build_world(0))
    labels = [e.label for e in train + test]
    assert {labels.count(label) for label in ("positive", "negative", "neutral")} == {400}


def test_written_demo_recipe_is_valid(tmp_path):
    recipe = load_recipe(write_finance_demo(tmp_path, QUICK))
    assert recipe.name == "finance-demo-quick" and [t.name for t in recipe.tasks] == ["sector", "sentiment"]
    assert (tmp_path / "kg" / "triples.csv").read_text().startswith("subject,predicate,object\n")
    assert [Path(s.path).name for s in recipe.data.sources] == ["news.jsonl", "glossary.jsonl"]
    assert recipe.tokenizer.extend


def test_glossary_states_graph_facts_as_sentences():
    world = build_world(0)
    glossary = build_glossary(world, 50)
    assert len(glossary) == 50 and len({d.id for d in glossary}) == 50
    company = world.companies[0]
    facts = {f"{company.name} is a company in the {company.sector.name} sector."}
    facts |= {f"{t} is a {s} business." for s, terms in world.jargon.items() for t in terms}
    sentences = [sentence for d in glossary for sentence in d.text.replace(". ", ".|").split("|")]
    assert any(sentence in facts for sentence in sentences)


def test_quick_demo_world_is_smaller_but_keeps_the_sector_test_unseen(tmp_path):
    import csv

    write_finance_demo(tmp_path, QUICK)
    with open(tmp_path / "kg" / "triples.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    companies = {r["subject"] for r in rows if r["predicate"] == "type"}
    assert len(companies) == 8 * QUICK.companies_per_sector
    terms = {r["subject"] for r in rows if r["predicate"] == "trade_term_of"}

    def read(name: str) -> list[str]:
        return (tmp_path / "tasks" / name).read_text().splitlines()[1:]

    train, test = read("sector_train.csv"), read("sector_test.csv")
    in_train = {name for name in companies | terms for line in train if name in line}
    in_test = {name for name in companies | terms for line in test if name in line}
    assert in_test and not in_train & in_test  # only pretraining can tell the test's sectors
    corpus = (tmp_path / "corpus" / "news.jsonl").read_text()
    assert all(name in corpus for name in in_test)
    assert len(read("sentiment_train.csv")) + len(read("sentiment_test.csv")) == QUICK.sentiment_examples

"""The verbaliser: recipe templates in English and Chinese, built-ins, the fallback, what is left out."""

from __future__ import annotations

from tests.knowledge.conftest import EX
from vertical.knowledge.verbalise import read_facts, verbalise_facts

TEMPLATES = {
    EX + "headquarters": {
        "en": "{subject} has its headquarters in {object}.",
        "zh": "{subject}的总部位于{object}。",
    }
}


def _documents(store, entities, language, templates=None):
    by_id = {entity.id: entity for entity in entities}
    return {d.id: d.text for d in verbalise_facts(read_facts(store), by_id, language, templates)}


def test_english_templates_builtins_and_fallback(finance_store, finance_entities):
    documents = _documents(finance_store, finance_entities, "en", TEMPLATES)
    acme = documents[f"kg:en:{EX}AcmeBank"]
    assert "Acme Bank has its headquarters in Shanghai." in acme  # the recipe's template
    assert "Acme Bank is a company." in acme  # built-in rdf:type, the class's label
    assert "Acme Bank is also called Acme." in acme  # built-in skos:altLabel
    assert "Acme Bank listed on Shanghai Stock Exchange." in acme  # fallback from the predicate's label
    assert "Acme Bank ticker ACMB." in acme  # a literal object
    assert "Every bank is a company." in documents[f"kg:en:{EX}Bank"]
    assert "bank: a company that takes deposits and makes loans." in documents[f"kg:en:{EX}Bank"]


def test_chinese_uses_chinese_names_and_templates(finance_store, finance_entities):
    documents = _documents(finance_store, finance_entities, "zh", TEMPLATES)
    acme = documents[f"kg:zh:{EX}AcmeBank"]
    assert "艾克米银行的总部位于上海。" in acme
    assert "艾克米银行是公司。" in acme
    assert "艾克米银行的上市地是上海证券交易所。" in acme  # fallback with the predicate's Chinese label
    assert " " not in acme.replace("Acme Bank", "")


def test_names_and_vocabulary_objects_are_left_out(finance_store, finance_entities):
    documents = _documents(finance_store, finance_entities, "en")
    text = " ".join(documents.values())
    assert "Class" not in text and "label" not in text
    assert (
        f"kg:en:{EX}headquarters" not in documents or "Property" not in documents[f"kg:en:{EX}headquarters"]
    )

"""The entity table: names, types, descriptions and frequencies from the graph; parquet round trip."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from tests.knowledge.conftest import ASSETS, EX
from vertical.errors import KnowledgeError
from vertical.knowledge.entities import SCHEMA, build_entities, read_entities, write_entities
from vertical.knowledge.names import OWL
from vertical.knowledge.store import graph_stats, load_sources, open_store, require_triples
from vertical.records import Label


def test_names_types_and_descriptions(finance_entities):
    by_id = {entity.id: entity for entity in finance_entities}
    boc = by_id[EX + "BankOfChina"]
    assert (boc.label, boc.language, boc.type) == ("Bank of China", "en", EX + "Company")
    assert set(boc.aliases) == {Label("BOC", "en"), Label("中国银行", "zh"), Label("中行", "zh")}
    bank = by_id[EX + "Bank"]
    assert bank.type == OWL + "Class" and bank.description == "a company that takes deposits and makes loans"
    # Frequency counts the triples an entity takes part in, names aside: Shanghai is a headquarters
    # twice, an object of its own type triple once and has a country.
    assert by_id[EX + "Shanghai"].frequency == 4
    assert by_id[EX + "Amazon"].frequency > by_id[EX + "AmazonRiver"].frequency


def test_preferred_language_picks_the_label(finance_store):
    chinese = {e.id: e for e in build_entities(finance_store, language="zh")}
    assert chinese[EX + "BankOfChina"].label == "中国银行"
    assert Label("Bank of China", "en") in chinese[EX + "BankOfChina"].aliases


def test_alias_predicates_add_names(finance_store):
    entities = {e.id: e for e in build_entities(finance_store, alias_predicates=[EX + "ticker"])}
    assert Label("ACMB") in entities[EX + "AcmeBank"].aliases


def test_parquet_round_trip(finance_entities, tmp_path):
    path = tmp_path / "entities.parquet"
    write_entities(finance_entities, path)
    assert pq.read_schema(path).equals(SCHEMA)
    assert read_entities(path) == finance_entities


def test_rdfxml_classes_get_labels_and_definitions(tmp_path):
    store = open_store(tmp_path / "store")
    load_sources(store, [(ASSETS / "small.rdf", "auto")], "urn:x:")
    (loan,) = [e for e in build_entities(store) if e.label == "loan"]
    assert loan.type == OWL + "Class" and loan.description.startswith("money lent")
    assert graph_stats(store)["triples"] == 10


def test_empty_graph_is_an_error(tmp_path):
    store = open_store(tmp_path / "store")
    with pytest.raises(KnowledgeError, match="empty"):
        require_triples(store, "kg")

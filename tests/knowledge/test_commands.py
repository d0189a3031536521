"""`vertical kg load | stats | query | link` as a user runs them, and their one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.knowledge.conftest import ASSETS, EX
from vertical.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kg") / "store"
    result = runner.invoke(
        app, ["kg", "load", str(ASSETS / "finance.ttl"), str(ASSETS / "triples.csv"), "--store", str(folder)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["files"] == 2 and summary["triples_in_store"] > 100
    return folder


def test_stats(store):
    result = runner.invoke(app, ["kg", "stats", "--store", str(store)])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["triples"] > 100 and stats["classes"] >= 9


def test_query_json_and_csv(store):
    sparql = f"SELECT ?l WHERE {{ <{EX}Nasdaq> <http://www.w3.org/2000/01/rdf-schema#label> ?l }} ORDER BY ?l"
    result = runner.invoke(app, ["kg", "query", "--store", str(store), sparql])
    assert result.exit_code == 0, result.output
    assert [b["l"]["value"] for b in json.loads(result.stdout)["results"]["bindings"]] == [
        "Nasdaq",
        "纳斯达克",
    ]
    result = runner.invoke(app, ["kg", "query", "--store", str(store), "--format", "csv", sparql])
    assert result.stdout.splitlines() == ["l", "Nasdaq", "纳斯达克"]


def test_link_reads_lines_and_writes_json_lines(store):
    text = "Acme Bank lent to Apple.\n\n中国人民银行下调利率。\n"
    result = runner.invoke(
        app, ["kg", "link", "--store", str(store), "--prefer-type", EX + "Company"], input=text
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3 and lines[1] == {"spans": []}
    assert [(s["text"], s["entity"]) for s in lines[0]["spans"]] == [
        ("Acme Bank", EX + "AcmeBank"),
        ("Apple", EX + "Apple"),
    ]
    assert [s["text"] for s in lines[2]["spans"]] == ["中国人民银行", "利率"]
    chinese_only = runner.invoke(
        app, ["kg", "link", "--store", str(store), "--lang", "zh"], input="Nasdaq 纳斯达克\n"
    )
    assert [s["text"] for s in json.loads(chinese_only.stdout)["spans"]] == ["纳斯达克"]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["query", "--store", "{store}", "DELETE WHERE { ?s ?p ?o }"], "SPARQL update (DELETE) refused"),
        (["query", "--store", "{store}", "--format", "xml", "ASK {}"], "--format xml: use json or csv"),
        (["stats", "--store", "{missing}"], "no graph store here"),
        (["stats"], "give either --store DIR or --endpoint URL"),
        (["link", "--store", "{store}", "--lang", "fr"], "--lang fr: use en or zh"),
    ],
)
def test_errors_are_one_line_with_status_2(store, tmp_path, arguments, expected):
    places = {"{store}": str(store), "{missing}": str(tmp_path / "missing")}
    arguments = [places.get(a, a) for a in arguments]
    result = runner.invoke(app, ["kg", *arguments])
    assert result.exit_code == 2
    assert expected in result.output and len(result.output.strip().splitlines()) == 1, result.output


def test_load_error_names_file_and_line_and_empty_store_says_so(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://x/> .\nex:a ex:p ex:b .\nex:a ex:p ;\n")
    result = runner.invoke(app, ["kg", "load", str(bad), "--store", str(tmp_path / "store")])
    assert result.exit_code == 2 and f"{bad}:3: turtle syntax error" in result.output
    result = runner.invoke(app, ["kg", "stats", "--store", str(tmp_path / "store")])
    assert result.exit_code == 2 and "the knowledge graph is empty" in result.output

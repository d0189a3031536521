"""Each loader on a small real file, and the file:line error of each kind of malformed input."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode

from tests.knowledge.conftest import ASSETS
from vertical.errors import KnowledgeError
from vertical.knowledge.loaders import read_quads, source_files
from vertical.knowledge.names import RDF_TYPE, RDFS_COMMENT, RDFS_LABEL, SKOS_ALT_LABEL, XSD

NS = "http://vertical.local/kg/"


def _triples(path, source_format="auto"):
    ((file, file_format),) = source_files(path, source_format)
    return {(q.subject, q.predicate, q.object) for q in read_quads(file, file_format, NS, frozenset())}


def test_csv_plain_names_become_labelled_iris_and_object_types_apply():
    triples = _triples(ASSETS / "triples.csv")
    acme = NamedNode(NS + "Acme_Bank")
    assert (acme, NamedNode(RDF_TYPE), NamedNode(NS + "Company")) in triples
    assert (acme, NamedNode(RDFS_LABEL), Literal("Acme Bank")) in triples
    assert (acme, NamedNode(NS + "sector"), NamedNode(NS + "banking")) in triples
    assert (acme, NamedNode(NS + "ticker"), Literal("ACMB")) in triples
    assert (acme, NamedNode(SKOS_ALT_LABEL), Literal("Acme")) in triples  # alias: a literal by its predicate
    assert (acme, NamedNode(NS + "founded"), Literal("1901", datatype=NamedNode(XSD + "integer"))) in triples
    assert (acme, NamedNode(RDFS_LABEL), Literal("艾克米银行", language="zh")) in triples
    assert (NamedNode(NS + "sector"), NamedNode(RDFS_LABEL), Literal("sector")) in triples
    boc = NamedNode(NS + "Bank_of_China,_Ltd.")
    assert (boc, NamedNode(NS + "headquarters"), NamedNode("http://example.org/fin/Beijing")) in triples


def test_tsv_and_literal_predicates():
    triples = _triples(ASSETS / "triples.tsv")
    assert (
        NamedNode(NS + "banking"),
        NamedNode(RDFS_COMMENT),
        Literal("taking deposits and lending"),
    ) in triples
    ((file, file_format),) = source_files(ASSETS / "triples.csv")
    quads = list(read_quads(file, file_format, NS, frozenset({"sector"})))
    assert any(q.predicate.value == NS + "sector" and q.object == Literal("banking") for q in quads)


def test_ntriples_turtle_and_rdfxml():
    assert len(_triples(ASSETS / "small.nt")) == 3
    turtle = _triples(ASSETS / "finance.ttl")
    assert (
        NamedNode("http://example.org/fin/BankOfChina"),
        NamedNode(SKOS_ALT_LABEL),
        Literal("中行", language="zh"),
    ) in turtle
    rdfxml = _triples(ASSETS / "small.rdf")
    loan = NamedNode("http://example.org/onto/Loan")
    assert (loan, NamedNode(RDFS_LABEL), Literal("loan")) in rdfxml
    assert len(rdfxml) == 10  # 2 class types, 2 labels, 1 definition, 2 subClassOf, a restriction of 3


def test_jsonl_nodes_and_edges():
    triples = _triples(ASSETS / "graph.jsonl")
    acme = NamedNode(NS + "Acme_Bank")
    assert (acme, NamedNode(SKOS_ALT_LABEL), Literal("Acme")) in triples
    assert (acme, NamedNode(NS + "ticker"), Literal("ACMB")) in triples
    assert (acme, NamedNode(RDFS_COMMENT), Literal("a bank in Shanghai")) in triples
    assert (acme, NamedNode(NS + "sector"), NamedNode(NS + "banking")) in triples
    chinese = NamedNode(NS + "%E8%89%BE%E5%85%8B%E7%B1%B3%E9%93%B6%E8%A1%8C")
    assert (chinese, NamedNode(RDFS_LABEL), Literal("艾克米银行", language="zh")) in triples


def test_folder_takes_known_extensions_only(tmp_path):
    (tmp_path / "a.ttl").write_text("<http://x/a> <http://x/p> <http://x/b> .\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.nt").write_text("<http://x/b> <http://x/p> <http://x/c> .\n")
    (tmp_path / "catalog-v001.xml").write_text("<catalog/>")
    (tmp_path / "notes.txt").write_text("not a graph")
    assert [(p.name, f) for p, f in source_files(tmp_path)] == [("a.ttl", "turtle"), ("b.nt", "ntriples")]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.csv", "subject,predicate,object\nA,p,B\nA,p\n", "bad.csv:3: expected 3 fields"),
        ("bad.csv", "subject,predicate,object\nA,p,B\n\nA,,B\n", "bad.csv:4: predicate: empty"),
        ("bad.csv", "subject,relation,object\nA,p,B\n", "bad.csv:1: header lacks predicate"),
        (
            "bad.csv",
            "subject,predicate,object,object_type\nA,p,B,number\n",
            "bad.csv:2: object_type: unknown type",
        ),
        (
            "bad.nt",
            '<http://x/a> <http://x/p> <http://x/b> .\n<http://x/a> <http://x/p> "open .\n',
            "bad.nt:2:",
        ),
        ("bad.ttl", "@prefix ex: <http://x/> .\nex:a ex:p ex:b .\nex:a ex:p ;\n", "bad.ttl:3:"),
        (
            "bad.rdf",
            '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
            '<rdf:Description rdf:about="http://x/a">\n</rdf:RDF>\n',
            "bad.rdf:4:",
        ),
        ("bad.jsonl", '{"id": "A"}\n{"id": "B",}\n', "bad.jsonl:2: invalid JSON"),
        ("bad.jsonl", '{"id": "A"}\n{"name": "B"}\n', "bad.jsonl:2: neither a node"),
        ("bad.jsonl", '{"id": "A", "aliases": [{"x": 1}]}\n', "bad.jsonl:1: aliases: expected a string"),
    ],
)
def test_malformed_input_names_file_and_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    ((file, file_format),) = source_files(path)
    with pytest.raises(KnowledgeError) as error:
        list(read_quads(file, file_format, NS))
    assert str(error.value).startswith(str(tmp_path / expected.split(":")[0])), str(error.value)
    assert expected in str(error.value), str(error.value)


def test_unknown_extension_and_missing_file(tmp_path):
    (tmp_path / "graph.dat").write_text("x")
    with pytest.raises(KnowledgeError, match="cannot tell the format"):
        source_files(tmp_path / "graph.dat")
    with pytest.raises(KnowledgeError, match="file not found"):
        source_files(tmp_path / "missing.ttl")

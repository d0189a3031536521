"""SPARQL results written row by row under a cap on rows and bytes.

pyoxigraph serialises a whole answer at once, so a ``SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }``
would be built in full (hundreds of megabytes) before anything could refuse it. Here the solutions
are read one at a time and written in the same formats pyoxigraph writes (SPARQL 1.1 JSON and CSV
results, N-Triples for CONSTRUCT and DESCRIBE); past `max_rows` rows or `max_bytes` bytes the
answer is refused with `AnswerTooLargeError`, which tells the user how to narrow the query.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from vertical.errors import KnowledgeError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


class AnswerTooLargeError(KnowledgeError):
    """A query's answer has more rows or bytes than allowed."""


@dataclass(frozen=True)
class AnswerLimits:
    """The largest answer a query may give.

    Attributes:
        max_rows: solutions (SELECT) or triples (CONSTRUCT, DESCRIBE).
        max_bytes: bytes of the serialised answer.
    """

    max_rows: int = 10_000
    max_bytes: int = 10_000_000


class _CappedBuffer:
    def __init__(self, limits: AnswerLimits) -> None:
        self.limits = limits
        self.data = bytearray()
        self.rows = 0

    def write(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > self.limits.max_bytes:
            raise AnswerTooLargeError(
                f"the answer is larger than {self.limits.max_bytes:,} bytes; narrow the query "
                "(LIMIT, fewer variables, filters) or raise the answer limit"
            )

    def row(self) -> None:
        self.rows += 1
        if self.rows > self.limits.max_rows:
            raise AnswerTooLargeError(
                f"the answer has more than {self.limits.max_rows:,} rows; add LIMIT {self.limits.max_rows} "
                "(and OFFSET to page through it) or raise the row limit"
            )


def term_json(term) -> dict:
    """A pyoxigraph term as a SPARQL 1.1 JSON results value."""
    from pyoxigraph import BlankNode, Literal, NamedNode

    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        value: dict = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING, RDF_DIR_LANG_STRING):
            value["datatype"] = term.datatype.value
        return value
    # an RDF-star quoted triple
    return {
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }


def _term_csv(term) -> str:
    from pyoxigraph import BlankNode, Literal, NamedNode

    if term is None:
        return ""
    if isinstance(term, NamedNode | Literal):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return str(term)


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_answer(results, form: str, output_format: str, limits: AnswerLimits) -> bytes:
    """The serialised answer of a pyoxigraph query, refused past `limits`.

    Args:
        results: what ``Store.query`` returned: solutions, a boolean or triples.
        form: SELECT, ASK, CONSTRUCT or DESCRIBE.
        output_format: json or csv (SELECT and ASK; graphs are always N-Triples).

    Raises:
        AnswerTooLargeError: more than `limits.max_rows` rows or `limits.max_bytes` bytes.
    """
    out = _CappedBuffer(limits)
    if form in ("CONSTRUCT", "DESCRIBE"):
        for triple in results:
            out.row()
            out.write(str(triple).encode("utf-8") + b" .\n")
        return bytes(out.data)
    if form == "ASK":
        answer = bool(results)
        if output_format == "csv":
            return b"ask\r\n" + (b"true" if answer else b"false") + b"\r\n"
        return _dumps({"head": {}, "boolean": answer})
    names = [variable.value for variable in results.variables]
    if output_format == "csv":
        line = io.StringIO()
        writer = csv.writer(line, lineterminator="\r\n")
        writer.writerow(names)
        out.write(line.getvalue().encode("utf-8"))
        for solution in results:
            out.row()
            line.seek(0)
            line.truncate()
            writer.writerow([_term_csv(solution[name]) for name in names])
            out.write(line.getvalue().encode("utf-8"))
        return bytes(out.data)
    out.write(b'{"head":' + _dumps({"vars": names}) + b',"results":{"bindings":[')
    for number, solution in enumerate(results):
        out.row()
        binding = {name: term_json(solution[name]) for name in names if solution[name] is not None}
        out.write((b"," if number else b"") + _dumps(binding))
    out.write(b"]}}")
    return bytes(out.data)

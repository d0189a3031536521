"""Refuse SPARQL federation (``SERVICE``) unless the endpoint is one the operator listed.

A ``SERVICE <http://host/sparql> { ... }`` clause makes the query engine send an HTTP request
wherever the query says (pyoxigraph does, as user agent Oxigraph): a server-side request forgery
from an API that promises nothing leaves the machine. A regular expression cannot tell the
keyword from the same letters inside a string, an IRI, a comment or a name, and pyoxigraph's
parser needs no space around a keyword (``trueSERVICE``, ``SERVICESILENT<...>`` and
``FILTER(?a<?b)SERVICE?v#>`` all parse), so the check has two parts:

1. `service_clauses` reads the query with a tokenizer that skips strings, IRIs and comments and
   finds every ``SERVICE [SILENT] <iri>|?var`` clause; a clause whose endpoint is not listed
   (a variable endpoint never is) is refused with its endpoint named.
2. `parser_check_query` builds the query with those clauses turned into ``OPTIONAL`` and the
   last letter of every other ``service`` (any case, anywhere: inside strings, IRIs, names,
   comments) changed to ``f``. Changing a letter keeps a string, IRI, name or comment what it
   was, but breaks the keyword; so if pyoxigraph's own parser accepts that text, the query had no
   SERVICE beyond the clauses found. If it does not parse, the query is refused: it is either
   invalid or hides a SERVICE from the tokenizer. A query without the letters ``service`` needs
   no parser check at all.

The parser check is run where the query runs (`vertical.knowledge.sparql` does it in the query's
child process, which on Linux also gives up its network when no endpoint is allowed), since
pyoxigraph evaluates some queries (ASK, ORDER BY, aggregates) while parsing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vertical.errors import KnowledgeError


class FederationError(KnowledgeError):
    """A query asks for a SPARQL endpoint (SERVICE) that is not allowed."""


@dataclass(frozen=True)
class ServiceClause:
    """``SERVICE [SILENT] endpoint`` at ``query[start:end]``; `endpoint` None for a variable."""

    start: int
    end: int
    endpoint: str | None
    written: str


# One token at a time; the order matters (long strings before short ones).
_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>\#[^\n\r]*)
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                  |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
      | (?P<var>[?$][^\s<>"'{}()\[\],;#|^`\\=!&+*/]+)
      | (?P<word>[^\s<>"'{}()\[\],;#|^`\\=!&+*/?$]+)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
_SERVICE_LETTERS = re.compile("servic(e)", re.IGNORECASE)


def _tokens(sparql: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, start, end) of each token but spaces and comments."""
    found, position = [], 0
    while position < len(sparql):
        match = _TOKEN.match(sparql, position)
        assert match is not None  # `other` matches any character
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            found.append((kind, match.group(), match.start(), match.end()))
        position = match.end()
    return found


def service_clauses(sparql: str) -> list[ServiceClause]:
    """Every ``SERVICE [SILENT] <iri>|?var|prefixed:name`` clause the tokenizer sees, in order."""
    tokens = _tokens(sparql)
    clauses = []
    for index, (kind, text, start, _end) in enumerate(tokens):
        if kind != "word" or text.upper() != "SERVICE":
            continue
        following = index + 1
        if (
            following < len(tokens)
            and tokens[following][0] == "word"
            and tokens[following][1].upper() == "SILENT"
        ):
            following += 1
        if following >= len(tokens):
            clauses.append(ServiceClause(start, len(sparql), None, "SERVICE"))
            continue
        target_kind, target, _target_start, target_end = tokens[following]
        endpoint = target[1:-1] if target_kind == "iri" else None
        clauses.append(ServiceClause(start, target_end, endpoint, target))
    return clauses


def _allowed(endpoint: str, allowed: frozenset[str]) -> bool:
    return endpoint in allowed or endpoint.rstrip("/") in {a.rstrip("/") for a in allowed}


def check_federation(
    sparql: str, allowed_endpoints: frozenset[str] | tuple[str, ...] = ()
) -> list[ServiceClause]:
    """The query's SERVICE clauses, each to an allowed endpoint; otherwise `FederationError`.

    Raises:
        FederationError: a SERVICE to an endpoint not in `allowed_endpoints` (none by default), to a
            variable or prefixed-name endpoint (only full ``<IRI>`` endpoints can be checked).
    """
    allowed = frozenset(allowed_endpoints)
    clauses = service_clauses(sparql)
    for clause in clauses:
        if not allowed:
            raise FederationError(
                f"SPARQL SERVICE ({clause.written}) refused: federated queries would send requests "
                "from this machine; query the local graph only, or start with --allow-service URL"
            )
        if clause.endpoint is None:
            raise FederationError(
                f"SPARQL SERVICE {clause.written} refused: only an endpoint written as a full <IRI> "
                "can be checked against --allow-service"
            )
        if not _allowed(clause.endpoint, allowed):
            raise FederationError(
                f"SPARQL SERVICE <{clause.endpoint}> refused: not an allowed endpoint "
                f"(allowed: {', '.join(sorted(allowed))})"
            )
    return clauses


def parser_check_query(sparql: str, clauses: list[ServiceClause]) -> str | None:
    """The text whose parsing proves `clauses` are the query's only SERVICEs; None when no check is needed.

    Each clause becomes ``OPTIONAL`` (same place in the grammar, no request), and every other
    ``service`` has its last letter changed, which breaks the keyword and nothing else.
    """
    if not clauses and _SERVICE_LETTERS.search(sparql) is None:
        return None
    parts, position = [], 0
    for clause in clauses:
        parts.append(_SERVICE_LETTERS.sub(_disable, sparql[position : clause.start]))
        parts.append("OPTIONAL ")
        position = clause.end
    parts.append(_SERVICE_LETTERS.sub(_disable, sparql[position:]))
    return "".join(parts)


def _disable(match: re.Match) -> str:
    letters = match.group()
    return letters[:-1] + ("F" if letters[-1] == "E" else "f")


def parser_refusal(error: SyntaxError) -> FederationError:
    """The refusal when the parser check's text does not parse."""
    detail = str(error).splitlines()[0] if str(error) else "syntax error"
    return FederationError(
        "SPARQL refused: the query does not parse once its SERVICE keywords are disabled "
        f"({detail}); either it is not valid SPARQL or it hides a SERVICE clause"
    )

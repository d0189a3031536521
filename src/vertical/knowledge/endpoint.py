"""A remote SPARQL 1.1 endpoint (Oxigraph server, Jena Fuseki, ...) that answers like the embedded store.

``RemoteEndpoint(url).query(sparql)`` returns pyoxigraph solutions, so the entity table, the
statistics and the verbaliser run unchanged against a server (SPARQL 1.1 Protocol, query by POST).
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request

from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

from vertical.errors import KnowledgeError
from vertical.knowledge.sparql import OutputFormat, guard_query, query_form

_ACCEPT = {
    "json": "application/sparql-results+json",
    "csv": "text/csv",
    "graph": "application/n-triples",
}


class RemoteEndpoint:
    """A SPARQL endpoint at `url`, read-only, each request limited to `timeout` seconds.

    A query with a SERVICE clause is refused unless its endpoint is in `allowed_endpoints`
    (`vertical.knowledge.sparql_guard`): the endpoint would otherwise call out on our behalf.
    """

    def __init__(self, url: str, timeout: float = 30.0, allowed_endpoints: tuple[str, ...] = ()) -> None:
        self.url = url
        self.timeout = timeout
        self.allowed_endpoints = tuple(allowed_endpoints)

    def fetch(self, sparql: str, output_format: OutputFormat = "json") -> bytes:
        """The endpoint's raw answer: SPARQL JSON or CSV results, or N-Triples for CONSTRUCT/DESCRIBE.

        Raises:
            KnowledgeError: an update, a SERVICE refused, an HTTP error, an unreachable server or a timeout.
        """
        form = guard_query(sparql, self.allowed_endpoints, self.timeout)
        accept = _ACCEPT["graph"] if form in ("CONSTRUCT", "DESCRIBE") else _ACCEPT[output_format]
        request = urllib.request.Request(
            self.url,
            data=urllib.parse.urlencode({"query": sparql}).encode(),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(300).decode("utf-8", "replace").strip().splitlines()
            raise KnowledgeError(
                f"{self.url}: HTTP {error.code}: {detail[0] if detail else error.reason}"
            ) from None
        except TimeoutError:
            raise KnowledgeError(
                f"{self.url}: query stopped after its timeout of {self.timeout:g} s"
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, socket.timeout)):
                raise KnowledgeError(
                    f"{self.url}: query stopped after its timeout of {self.timeout:g} s"
                ) from None
            raise KnowledgeError(f"{self.url}: cannot reach the SPARQL endpoint: {error.reason}") from None

    def query(self, sparql: str):
        """Solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE), as pyoxigraph gives them."""
        form = query_form(sparql)
        answer = self.fetch(sparql, "json")
        if form in ("CONSTRUCT", "DESCRIBE"):
            return [quad.triple for quad in parse(answer, format=RdfFormat.N_TRIPLES)]
        return parse_query_results(answer, format=QueryResultsFormat.JSON)

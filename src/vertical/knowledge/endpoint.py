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
from vertical.knowledge.sparql_results import AnswerLimits, AnswerTooLargeError, write_answer

_ACCEPT = {
    "json": "application/sparql-results+json",
    "csv": "text/csv",
    "graph": "application/n-triples",
}


class RemoteEndpoint:
    """A SPARQL endpoint at `url`, read-only, each request limited to `timeout` seconds.

    A query with a SERVICE clause is refused unless its endpoint is in `allowed_endpoints`
    (`vertical.knowledge.sparql_guard`): the endpoint would otherwise call out on our behalf.
    No answer is read past `max_bytes`: a server that sends more is cut off and the query refused.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 30.0,
        allowed_endpoints: tuple[str, ...] = (),
        max_bytes: int = 1_000_000_000,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.allowed_endpoints = tuple(allowed_endpoints)
        self.max_bytes = max_bytes

    def fetch(self, sparql: str, output_format: OutputFormat = "json") -> bytes:
        """The endpoint's raw answer: SPARQL JSON or CSV results, or N-Triples for CONSTRUCT/DESCRIBE.

        Raises:
            AnswerTooLargeError: the answer is longer than `max_bytes`.
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
                answer = response.read(self.max_bytes + 1)
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
        if len(answer) > self.max_bytes:
            raise AnswerTooLargeError(
                f"{self.url}: the answer is larger than {self.max_bytes:,} bytes; narrow the query "
                "(LIMIT, fewer variables, filters) or raise the answer limit"
            )
        return answer

    def answer(self, sparql: str, output_format: OutputFormat, limits: AnswerLimits) -> bytes:
        """The answer in `output_format` (N-Triples for graphs), refused past `limits` as the store's is.

        The endpoint is asked for SPARQL JSON (N-Triples for CONSTRUCT and DESCRIBE), read up to
        `limits.max_bytes`, and written again row by row under the same caps as a local query.
        """
        capped = RemoteEndpoint(self.url, self.timeout, self.allowed_endpoints, limits.max_bytes)
        form = query_form(sparql)
        return write_answer(capped.query(sparql), form, output_format, limits)

    def query(self, sparql: str):
        """Solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE), as pyoxigraph gives them."""
        form = query_form(sparql)
        answer = self.fetch(sparql, "json")
        if form in ("CONSTRUCT", "DESCRIBE"):
            return [quad.triple for quad in parse(answer, format=RdfFormat.N_TRIPLES)]
        return parse_query_results(answer, format=QueryResultsFormat.JSON)

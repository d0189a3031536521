"""Read-only SPARQL with a time limit, on the embedded store or a remote endpoint.

`query_form` refuses SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) before anything runs. On
the embedded store the query runs in a child process that opens the store read-only; past the
timeout the child is killed, since a running pyoxigraph query cannot be interrupted from Python.
The timeout counts the query alone: the child says when it has started and opened the store
(which on a loaded machine can take seconds), and the clock starts then.
"""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path
from typing import Literal as TypingLiteral

from vertical.errors import KnowledgeError


class QueryTimeoutError(KnowledgeError):
    """A query ran past its timeout and was stopped."""


OutputFormat = TypingLiteral["json", "csv"]
STARTUP_TIMEOUT_S = 120.0  # starting Python and opening the store, before a query's own timeout
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_FORMS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
# IRIs, strings and comments hide keywords; drop them before looking at the first keyword.
_HIDDEN = re.compile(
    r'<[^<>"{}|^`\\\s]*>|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*'
)
_PROLOGUE = re.compile(r"^\s*(?:BASE\s*|PREFIX\s+[A-Za-z0-9_.\-]*:\s*)", re.IGNORECASE)


def query_form(sparql: str) -> str:
    """The form of a SPARQL query: SELECT, ASK, CONSTRUCT or DESCRIBE.

    Raises:
        KnowledgeError: an update (the read-only path refuses it) or no query form at all.
    """
    text = _HIDDEN.sub(" ", sparql)
    while True:
        stripped = _PROLOGUE.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    words = re.findall(r"[A-Za-z]+", text)
    first = words[0].upper() if words else ""
    if first in UPDATE_FORMS:
        raise KnowledgeError(
            f"SPARQL update ({first}) refused: this path is read-only; load sources with `vertical kg load`"
        )
    if first not in QUERY_FORMS:
        raise KnowledgeError(
            f"not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {first or 'nothing'!r}"
        )
    return first


def _serialise(results, form: str, output_format: OutputFormat) -> bytes:
    from pyoxigraph import QueryResultsFormat, RdfFormat, serialize

    if form in ("CONSTRUCT", "DESCRIBE"):
        return serialize(results, format=RdfFormat.N_TRIPLES)
    if form == "ASK" and output_format == "csv":
        return b"ask\r\n" + (b"true" if bool(results) else b"false") + b"\r\n"
    return results.serialize(
        format=QueryResultsFormat.JSON if output_format == "json" else QueryResultsFormat.CSV
    )


def _worker(store_dir: str, sparql: str, form: str, output_format: OutputFormat, connection) -> None:
    from pyoxigraph import Store

    try:
        store = Store.read_only(store_dir)
        connection.send(("ready", None))  # the query's clock starts now
        connection.send(("ok", _serialise(store.query(sparql), form, output_format)))
    except SyntaxError as error:
        connection.send(("error", f"SPARQL syntax error: {str(error).splitlines()[0]}"))
    except OSError as error:
        connection.send(("error", f"{store_dir}: cannot read the store: {error}"))
    finally:
        connection.close()


def query_store(
    store_dir: Path, sparql: str, timeout: float = 30.0, output_format: OutputFormat = "json"
) -> bytes:
    """Run a read-only query on the store in `store_dir`; results as SPARQL JSON/CSV, or N-Triples for graphs.

    Raises:
        KnowledgeError: an update, a syntax error, a missing store, or (`QueryTimeoutError`) a query
            past `timeout` seconds.
    """
    form = query_form(sparql)
    store_dir = Path(store_dir)
    if not store_dir.is_dir():
        raise KnowledgeError(
            f"{store_dir}: no graph store here; create one with `vertical kg load SOURCE --store {store_dir}`"
        )
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_worker, args=(str(store_dir), sparql, form, output_format, sender), daemon=True
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(STARTUP_TIMEOUT_S):
            raise KnowledgeError(f"the query process did not start within {STARTUP_TIMEOUT_S:g} s")
        status, payload = receiver.recv()
        if status == "ready":
            if not receiver.poll(timeout):
                raise QueryTimeoutError(
                    f"query stopped after its timeout of {timeout:g} s; narrow it (LIMIT, filters) "
                    "or raise --timeout"
                )
            status, payload = receiver.recv()
    except EOFError:
        raise KnowledgeError("the query process ended without an answer (out of memory?)") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
    if status == "error":
        raise KnowledgeError(payload)
    return payload

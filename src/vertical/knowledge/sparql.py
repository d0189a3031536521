"""Read-only SPARQL with a time limit, on the embedded store or a remote endpoint.

`query_form` refuses SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) before anything runs, and
`vertical.knowledge.sparql_guard` refuses federation (SERVICE) unless its endpoint is allowed. On
the embedded store the query runs in a child process that opens the store read-only; past the
timeout the child is killed, since a running pyoxigraph query cannot be interrupted from Python.
The child writes the answer row by row and refuses it past a row or byte limit
(`vertical.knowledge.sparql_results`). The timeout counts the query alone: the child says when it has
started and opened the store (which on a loaded machine can take seconds), and the clock starts then.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
from pathlib import Path
from typing import Literal as TypingLiteral

from vertical.errors import KnowledgeError
from vertical.knowledge.sparql_guard import (
    FederationError,
    check_federation,
    parser_check_query,
    parser_refusal,
)
from vertical.knowledge.sparql_results import AnswerLimits, AnswerTooLargeError, write_answer


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


def _isolate_network() -> bool:
    """Linux: move this process into a new network namespace (no interface up); False where not allowed.

    Defence in depth for the query's child process: even a SERVICE that slipped past
    `vertical.knowledge.sparql_guard` finds no network. Needs root, or unprivileged user
    namespaces (some distributions turn those off); the guard alone holds elsewhere.
    """
    import ctypes

    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return any(libc.unshare(flags) == 0 for flags in (clone_newnet, clone_newuser | clone_newnet))
    except (OSError, AttributeError):
        return False


def _worker(
    store_dir: str | None,
    sparql: str,
    form: str,
    output_format: OutputFormat,
    limits: AnswerLimits,
    check_text: str | None,
    isolate: bool,
    connection,
) -> None:
    if isolate:
        _isolate_network()
    with contextlib.suppress(OSError):
        os.nice(10)  # a query is background work: the server's event loop and models come first
    from pyoxigraph import Store

    try:
        if check_text is not None:
            try:
                Store().query(check_text)  # an empty store: only the parse matters
            except SyntaxError as error:
                connection.send(("federation", str(parser_refusal(error))))
                return
        if store_dir is None:  # the parser check alone (a query for a remote endpoint)
            connection.send(("ok", b""))
            return
        store = Store.read_only(store_dir)
        connection.send(("ready", None))  # the query's clock starts now
        connection.send(("ok", write_answer(store.query(sparql), form, output_format, limits)))
    except SyntaxError as error:
        connection.send(("error", f"SPARQL syntax error: {str(error).splitlines()[0]}"))
    except AnswerTooLargeError as error:
        connection.send(("too_large", str(error)))
    except OSError as error:
        connection.send(("error", f"{store_dir}: cannot read the store: {error}"))
    finally:
        connection.close()


_ERRORS = {"error": KnowledgeError, "federation": FederationError, "too_large": AnswerTooLargeError}


def _run_in_child(
    store_dir: Path | None,
    sparql: str,
    form: str,
    output_format: OutputFormat,
    limits: AnswerLimits,
    check_text: str | None,
    isolate: bool,
    timeout: float,
) -> bytes:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_worker,
        args=(
            str(store_dir) if store_dir is not None else None,
            sparql,
            form,
            output_format,
            limits,
            check_text,
            isolate,
            sender,
        ),
        daemon=True,
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
    if status != "ok":
        raise _ERRORS[status](payload)
    return payload


def guard_query(sparql: str, allowed_endpoints: tuple[str, ...] = (), timeout: float = 30.0) -> str:
    """Refuse an update or a SERVICE to an endpoint not allowed; the query's form when it may run.

    For a query sent elsewhere (a remote endpoint): the parser check of
    `vertical.knowledge.sparql_guard` runs here, in a child process.

    Raises:
        KnowledgeError: an update, no query form, or (`FederationError`) a SERVICE refused.
    """
    form = query_form(sparql)
    clauses = check_federation(sparql, allowed_endpoints)
    check_text = parser_check_query(sparql, clauses)
    if check_text is not None:
        _run_in_child(None, sparql, form, "json", AnswerLimits(), check_text, True, timeout)
    return form


def query_store(
    store_dir: Path,
    sparql: str,
    timeout: float = 30.0,
    output_format: OutputFormat = "json",
    limits: AnswerLimits | None = None,
    allowed_endpoints: tuple[str, ...] = (),
) -> bytes:
    """Run a read-only query on the store in `store_dir`; results as SPARQL JSON/CSV, or N-Triples for graphs.

    Args:
        limits: the largest answer (rows, bytes); `AnswerLimits()` when None.
        allowed_endpoints: SPARQL endpoints a SERVICE clause may call (none: federation refused, and
            on Linux the query process gives up its network).

    Raises:
        KnowledgeError: an update, a syntax error, a missing store, (`FederationError`) a SERVICE
            refused, (`AnswerTooLargeError`) an answer past `limits`, or (`QueryTimeoutError`) a query
            past `timeout` seconds.
    """
    form = query_form(sparql)
    clauses = check_federation(sparql, allowed_endpoints)
    store_dir = Path(store_dir)
    if not store_dir.is_dir():
        raise KnowledgeError(
            f"{store_dir}: no graph store here; create one with `vertical kg load SOURCE --store {store_dir}`"
        )
    return _run_in_child(
        store_dir,
        sparql,
        form,
        output_format,
        limits or AnswerLimits(),
        parser_check_query(sparql, clauses),
        not allowed_endpoints,
        timeout,
    )

"""Running reports and ad-hoc Cypher safely: guard, read transaction, time limit, row cap.

Every query passes :func:`queries.guard.check_read_only` before anything runs; then, in the
READ transaction it will run in, the server judges it: ``EXPLAIN`` of the exact text that
will run (nothing executes) must give a plan :func:`queries.guard.check_plan` accepts (query
type read-only, no LOAD CSV, admin ``SHOW``, unlisted procedure, transactional subquery or
write operator). Only then does it run, with a transaction timeout. A final ``;`` and any
comment after it are dropped (``MATCH (n) RETURN n; // x`` runs as ``MATCH (n) RETURN n``). The row cap is enforced by the database where
possible: a query ending in ``RETURN`` runs as ``CALL { <query> } RETURN <its columns> LIMIT
cap+1`` (its column order found with ``EXPLAIN``); other queries (``CALL proc()`` without
``RETURN``, unaliased expressions) are streamed and stopped after cap+1 records. One row
more than the cap means the result was cut: ``truncated`` is set and the extra row dropped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from neo4j import READ_ACCESS, unit_of_work
from neo4j.exceptions import (CypherSyntaxError, DriverError, Neo4jError, ServiceUnavailable,
                              SessionExpired)
from neo4j.graph import Node, Path, Relationship

from core.auth import Actor, require
from core.errors import DatabaseUnavailable, QueryError, QueryRefused
from core.settings import load_settings
from graph.connection import GraphDB
from queries.guard import check_plan, check_read_only, quote, tokenize
from queries.registry import MAX_ROW_CAP, MAX_TIMEOUT_S, Report, coerce_params, render
from queries.result import ExportMeta, ResultData, to_plain

CAP_PARAM = "orgtrace_row_cap"
_NO_WRAP_FIRST = {"EXPLAIN", "PROFILE", "CYPHER", "USE", "SHOW"}
_CAPTION_PROPS = ("name", "holder_name", "text", "number", "summary", "key")


@dataclass
class QueryResult(ResultData):
    """A :class:`ResultData` plus what ran: the Cypher, its parameters, a picture, timing."""

    cypher: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    graph: dict[str, list[dict[str, Any]]] | None = None
    elapsed_s: float = 0.0
    cap: int = MAX_ROW_CAP  # the row cap that applied (``truncated`` means more rows exist)


def _strip(cypher: str) -> str:
    """The statement without a final ``;`` and whatever follows it (only comments and blanks,
    or the guard would have refused it): ``MATCH (n) RETURN n; // x`` runs as
    ``MATCH (n) RETURN n``."""
    text = cypher.strip()
    tokens = tokenize(text)
    while tokens and tokens[-1].kind == "punct" and tokens[-1].text == ";":
        text = text[:tokens[-1].offset].rstrip()
        tokens.pop()
    return text


def _explain(tx: Any, cypher: str, params: dict[str, Any], database: str | None) -> list[str]:
    """Let the server judge: ``EXPLAIN`` the exact text (nothing runs) and refuse it unless
    its plan only reads (:func:`queries.guard.check_plan`). Returns the result columns."""
    result = tx.run("EXPLAIN " + cypher, params)
    columns = list(result.keys())
    summary = result.consume()
    check_plan(summary.query_type, summary.plan, database=database)
    return columns


def check_with_server(db: GraphDB, cypher: str, params: Mapping[str, Any] | None = None) -> None:
    """The tokenizer's check, then the server's (``EXPLAIN`` in a read session), without
    running anything: how saved reports are checked before they are stored."""
    check_read_only(cypher, database=db.database)
    check_plan_on_server(db, _strip(cypher), params)


def check_plan_on_server(db: GraphDB, cypher: str, params: Mapping[str, Any] | None = None) -> None:
    """The server's check alone: ``EXPLAIN`` in a read session, refused unless the plan only
    reads. (The runner always applies the tokenizer first; this is the barrier that does not
    depend on it.)"""
    check_param_values(dict(params or {}))
    try:
        with db.driver.session(database=db.database, default_access_mode=READ_ACCESS) as session:
            session.execute_read(lambda tx: _explain(tx, cypher, dict(params or {}), db.database))
    except (Neo4jError, DriverError) as exc:
        raise _neo4j_error(exc, 0) from None


def _may_wrap(cypher: str) -> bool:
    """True when the query ends in a top-level RETURN, so ``CALL { query } RETURN …`` works."""
    tokens = tokenize(cypher)
    words = [t for t in tokens if t.kind == "word"]
    if not words or words[0].text.upper() in _NO_WRAP_FIRST:
        return False
    depth, top_level_return = 0, False
    for token in tokens:
        if token.kind == "punct" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
        elif depth == 0 and token.kind == "word" and token.text.upper() == "RETURN":
            top_level_return = True
    return top_level_return


_EXPLAIN = "EXPLAIN "
_POSITION = re.compile(r"\(line (\d+), column (\d+) \(offset: (\d+)\)\)")
_MESSAGE_LIMIT = 240


def _server_message(exc: Exception) -> str:
    """The first line of the server's message, cut to a readable length (its position kept),
    with positions on the first line moved back by the ``EXPLAIN `` the runner put in front."""
    lines = (getattr(exc, "message", None) or str(exc) or "").strip().splitlines()
    message = lines[0] if lines else type(exc).__name__

    def unshift(match: re.Match[str]) -> str:
        line, column, offset = (int(g) for g in match.groups())
        if offset >= len(_EXPLAIN):
            offset -= len(_EXPLAIN)
            column -= len(_EXPLAIN) if line == 1 else 0
        return f"(line {line}, column {column} (offset: {offset}))"

    position = _POSITION.search(message)
    where = unshift(position) if position else ""
    body = _POSITION.sub("", message).strip() if position else message
    body = quote(body, _MESSAGE_LIMIT)
    return f"{body} {where}".strip()


def _neo4j_error(exc: Exception, timeout: float) -> Exception:
    code = getattr(exc, "code", "") or ""
    message = _server_message(exc)
    if "TransactionTimedOut" in code or "timed out" in message.lower():
        return QueryError(f"The query was stopped after {timeout:g} s because it ran longer than its "
                          f"time limit; narrow it (fewer hops, a shorter date range, a higher minimum "
                          f"amount) or allow more time.")
    if isinstance(exc, (ServiceUnavailable, SessionExpired)):
        return DatabaseUnavailable(f"The database stopped answering while the query ran: {message}")
    if "Forbidden" in code or "access mode" in message.lower():
        return QueryRefused(f"The database refused the query because it would change data; queries "
                            f"here may only read ({message}).")
    if isinstance(exc, CypherSyntaxError):
        return QueryError(f"The query has a Cypher error: {message}")
    return QueryError(f"Neo4j could not run the query: {message}")


def _fetch(db: GraphDB, cypher: str, params: dict[str, Any], cap: int,
           timeout: float) -> tuple[list[str], list[Any]]:
    """Columns and up to cap+1 raw records, in one read transaction."""

    @unit_of_work(timeout=timeout, metadata={"app": "OrgTrace"})
    def work(tx: Any) -> tuple[list[str], list[Any]]:
        columns = _explain(tx, cypher, params, db.database)  # refused unless the plan only reads
        if _may_wrap(cypher) and all(re.fullmatch(r"\w+", c) for c in columns):
            # (else: unaliased expressions, streamed below)
            projection = ", ".join(f"`{c}`" for c in columns)
            wrapped = f"CALL {{\n{cypher}\n}}\nRETURN {projection} LIMIT ${CAP_PARAM}"
            wrapped_params = {**params, CAP_PARAM: cap + 1}
            _explain(tx, wrapped, wrapped_params, db.database)  # the text run is the text judged
            return columns, list(tx.run(wrapped, wrapped_params))
        result = tx.run(cypher, params)
        records = []
        for record in result:  # stop after cap+1 records
            records.append(record)
            if len(records) > cap:
                break
        return list(result.keys()), records

    try:
        with db.driver.session(database=db.database, default_access_mode=READ_ACCESS,
                               fetch_size=min(cap + 1, 1000)) as session:
            return session.execute_read(work)
    except (Neo4jError, DriverError) as exc:
        raise _neo4j_error(exc, timeout) from None


def record(actor: Actor | None, action: str, **details: Any) -> None:
    """Append one entry to the audit trail (``ORGTRACE_STATE_DIR``); see :mod:`access.audit`."""
    from access.audit import audit_log

    audit_log(load_settings()).append(actor, action, **details)


def run_cypher(db: GraphDB, cypher: str, params: Mapping[str, Any] | None = None, *,
               limit: int | None = None, timeout: float | None = None,
               picture: Iterable[str] = (), actor: Actor | None = None) -> QueryResult:
    """Run ad-hoc read-only Cypher as ``actor`` (role analyst or higher); audited.

    ``limit`` caps the rows (default and maximum :data:`MAX_ROW_CAP`); ``timeout`` in seconds
    (default ``ORGTRACE_QUERY_TIMEOUT``). Columns named in ``picture`` feed the graph picture
    and are left out of the rows. ``actor`` None (callers not yet passing one) is not
    checked but is written to the trail as "(not given)".
    """
    if actor is not None:
        require(actor, "cypher.run")
    result = execute(db, cypher, params, limit=limit, timeout=timeout, picture=picture)
    record(actor, "cypher.run", cypher=result.cypher, parameters=result.parameters,
           rows=len(result.rows), truncated=result.truncated)
    return result


def execute(db: GraphDB, cypher: str, params: Mapping[str, Any] | None = None, *,
            limit: int | None = None, timeout: float | None = None,
            picture: Iterable[str] = ()) -> QueryResult:
    """Run read-only Cypher: refused before running unless it only reads. Neither checks
    a role nor audits: callers (:func:`run_cypher`, :func:`run_report`,
    ``queries.saved.run_saved``) do both."""
    check_read_only(cypher, database=db.database)
    cap = row_cap(limit)
    timeout = time_limit(timeout)
    params = dict(params or {})
    check_param_values(params)
    text = _strip(cypher)
    started = time.monotonic()
    columns, records = _fetch(db, text, params, cap, timeout)
    truncated = len(records) > cap
    records = records[:cap]
    hidden = set(picture)
    graph = build_graph(record[c] for record in records for c in columns
                        if c in hidden or not hidden)
    shown = [c for c in columns if c not in hidden]
    rows = [{c: to_plain(record[c]) for c in shown} for record in records]
    return QueryResult(shown, rows, truncated, cypher=text, parameters=params,
                       graph=graph if graph["nodes"] else None,
                       elapsed_s=round(time.monotonic() - started, 3), cap=cap)


_INT64 = (-2 ** 63, 2 ** 63 - 1)


def check_param_values(params: Mapping[str, Any]) -> None:
    """Refuse, with a sentence, parameter values Neo4j cannot hold (whole numbers beyond 64
    bits, NaN and infinite numbers), wherever they sit in lists and maps."""
    def walk(name: str, value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
            raise QueryError(f"The parameter '{quote(name)}' holds the whole number "
                             f"{quote(str(value), 30)}, beyond what Neo4j can store (at most 19 "
                             f"digits, ±9,223,372,036,854,775,807).")
        if isinstance(value, float) and not math.isfinite(value):
            raise QueryError(f"The parameter '{quote(name)}' holds {value}, which is not a number "
                             f"Neo4j can compare; give a finite number.")
        if isinstance(value, Mapping):
            for item in value.values():
                walk(name, item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(name, item)

    for name, value in params.items():
        walk(str(name), value)


def row_cap(limit: Any) -> int:
    """The row cap for ``limit``: ``None`` gives :data:`MAX_ROW_CAP`, a whole number from 1 is
    kept up to that cap (above it, the cap: the result's ``cap`` says which applied); anything
    else is refused with a sentence."""
    if limit is None:
        return MAX_ROW_CAP
    try:
        number = float(limit)
        whole = not isinstance(limit, bool) and math.isfinite(number) and number == int(number)
    except (TypeError, ValueError):
        whole = False
    if not whole or number < 1:
        raise QueryError(f"The row limit must be a whole number from 1 to {MAX_ROW_CAP:,} (the cap); "
                         f"'{quote(str(limit), 20)}' is not.")
    return min(int(number), MAX_ROW_CAP)


def time_limit(timeout: Any) -> float:
    """Seconds a query may run: ``timeout``, or ``ORGTRACE_QUERY_TIMEOUT`` when ``None``; a
    number above 0 and at most :data:`MAX_TIMEOUT_S`, else refused with a sentence."""
    value = load_settings().query_timeout if timeout is None else timeout
    try:
        seconds = float(value)
        ok = not isinstance(value, bool) and math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT_S
    except (TypeError, ValueError):
        ok = False
    if not ok:
        source = "ORGTRACE_QUERY_TIMEOUT" if timeout is None else "The time limit"
        raise QueryError(f"{source} must be a number of seconds above 0 and at most {MAX_TIMEOUT_S} "
                         f"(ten minutes); '{quote(str(value), 20)}' is not.")
    return seconds


def run_report(db: GraphDB, report: Report, params: Mapping[str, Any] | None = None, *,
               limit: int | None = None, timeout: float | None = None,
               actor: Actor | None = None) -> QueryResult:
    """Run a library report with checked parameters (text or typed values) as ``actor``
    (any role); audited with the report id, parameters and row count.

    ``limit`` defaults to the report's row_cap, ``timeout`` to its timeout_s.
    """
    if actor is not None:
        require(actor, "report.run")
    values = coerce_params(report, params)
    result = execute(db, render(report, values), values,
                     limit=report.row_cap if limit is None else limit,
                     timeout=report.timeout_s if timeout is None else timeout, picture=report.picture)
    record(actor, "report.run", report=report.id, parameters=values, rows=len(result.rows),
           truncated=result.truncated)
    return result


# ------------------------------------------------------------------ picture

def _node_id(node: Node) -> str:
    return node.element_id


def _caption(element: Node | Relationship) -> str:
    if isinstance(element, Relationship):
        if element.get("amount") is not None:
            when = to_plain(element.get("time")) or ""
            return f"¥{element['amount']:,.0f} {str(when)[:10]}".strip()
        return str(element.get("role") or element.type)
    return str(next((element[p] for p in _CAPTION_PROPS if element.get(p)), element.element_id))


def build_graph(values: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """{nodes, edges} for the export picture from the nodes, relationships and paths in values."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}

    def add(value: Any) -> None:
        if isinstance(value, Path):
            for n in value.nodes:
                add(n)
            for r in value.relationships:
                add(r)
        elif isinstance(value, Node):
            nodes.setdefault(_node_id(value), {"id": _node_id(value),
                                               "label": next(iter(sorted(value.labels)), ""),
                                               "caption": _caption(value)})
        elif isinstance(value, Relationship):
            ends = []
            for end in (value.start_node, value.end_node):
                if end is not None and dict(end):  # a bare end node carries no properties
                    add(end)
                ends.append(end.element_id if end is not None else "")
            edges.setdefault(value.element_id, {"id": value.element_id, "source": ends[0],
                                                "target": ends[1], "type": value.type,
                                                "caption": _caption(value)})
        elif isinstance(value, (list, tuple)):
            for v in value:
                add(v)
        elif isinstance(value, dict):
            for v in value.values():
                add(v)

    for value in values:
        add(value)
    return {"nodes": list(nodes.values()), "edges": list(edges.values())}


# ------------------------------------------------------------------ export metadata

def export_meta(db: GraphDB, result: QueryResult, *, title: str, report_id: str,
                result_kind: str = "table", user: str | None = None) -> ExportMeta:
    """The :class:`ExportMeta` for ``result``: who, where (server and version), what ran."""
    try:
        version = db.server_version()
    except Exception:  # the export must not fail for want of a version string
        version = "unknown"
    return ExportMeta(title=title, report_id=report_id, user=user or load_settings().user,
                      run_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                      database=db.database, server=f"{db.uri} (Neo4j {version})",
                      cypher=result.cypher, parameters=result.parameters,
                      result_kind=result_kind, graph=result.graph)

"""Running reports and ad-hoc Cypher safely: guard, read transaction, time limit, row cap.

Every query passes :func:`queries.guard.check_read_only` before anything runs, then runs in a
READ transaction with a transaction timeout. The row cap is enforced by the database where
possible: a query ending in ``RETURN`` runs as ``CALL { <query> } RETURN <its columns> LIMIT
cap+1`` (its column order found with ``EXPLAIN``); other queries (``CALL proc()`` without
``RETURN``, unaliased expressions) are streamed and stopped after cap+1 records. One row
more than the cap means the result was cut: ``truncated`` is set and the extra row dropped.
"""

from __future__ import annotations

import datetime as dt
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
from queries.guard import check_read_only, tokenize
from queries.registry import MAX_ROW_CAP, Report, coerce_params, render
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


def _strip(cypher: str) -> str:
    text = cypher.strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text


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


def _neo4j_error(exc: Exception, timeout: float) -> Exception:
    code = getattr(exc, "code", "") or ""
    message = (getattr(exc, "message", None) or str(exc)).strip().splitlines()[0]
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
        if _may_wrap(cypher):
            columns = list(tx.run("EXPLAIN " + cypher, params).keys())
            if all(re.fullmatch(r"\w+", c) for c in columns):  # else: unaliased expressions
                projection = ", ".join(f"`{c}`" for c in columns)
                wrapped = f"CALL {{\n{cypher}\n}}\nRETURN {projection} LIMIT ${CAP_PARAM}"
                return columns, list(tx.run(wrapped, {**params, CAP_PARAM: cap + 1}))
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
    cap = max(1, min(int(limit or MAX_ROW_CAP), MAX_ROW_CAP))
    timeout = float(timeout or load_settings().query_timeout)
    params = dict(params or {})
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
                       elapsed_s=round(time.monotonic() - started, 3))


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
    cap = min(int(limit or report.row_cap), MAX_ROW_CAP)
    result = execute(db, render(report, values), values, limit=cap,
                     timeout=timeout or report.timeout_s, picture=report.picture)
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

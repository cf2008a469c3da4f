"""Reports investigators save in the database (``SavedReport`` nodes).

A saved report is read-only Cypher with default parameter values. It is checked by the guard
and by the server's plan (``EXPLAIN``) before it is saved and again, by
:func:`queries.runner.run_cypher`, every time it runs. Only
its owner or an administrator may delete it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, Mapping

from core.auth import Actor, can, require
from core.errors import QueryError, QueryRefused
from graph.connection import GraphDB
from queries.guard import quote
from queries.result import to_plain
from queries.runner import QueryResult, check_with_server, execute, record


def save_report(db: GraphDB, title: str, cypher: str, parameters: Mapping[str, Any] | None,
                owner: Actor) -> str:
    """Check and store a report owned by ``owner`` (role analyst or higher); return its key."""
    require(owner, "report.save")
    if not (title or "").strip():
        raise QueryError("A saved report needs a title.")
    check_with_server(db, cypher, parameters)  # the tokenizer, then the server's own plan
    key = uuid.uuid4().hex[:12]
    db.write("CREATE (s:SavedReport {key: $key, title: $title, cypher: $cypher, "
             "parameters: $parameters, owner: $owner, created_at: $now})",
             {"key": key, "title": title.strip(), "cypher": cypher.strip(), "owner": owner.name,
              "parameters": json.dumps(to_plain(dict(parameters or {})), ensure_ascii=False),
              "now": dt.datetime.now(dt.timezone.utc)})
    record(owner, "report.save", key=key, title=title.strip(), cypher=cypher.strip())
    return key


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    row = to_plain(row)
    row["parameters"] = json.loads(row.get("parameters") or "{}")
    return row


def list_saved(db: GraphDB) -> list[dict[str, Any]]:
    """Every saved report, newest first: key, title, owner, created_at, cypher, parameters."""
    rows = db.read("MATCH (s:SavedReport) RETURN s.key AS key, s.title AS title, s.owner AS owner, "
                   "s.created_at AS created_at, s.cypher AS cypher, s.parameters AS parameters "
                   "ORDER BY created_at DESC, key")
    return [_plain(r) for r in rows]


def get_saved(db: GraphDB, key: str) -> dict[str, Any]:
    rows = db.read("MATCH (s:SavedReport {key: $key}) RETURN s.key AS key, s.title AS title, "
                   "s.owner AS owner, s.created_at AS created_at, s.cypher AS cypher, "
                   "s.parameters AS parameters", {"key": key})
    if not rows:
        raise QueryError(f"There is no saved report with the key '{quote(key)}'.")
    return _plain(rows[0])


def run_saved(db: GraphDB, key: str, params: Mapping[str, Any] | None = None, *,
              limit: int | None = None, timeout: float | None = None,
              actor: Actor | None = None) -> QueryResult:
    """Run a saved report read-only as ``actor`` (any role; audited); ``params`` override its
    saved parameter values."""
    if actor is not None:
        require(actor, "report.run")
    saved = get_saved(db, key)
    result = execute(db, saved["cypher"], {**saved["parameters"], **dict(params or {})},
                     limit=limit, timeout=timeout)
    record(actor, "saved.run", key=key, cypher=result.cypher, parameters=result.parameters,
           rows=len(result.rows), truncated=result.truncated)
    return result


def may_delete(actor: Actor | None, owner: str) -> bool:
    """Whether ``actor`` may delete a saved report of ``owner``: its owner (an analyst or
    higher, authenticated — never a name from the environment) or an admin."""
    return can(actor, "report.delete_any") or (
        actor is not None and actor.name == owner and can(actor, "report.save"))


def delete_saved(db: GraphDB, key: str, actor: Actor) -> None:
    """Delete a saved report: only its owner or an admin may."""
    saved = get_saved(db, key)
    if not may_delete(actor, saved["owner"]):
        raise QueryRefused(f"The saved report '{saved['title']}' belongs to {saved['owner']}; only "
                           f"its owner or an administrator may delete it.")
    db.write("MATCH (s:SavedReport {key: $key}) DELETE s", {"key": key})
    record(actor, "report.delete", key=key, title=saved["title"], owner=saved["owner"])

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

from core.errors import QueryError, QueryRefused
from graph.connection import GraphDB
from queries.guard import quote
from queries.result import to_plain
from queries.runner import QueryResult, check_with_server, run_cypher


def save_report(db: GraphDB, title: str, cypher: str, parameters: Mapping[str, Any] | None,
                owner: str) -> str:
    """Check and store a report; return its key."""
    if not (title or "").strip():
        raise QueryError("A saved report needs a title.")
    if not (owner or "").strip():
        raise QueryError("A saved report needs an owner (ORGTRACE_USER).")
    check_with_server(db, cypher, parameters)  # the tokenizer, then the server's own plan
    key = uuid.uuid4().hex[:12]
    db.write("CREATE (s:SavedReport {key: $key, title: $title, cypher: $cypher, "
             "parameters: $parameters, owner: $owner, created_at: $now})",
             {"key": key, "title": title.strip(), "cypher": cypher.strip(), "owner": owner.strip(),
              "parameters": json.dumps(to_plain(dict(parameters or {})), ensure_ascii=False),
              "now": dt.datetime.now(dt.timezone.utc)})
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
              limit: int | None = None, timeout: float | None = None) -> QueryResult:
    """Run a saved report read-only; ``params`` override its saved parameter values."""
    saved = get_saved(db, key)
    return run_cypher(db, saved["cypher"], {**saved["parameters"], **dict(params or {})},
                      limit=limit, timeout=timeout)


def delete_saved(db: GraphDB, key: str, user: str, is_admin: bool = False) -> None:
    """Delete a saved report: only its owner or an administrator may."""
    saved = get_saved(db, key)
    if saved["owner"] != user and not is_admin:
        raise QueryRefused(f"The saved report '{saved['title']}' belongs to {saved['owner']}; only "
                           f"its owner or an administrator may delete it.")
    db.write("MATCH (s:SavedReport {key: $key}) DELETE s", {"key": key})

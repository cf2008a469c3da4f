"""The load history shown on the Load data page: one row per ``LoadRun`` (a file loaded),
newest first, with who, when, the counts and the file's SHA-256 (provenance)."""

from __future__ import annotations

from typing import Any

from graph.connection import GraphDB
from queries.result import to_plain

LOAD_HISTORY = """
MATCH (r:LoadRun)
RETURN r.file AS file, r.kind AS kind, r.status AS status, r.user AS user,
       toString(r.started_at) AS started_at, toString(r.finished_at) AS finished_at,
       r.read AS read, r.loaded AS loaded, r.rejected AS rejected, r.warnings AS warnings,
       r.sha256 AS sha256, r.mapping AS mapping, r.key AS run, r.message AS message,
       size(coalesce(r.attempts, [])) AS attempts
ORDER BY r.started_at DESC, r.key
LIMIT $limit
"""


def load_history(db: GraphDB, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest ``limit`` load runs, newest first."""
    return [to_plain(r) for r in db.read(LOAD_HISTORY, {"limit": int(limit)})]

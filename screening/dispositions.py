"""Graded handling: the investigators' dispositions and case statuses, with full history.

Every decision is a new ``DispositionChange`` node linked to its organization; nothing is
ever updated or deleted, so the latest (highest ``seq``) is the current disposition and the
others are its history with who, when and why. The acting user is an explicit argument.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from neo4j.exceptions import ConstraintError

from core.errors import ScreeningError
from graph.connection import GraphDB
from queries.result import to_plain
from screening.config import ScreeningConfig

_LATEST = """
MATCH (o:Organization {key: $key})
OPTIONAL MATCH (d:DispositionChange)-[:APPLIES_TO]->(o)
WITH o, d ORDER BY d.seq DESC
RETURN o.name AS name, o.authority AS authority, head(collect(d {.*})) AS latest
"""

_CREATE = """
MATCH (o:Organization {key: $org_key})
CREATE (d:DispositionChange {key: $key, org_key: $org_key, seq: $seq, disposition: $disposition,
        status: $status, reason: $reason, user: $user, at: $at, decided_on: $decided_on,
        authority: $authority, previous_disposition: $previous_disposition,
        previous_status: $previous_status})-[:APPLIES_TO]->(o)
RETURN d {.*} AS change
"""

HISTORY_QUERY = """
MATCH (d:DispositionChange {org_key: $key})
RETURN d {.*} AS change ORDER BY d.seq
"""

CURRENT_QUERY = """
MATCH (d:DispositionChange)
WITH d ORDER BY d.seq DESC
WITH d.org_key AS org_key, head(collect(d {.*})) AS current
MATCH (o:Organization {key: org_key})
RETURN org_key, o.name AS name, current
"""


def set_disposition(db: GraphDB, config: ScreeningConfig, org_key: str, to: str, *, reason: str,
                    user: str, status: str | None = None, authority: str | None = None,
                    decided_on: dt.date | None = None,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """Record a decision on ``org_key`` (a new history entry); returns it.

    ``to`` is a disposition id or its Chinese/English label; ``status`` defaults to the
    rules file's ``status_after`` for the disposition, else the previous status.
    """
    disposition = config.disposition_id(to)
    reason = (reason or "").strip()
    if not reason:
        raise ScreeningError("A disposition needs a reason: say why it was decided (--reason).")
    user = (user or "").strip()
    if not user:
        raise ScreeningError("A disposition needs the name of the investigator deciding it (ORGTRACE_USER).")
    rows = db.read(_LATEST, {"key": org_key})
    if not rows:
        raise ScreeningError(f"There is no organization with the key '{org_key}'; `python cli.py screen` "
                             f"lists the keys.")
    latest = rows[0]["latest"] or {}
    if status is None:
        status = config.status_after.get(disposition) or latest.get("status") or config.statuses[0]
    if status not in config.statuses:
        raise ScreeningError(f"There is no case status '{status}'; use one of: {', '.join(config.statuses)}.")
    at = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    params = {"org_key": org_key, "disposition": disposition, "status": status, "reason": reason,
              "user": user, "at": at, "decided_on": decided_on or at.date(),
              "authority": (authority or rows[0]["authority"] or config.default_authority or "").strip(),
              "previous_disposition": latest.get("disposition"), "previous_status": latest.get("status")}
    seq = int(latest.get("seq") or 0) + 1
    for _ in range(5):  # another investigator may have decided at the same moment
        try:
            out = db.write(_CREATE, {**params, "seq": seq, "key": f"{org_key}|{seq}"})
            return _plain(out[0]["change"])
        except ConstraintError:
            seq += 1
    raise ScreeningError(f"The disposition of '{org_key}' could not be recorded because others were "
                         f"changing it at the same time; try again.")


def history(db: GraphDB, org_key: str) -> list[dict[str, Any]]:
    """Every decision on the organization, oldest first."""
    return [_plain(r["change"]) for r in db.read(HISTORY_QUERY, {"key": org_key})]


def _plain(change: dict[str, Any]) -> dict[str, Any]:
    out = {k: to_plain(v) for k, v in change.items()}
    if isinstance(out.get("at"), str):
        out["at"] = out["at"][:19].replace("T", " ")
    return out


def current(db: GraphDB) -> dict[str, dict[str, Any]]:
    """The current (latest) decision per organization key, with the organization's name."""
    return {r["org_key"]: {**_plain(r["current"]), "name": r["name"]} for r in db.read(CURRENT_QUERY)}

"""Writing the analytics back to Neo4j (``python cli.py analyze run``): the only analytics
module that writes. Property and relationship names are declared in ``graph/schema.py``:
``hub_score``, ``hub_rank`` and ``analytics_at`` on ranked people, ``group_id`` and
``analytics_at`` on organizations in a linked group, and
``(:Organization)-[:REFORMED_AS {shared, evidence, analytics_at}]->(:Organization)``.

Each run replaces the previous one's results (values from an earlier run are removed
first), so the graph holds one consistent set with its run time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from analytics.reformed import evidence_text

W_CLEAR_PEOPLE = """
MATCH (n:Person) WHERE n.hub_score IS NOT NULL OR n.hub_rank IS NOT NULL
CALL (n) { REMOVE n.hub_score, n.hub_rank, n.analytics_at } IN TRANSACTIONS OF 10000 ROWS
"""
W_CLEAR_ORGS = """
MATCH (n:Organization) WHERE n.group_id IS NOT NULL OR n.analytics_at IS NOT NULL
REMOVE n.group_id, n.analytics_at
"""
W_CLEAR_REFORMED = "MATCH (:Organization)-[r:REFORMED_AS]->(:Organization) DELETE r"
W_HUBS = """
UNWIND $rows AS row
MATCH (n:Person {key: row.key})
SET n.hub_score = row.score, n.hub_rank = row.rank, n.analytics_at = $at
"""
W_GROUPS = """
UNWIND $rows AS row
MATCH (n:Organization {key: row.key})
SET n.group_id = row.group, n.analytics_at = $at
"""
W_REFORMED = """
UNWIND $rows AS row
MATCH (old:Organization {key: row.old}), (new:Organization {key: row.new})
CREATE (old)-[:REFORMED_AS {shared: row.shared, evidence: row.evidence, analytics_at: $at}]->(new)
"""
BATCH = 10_000


def write_all(db, *, hubs: list[dict[str, Any]], groups: list[dict[str, Any]], pairs: list[dict[str, Any]],
              at: dt.datetime) -> None:
    db.run_autocommit(W_CLEAR_PEOPLE)
    db.write(W_CLEAR_ORGS)
    db.write(W_CLEAR_REFORMED)
    rows = [{"key": h["key"], "score": float(h["score"]), "rank": int(h["rank"])} for h in hubs]
    for i in range(0, len(rows), BATCH):
        db.write(W_HUBS, {"rows": rows[i:i + BATCH], "at": at})
    grows = [{"key": o, "group": g["group"]} for g in groups for o in g["members"]]
    for i in range(0, len(grows), BATCH):
        db.write(W_GROUPS, {"rows": grows[i:i + BATCH], "at": at})
    prows = [{"old": p["old_key"], "new": p["new_key"], "shared": p["shared"], "evidence": evidence_text(p, "zh")}
             for p in pairs]
    if prows:
        db.write(W_REFORMED, {"rows": prows, "at": at})

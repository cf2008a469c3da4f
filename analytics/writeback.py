"""Writing the analytics back to Neo4j (``python cli.py analyze run``): the only analytics
module that writes. Property and relationship names are declared in ``graph/schema.py``:
``hub_score``, ``hub_rank`` and ``analytics_at`` on ranked people, ``group_id`` and
``analytics_at`` on organizations in a linked group, and
``(:Organization)-[:REFORMED_AS {shared, evidence, analytics_at}]->(:Organization)``.

Each run replaces the previous one's results (this run's values are written, then an
earlier run's are removed from the nodes this run leaves out), so the graph holds one
consistent set with its run time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from analytics.reformed import evidence_text

#: Who holds the previous run's values (their keys, in one list).
W_SCORED_PEOPLE = "MATCH (n:Person) WHERE n.hub_score IS NOT NULL OR n.hub_rank IS NOT NULL RETURN collect(n.key) AS keys"
W_GROUPED_ORGS = ("MATCH (n:Organization) WHERE n.group_id IS NOT NULL OR n.analytics_at IS NOT NULL "
                  "RETURN collect(n.key) AS keys")
#: The previous run's values on those this run does not rank or group.
W_CLEAR_PEOPLE = """
UNWIND $keys AS key
MATCH (n:Person {key: key})
REMOVE n.hub_score, n.hub_rank, n.analytics_at
"""
W_CLEAR_ORGS = """
UNWIND $keys AS key
MATCH (n:Organization {key: key})
REMOVE n.group_id, n.analytics_at
"""
W_CLEAR_REFORMED = "MATCH (:Organization)-[r:REFORMED_AS]->(:Organization) DELETE r"
#: The values, as flat parallel lists (cheaper to send and to read than a list of maps).
W_HUBS = """
UNWIND range(0, size($keys) - 1) AS i
MATCH (n:Person {key: $keys[i]})
SET n.hub_score = $scores[i], n.hub_rank = $ranks[i], n.analytics_at = $at
"""
W_GROUPS = """
UNWIND range(0, size($keys) - 1) AS i
MATCH (n:Organization {key: $keys[i]})
SET n.group_id = $groups[i], n.analytics_at = $at
"""
W_REFORMED = """
UNWIND $rows AS row
MATCH (old:Organization {key: row.old}), (new:Organization {key: row.new})
CREATE (old)-[:REFORMED_AS {shared: row.shared, evidence: row.evidence, analytics_at: $at}]->(new)
"""
#: Rows per write transaction.
BATCH = 25_000


def write_all(db, *, hubs: list[dict[str, Any]], groups: list[dict[str, Any]], pairs: list[dict[str, Any]],
              at: dt.datetime) -> None:
    """Write this run's values, then remove the previous run's from whoever this run left out
    (each node is written once: no clearing pass over everyone first)."""
    keys = [h["key"] for h in hubs]
    stale = sorted(set(db.read(W_SCORED_PEOPLE)[0]["keys"]) - set(keys))
    scores = [float(h["score"]) for h in hubs]
    ranks = [int(h["rank"]) for h in hubs]
    for i in range(0, len(keys), BATCH):
        db.write(W_HUBS, {"keys": keys[i:i + BATCH], "scores": scores[i:i + BATCH], "ranks": ranks[i:i + BATCH],
                          "at": at})
    for i in range(0, len(stale), BATCH):
        db.write(W_CLEAR_PEOPLE, {"keys": stale[i:i + BATCH]})
    okeys = [o for g in groups for o in g["members"]]
    ostale = sorted(set(db.read(W_GROUPED_ORGS)[0]["keys"]) - set(okeys))
    ogroups = [g["group"] for g in groups for _ in g["members"]]
    for i in range(0, len(okeys), BATCH):
        db.write(W_GROUPS, {"keys": okeys[i:i + BATCH], "groups": ogroups[i:i + BATCH], "at": at})
    for i in range(0, len(ostale), BATCH):
        db.write(W_CLEAR_ORGS, {"keys": ostale[i:i + BATCH]})
    db.write(W_CLEAR_REFORMED)
    prows = [{"old": p["old_key"], "new": p["new_key"], "shared": p["shared"], "evidence": evidence_text(p, "zh")}
             for p in pairs]
    if prows:
        db.write(W_REFORMED, {"rows": prows, "at": at})

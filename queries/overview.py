"""The counts on the workbench's Overview (底数清): organizations by notice class, registration
status, district and disposition; money involved; recent leads by channel; graph contents.

Every query is a named constant below (values only as ``$parameters``); the per-label counts
are written out from ``graph.schema`` once, at import, and run as one query (Neo4j answers a
``count(n)`` per label from its count store). Classes and dispositions come from screening
(``Finding``, ``DispositionChange`` nodes): where screening has not run they are empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph import schema
from graph.connection import GraphDB
from queries.result import to_plain

#: Companies (credit codes starting with 9) are not social organizations.
_SOCIAL = "NOT coalesce(o.credit_code, o.key) STARTS WITH '9'"
#: Not in good standing: never registered, revoked, deregistered or preparing.
_IRREGULAR = "coalesce(o.status, '未登记') <> '正常'"

ORGS_BY_STATUS = f"""
MATCH (o:Organization) WHERE {_SOCIAL}
RETURN coalesce(o.status, '未登记') AS status, count(*) AS organizations
ORDER BY organizations DESC, status
"""

ORGS_BY_DISTRICT = f"""
MATCH (o:Organization) WHERE {_SOCIAL}
CALL (o) {{
  OPTIONAL MATCH (o)-[:LOCATED_AT]->(home:Address)
  RETURN head(collect(home.district)) AS home_district
}}
CALL (o) {{
  OPTIONAL MATCH (o)-[:ORGANIZED]->(:Event)-[:HELD_AT]->(v:Address)
  WITH v.district AS d, count(*) AS n ORDER BY n DESC, d
  RETURN head(collect(d)) AS venue_district
}}
WITH o, coalesce(home_district, o.region, venue_district) AS district
RETURN district, count(*) AS organizations,
       sum(CASE WHEN {_IRREGULAR} THEN 1 ELSE 0 END) AS irregular
ORDER BY organizations DESC, district
"""

ORGS_BY_CLASS = """
MATCH (f:Finding) WHERE f.notice_class IS NOT NULL AND f.subject_label = 'Organization'
RETURN f.notice_class AS class, count(DISTINCT f.subject_key) AS organizations
ORDER BY class
"""

ORGS_BY_DISPOSITION = """
MATCH (d:DispositionChange)
WITH d.org_key AS org, d ORDER BY d.seq DESC, d.at DESC
WITH org, head(collect(d)) AS latest
RETURN latest.disposition AS disposition, count(*) AS organizations
ORDER BY organizations DESC, disposition
"""

MONEY = f"""
CALL () {{
  MATCH ()-[t:TRANSFER]->()
  RETURN count(t) AS transfers, sum(t.amount) AS transfer_amount
}}
CALL () {{
  MATCH (o:Organization)-[:ORGANIZED]->(e:Event) WHERE {_IRREGULAR} AND {_SOCIAL}
  RETURN count(e) AS events, sum(coalesce(e.amount, 0)) AS event_amount,
         sum(coalesce(e.participants, 0)) AS participants
}}
CALL () {{
  MATCH (o:Organization)<-[m:MEMBER_OF]-(:Person) WHERE {_IRREGULAR} AND {_SOCIAL}
  RETURN count(m) AS memberships, sum(coalesce(m.fee, 0)) AS member_fees
}}
CALL () {{
  MATCH (o:Organization) WHERE {_IRREGULAR} AND {_SOCIAL}
  CALL (o) {{
    MATCH (o)-[:HOLDS]->(a:BankAccount) RETURN a
    UNION
    MATCH (o)<-[:LEADS]-(:Person)-[:HOLDS]->(a:BankAccount) RETURN a
  }}
  WITH DISTINCT a
  OPTIONAL MATCH (a)<-[t:TRANSFER]-()
  RETURN count(DISTINCT a) AS accounts, sum(coalesce(t.amount, 0)) AS received
}}
RETURN transfers, transfer_amount, events, event_amount, participants, memberships, member_fees,
       accounts, received
"""

LATEST_LEAD = "MATCH (l:Lead) RETURN max(l.received_on) AS latest, count(l) AS leads"

LEADS_BY_CHANNEL = """
MATCH (l:Lead) WHERE l.received_on >= $since OR ($include_undated AND l.received_on IS NULL)
RETURN coalesce(l.source, '未知') AS channel, count(*) AS leads,
       toString(min(l.received_on)) AS first, toString(max(l.received_on)) AS last
ORDER BY leads DESC, channel
"""

RECENT_LEADS = """
MATCH (l:Lead) WHERE l.received_on >= $since
CALL (l) {
  OPTIONAL MATCH (l)-[:CONCERNS]->(x)
  RETURN [n IN collect(x.name) WHERE n IS NOT NULL][..5] AS concerns
}
RETURN toString(l.received_on) AS received_on, l.source AS channel, l.summary AS summary, concerns
ORDER BY received_on DESC, l.key
LIMIT $top
"""

NODE_COUNTS = "\nUNION ALL\n".join(
    f"MATCH (n:{node.label}) RETURN '{node.label}' AS name, count(n) AS count" for node in schema.NODES)
RELATIONSHIP_COUNTS = "\nUNION ALL\n".join(
    f"MATCH ()-[r:{rel.type}]->() RETURN '{rel.type}' AS name, count(r) AS count" for rel in schema.RELATIONSHIPS)


def _rows(db: GraphDB, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [to_plain(r) for r in db.read(cypher, params or {})]


def counts(db: GraphDB) -> dict[str, Any]:
    """Everything on the Overview that does not depend on the user's choices (one call,
    cached by the page): by status, district, class, disposition; money; graph contents."""
    return {
        "status": _rows(db, ORGS_BY_STATUS),
        "district": _rows(db, ORGS_BY_DISTRICT),
        "class": _rows(db, ORGS_BY_CLASS),
        "disposition": _rows(db, ORGS_BY_DISPOSITION),
        "money": _rows(db, MONEY)[0],
        "leads": _rows(db, LATEST_LEAD)[0],
        "nodes": {r["name"]: r["count"] for r in _rows(db, NODE_COUNTS)},
        "relationships": {r["name"]: r["count"] for r in _rows(db, RELATIONSHIP_COUNTS)},
    }


def recent_leads(db: GraphDB, since: dt.date, *, top: int = 20) -> dict[str, list[dict[str, Any]]]:
    """Leads received on or after ``since``: counts by channel and the latest ``top``."""
    return {"by_channel": _rows(db, LEADS_BY_CHANNEL, {"since": since, "include_undated": False}),
            "latest": _rows(db, RECENT_LEADS, {"since": since, "top": int(top)})}

"""Finding entities by what an investigator knows of them: a Chinese name or part of it, an
account number, a resident ID, a credit code. Used by the workbench's entity picker.

The Cypher is :data:`SEARCH_CYPHER` (values only as ``$parameters``): the CJK full-text index
(``graph.schema.FULLTEXT_INDEX``) over names, holder names and texts, plus exact matches on
keys, resident IDs and credit codes, account numbers by prefix, and names by their start (the
CJK analyzer indexes a name as pairs of characters, so a one-character surname such as 王 is
found through the names' range indexes instead).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from core.errors import DatabaseUnavailable, QueryError
from core.settings import load_settings
from graph import schema
from graph.connection import GraphDB
from graph.provenance import node_source_cypher

#: Labels an entity parameter may name when its report does not say.
DEFAULT_KINDS = ("Organization", "Person", "BankAccount")
#: Labels the picker can offer (those in the full-text index or keyed by a number).
SEARCHABLE = ("Organization", "Person", "BankAccount", "Address", "Event", "Lead")

SEARCH_CYPHER = f"""
CALL {{
  CALL db.index.fulltext.queryNodes('{schema.FULLTEXT_INDEX}', $text, {{limit: $scan}}) YIELD node, score
  RETURN node, score
  UNION
  MATCH (node:Organization) WHERE node.key = $raw OR node.credit_code = $raw
  RETURN node, 100.0 AS score
  UNION
  MATCH (node:Person) WHERE node.key = $raw OR node.id_number = $raw
  RETURN node, 100.0 AS score
  UNION
  MATCH (node:BankAccount) WHERE node.key STARTS WITH $account
  RETURN node, 50.0 AS score LIMIT $scan
  UNION
  MATCH (node:Organization) WHERE node.name STARTS WITH $raw
  RETURN node, 5.0 AS score LIMIT $scan
  UNION
  MATCH (node:Person) WHERE node.name STARTS WITH $raw
  RETURN node, 5.0 AS score LIMIT $scan
  UNION
  MATCH (node:BankAccount) WHERE node.holder_name STARTS WITH $raw
  RETURN node, 5.0 AS score LIMIT $scan
}}
WITH node, max(score) AS score
WHERE any(l IN labels(node) WHERE l IN $labels)
RETURN [l IN labels(node) WHERE l IN $labels][0] AS label, node.key AS key,
       coalesce(node.name, node.holder_name, node.text, node.summary, node.key) AS name,
       node.status AS status, node.region AS region, node.credit_code AS credit_code,
       node.id_number AS id_number, node.bank AS bank, node.number AS number,
       node.holder_name AS holder_name, node.kind AS kind, node.district AS district,
       toString(node.date) AS date, node.event_type AS event_type, node.source AS source,
       toString(node.received_on) AS received_on,
       {node_source_cypher('node')}.file AS src_file, score
ORDER BY score DESC, name, key
LIMIT $top
"""

def lucene_terms(text: str) -> str:
    """The words of ``text`` as a Lucene query matching them all, each a quoted phrase (so
    brackets, slashes or a word like AND are searched for, never parsed as syntax)."""
    words = [w.replace("\\", " ").replace('"', " ").strip() for w in re.split(r"\s+", text.strip())]
    return " AND ".join(f'"{w}"' for w in words if w)


def _tail(value: Any, n: int = 4) -> str:
    text = str(value or "")
    return f"…{text[-n:]}" if len(text) > n else text


def detail(row: dict[str, Any]) -> str:
    """What tells this entity apart from another of the same name: ID tail, bank, district."""
    label = row.get("label")
    parts: list[Any]
    if label == "Person":
        parts = [f"ID {_tail(row.get('id_number'))}" if row.get("id_number") else None, row.get("region")]
    elif label == "Organization":
        parts = [row.get("status"), row.get("region"),
                 _tail(row.get("credit_code"), 6) if row.get("credit_code") else None]
    elif label == "BankAccount":
        parts = [row.get("bank"), _tail(row.get("number") or row.get("key")), row.get("holder_name"),
                 row.get("kind") if row.get("kind") not in (None, "bank") else None]
    elif label == "Address":
        parts = [row.get("district")]
    elif label == "Event":
        parts = [row.get("date"), row.get("event_type")]
    elif label == "Lead":
        parts = [row.get("source"), row.get("received_on")]
    else:
        parts = []
    if not any(parts) and row.get("src_file"):  # nothing else tells it apart: where it was read
        source = row["src_file"]
        parts = [f"⟵ {source[0] if isinstance(source, list) and source else source}"]
    return " · ".join(str(p) for p in parts if p)


def search_entities(db: GraphDB, text: str, kinds: Iterable[str] = DEFAULT_KINDS, *,
                    top: int = 20) -> list[dict[str, Any]]:
    """Entities of the given labels matching ``text``, best first: ``label, key, name,
    detail, score``. A blank text finds nothing."""
    labels = [k for k in kinds if k in SEARCHABLE] or list(DEFAULT_KINDS)
    raw = (text or "").strip()
    if not raw:
        return []
    query = lucene_terms(raw)
    account = re.sub(r"[^0-9A-Za-z]", "", raw).upper()
    params = {"text": query or "orgtrace_matches_nothing", "raw": raw, "account": account if len(account) >= 4 else None,
              "labels": labels, "scan": max(top * 5, 50), "top": int(top)}
    try:
        rows = db.read(SEARCH_CYPHER, params, timeout=load_settings().query_timeout)
    except (ServiceUnavailable, SessionExpired) as exc:
        raise DatabaseUnavailable(f"The database stopped answering during the search ({type(exc).__name__}).") from None
    except Neo4jError as exc:  # a Lucene parse error on odd input is the user's text, not a crash
        message = (getattr(exc, "message", None) or str(exc)).splitlines()[0]
        raise QueryError(f"The search for '{raw}' could not run: {message}") from None
    for row in rows:
        row["detail"] = detail(row)
    return [{k: row[k] for k in ("label", "key", "name", "detail", "score")} for row in rows]

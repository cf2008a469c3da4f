"""From the graph to pictures: search, entity profiles, neighbourhoods, structures and traces.

Every query here is a named constant (or a library report run through
:mod:`queries.runner`) and takes its values as ``$parameters``. The driver is handed in.
Results come back in the ``{nodes, edges}`` shape :func:`visual.network.network_html` draws
(the shape :func:`queries.runner.build_graph` returns, plus each node's ``key``, its hub
score as ``size`` and its linked group as ``group`` when analytics wrote them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Iterable

from neo4j import Query, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError
from neo4j.graph import Node, Path, Relationship

from core.i18n import term
from graph.connection import GraphDB
from graph.provenance import RunSource, files_of, node_source_cypher, run_sources
from graph.schema import PROVENANCE, investigation_labels
from core.auth import Actor
from queries.registry import Report, load_reports
from queries.result import to_plain
from queries.runner import QueryResult, _neo4j_error, build_graph, run_report

Graph = dict[str, list[dict[str, Any]]]

#: Seconds an internal picture query may run.
TIMEOUT_S = 30.0
#: Most neighbour links one neighbourhood query returns (the picture caps further).
NEIGHBOUR_LIMIT = 3000

_LABELS = investigation_labels()
#: One node by its key, whatever its label (one index seek per label, never a scan).
_BY_KEY = "\n  UNION\n  ".join(f"MATCH (n:{label} {{key: k}}) RETURN n" for label in _LABELS)

EXACT_KEY = f"""
UNWIND $keys AS k
CALL (k) {{
  {_BY_KEY}
}}
RETURN labels(n)[0] AS label, n.key AS key,
       coalesce(n.name, n.holder_name, n.text, n.summary, n.number) AS name,
       coalesce(n.status, n.bank, n.district, n.event_type, n.source) AS detail, 1.0 AS score
"""

PROFILE = f"""
WITH $key AS k
CALL (k) {{
  {_BY_KEY}
}}
OPTIONAL MATCH (run:LoadRun) WHERE run.key IN coalesce(n.load_runs, [])
WITH n, run ORDER BY run.started_at
RETURN labels(n) AS labels, properties(n) AS props, {node_source_cypher('n')} AS source,
       COUNT {{ (n)--() }} AS degree,
       [r IN collect(run) | r {{.key, .file, .kind, .user, .started_at, .status}}] AS runs
"""

#: One row per (focus node, neighbour, relationship type, direction): parallel transfers
#: summed, so a busy account is one edge per counterparty. Filters are optional ($null =
#: no filter); the time window applies to what has a time (transfers, joining, leading,
#: events) and lets the rest through.
NEIGHBOURHOOD = f"""
UNWIND $keys AS k
CALL (k) {{
  {_BY_KEY}
}}
MATCH (n)-[r]-(m)
WHERE NOT m:LoadRun AND NOT m:SavedReport
  AND ($rel_types IS NULL OR type(r) IN $rel_types)
  AND ($labels IS NULL OR labels(m)[0] IN $labels)
WITH n, r, m, date(coalesce(r.time, r.joined_on, r.since, CASE WHEN m:Event THEN m.date END)) AS day
WHERE day IS NULL OR (($since IS NULL OR day >= $since) AND ($until IS NULL OR day <= $until))
WITH n, m, type(r) AS type, startNode(r) = n AS outgoing,
     count(r) AS count, sum(r.amount) AS amount, min(day) AS first_day, max(day) AS last_day,
     head(collect(r)) AS sample
ORDER BY count DESC
LIMIT $limit
RETURN n, m, type, outgoing, count, amount, first_day, last_day, sample
"""

#: The focus nodes themselves (so a node with no neighbours still shows).
PROFILE_NODES = f"""
UNWIND $keys AS k
CALL (k) {{
  {_BY_KEY}
}}
RETURN n
"""

#: Links among nodes already in a picture (so an expanded view shows how they connect).
LINKS_AMONG = """
MATCH (a)-[r]->(b)
WHERE elementId(a) IN $ids AND elementId(b) IN $ids
  AND ($rel_types IS NULL OR type(r) IN $rel_types)
WITH a, b, type(r) AS type, count(r) AS count, sum(r.amount) AS amount, head(collect(r)) AS sample
RETURN a, b, type, count, amount, sample
LIMIT $limit
"""

#: The money in and out of the accounts an organization holds (and, optionally, of the
#: accounts its leaders hold), by counterparty.
ORG_MONEY = """
MATCH (o:Organization {key: $org})
CALL (o) {
  MATCH (o)-[:HOLDS]->(a:BankAccount) RETURN a, null AS holder
  UNION
  MATCH (o)<-[:LEADS]-(p:Person)-[:HOLDS]->(a:BankAccount) WHERE $leaders RETURN a, p.name AS holder
}
CALL (a) {
  MATCH (a)<-[t:TRANSFER]-(c:BankAccount) RETURN 'in' AS direction, c, t
  UNION ALL
  MATCH (a)-[t:TRANSFER]->(c:BankAccount) RETURN 'out' AS direction, c, t
}
WITH a, holder, direction, c, t
WHERE ($since IS NULL OR date(t.time) >= $since) AND ($until IS NULL OR date(t.time) <= $until)
OPTIONAL MATCH (h)-[:HOLDS]->(c)
WITH direction, a, holder, c, coalesce(h.name, c.holder_name, c.key) AS counterparty,
     count(t) AS transfers, sum(t.amount) AS amount, min(t.time) AS first, max(t.time) AS last
RETURN direction, a.key AS account, holder, c.key AS counterparty_account, counterparty,
       transfers, round(amount, 2) AS amount, toString(date(first)) AS first, toString(date(last)) AS last
ORDER BY direction, amount DESC
LIMIT $limit
"""

#: Who holds each account (for the Sankey between holders).
HOLDERS = """
UNWIND $keys AS k
MATCH (a:BankAccount {key: k})
OPTIONAL MATCH (h)-[:HOLDS]->(a)
WITH a, head(collect(h)) AS h
RETURN a.key AS account, coalesce(h.name, a.holder_name, a.key) AS holder, h.key AS holder_key,
       labels(h)[0] AS holder_label
"""


def _read(db: GraphDB, cypher: str, params: dict[str, Any], timeout: float = TIMEOUT_S) -> list[Any]:
    """Raw records (nodes stay nodes) from a read transaction; errors become sentences."""
    try:
        records, _, _ = db.driver.execute_query(Query(cypher, timeout=timeout), params,
                                                database_=db.database, routing_=RoutingControl.READ)
        return list(records)
    except (Neo4jError, DriverError) as exc:
        raise _neo4j_error(exc, timeout) from None


# ------------------------------------------------------------------ search and profile

def search_entities(db: GraphDB, text: str, *, top: int = 20,
                    labels: Iterable[str] | None = None, actor: Actor | None = None) -> list[dict[str, Any]]:
    """Entities matching ``text``: an exact key (account number, resident ID, credit code)
    first, then the full-text hits (the ``entity-search`` report, Chinese analyser).

    Each row: ``label, key, name, detail, score``. ``labels`` keeps only those labels.
    """
    text = (text or "").strip()
    if not text:
        return []
    wanted = set(labels) if labels else None
    candidates = {text, text.upper(), "".join(ch for ch in text if ch.isalnum()).upper()}
    rows = [dict(r) for r in _read(db, EXACT_KEY, {"keys": sorted(candidates)})]
    report = load_reports()["entity-search"]
    hits = run_report(db, report, {"text": text, "top": max(top, 1) * (3 if wanted else 1)}, actor=actor)
    seen = {r["key"] for r in rows}
    for row in hits.rows:
        if row["key"] not in seen and row["label"] not in ("LoadRun", "SavedReport"):
            seen.add(row["key"])
            rows.append(row)
    if wanted:
        rows = [r for r in rows if r["label"] in wanted]
    return rows[:top]


def describe(row: dict[str, Any], lang: str = "zh") -> str:
    """One search hit as a line: name · label · a distinguishing detail (key tail)."""
    key = str(row.get("key") or "")
    tail = key[-6:] if len(key) > 6 and not key.startswith("name:") else key.removeprefix("name:")
    parts = [str(row.get("name") or key), term(row.get("label") or "", lang)]
    if row.get("detail"):
        parts.append(str(row["detail"]))
    if tail and tail != parts[0]:
        parts.append(f"…{tail}" if len(key) > 6 and not key.startswith("name:") else tail)
    return " · ".join(parts)


def entity_profile(db: GraphDB, key: str) -> dict[str, Any] | None:
    """A node's label, properties and provenance (file, row, SHA-256, the load runs that wrote it).

    Returns None when no entity has that key.
    """
    records = _read(db, PROFILE, {"key": key})
    if not records:
        return None
    record = records[0]
    props = {k: to_plain(v) for k, v in dict(record["props"]).items()}
    provenance = {k: props.pop(k) for k in list(props) if k in PROVENANCE}
    source = record["source"] or {}      # the first run's file and SHA-256 (by reference)
    provenance["src_file"], provenance["src_sha256"] = source.get("file"), source.get("sha256")
    runs = [{k: to_plain(v) for k, v in run.items()} for run in record["runs"] if run.get("key")]
    return {"label": record["labels"][0], "labels": list(record["labels"]), "key": key,
            "properties": dict(sorted(props.items())), "provenance": provenance, "runs": runs,
            "degree": record["degree"]}


# ------------------------------------------------------------------ nodes and edges for pictures

Sources = dict[str, RunSource]


def _sources(db: GraphDB, values: Iterable[Any]) -> Sources:
    """File name and SHA-256 of every load run the nodes and relationships name (one query)."""
    keys: set[str] = set()
    for value in values:
        if value is None:
            continue
        if value.get("src_run"):
            keys.add(value["src_run"])
        if isinstance(value, Relationship):
            keys.update(value.get("load_runs") or ())
    return run_sources(db, keys)


def _node_entry(node: Node, base: dict[str, Any], lang: str, sources: Sources | None = None) -> dict[str, Any]:
    entry = dict(base)
    entry["key"] = node.get("key")
    if isinstance(node.get("hub_score"), (int, float)):
        entry["size"] = float(node["hub_score"])
    if node.get("group_id") is not None:
        entry["group"] = node["group_id"]
    lines = [f"{term(entry['label'], lang)}: {entry['caption']}"]
    for prop in ("key", "status", "bank", "holder_name", "district", "role", "date", "event_type",
                 "hub_score", "hub_rank", "group_id"):
        if node.get(prop) is not None:
            lines.append(f"{prop}: {to_plain(node[prop])}")
    run = node.get("src_run")
    if run:
        found = (sources or {}).get(run)
        lines.append(f"src: {found.file if found and found.file else run} #{node.get('src_row', '')}")
    entry["title"] = "\n".join(lines)
    return entry


def graph_from_values(values: Iterable[Any], lang: str = "zh", sources: Sources | None = None) -> Graph:
    """``build_graph`` over nodes, relationships and paths, plus keys, hub scores and groups
    (and, given ``sources``, the file each node was first read from)."""
    values = list(values)
    graph = build_graph(values)
    found: dict[str, Node] = {}

    def walk(value: Any) -> None:
        if isinstance(value, Node):
            found[value.element_id] = value
        elif isinstance(value, Relationship):
            for end in (value.start_node, value.end_node):
                if end is not None and dict(end):
                    found.setdefault(end.element_id, end)
        elif isinstance(value, Path):
            for n in value.nodes:
                walk(n)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    for value in values:
        walk(value)
    graph["nodes"] = [_node_entry(found[n["id"]], n, lang, sources) if n["id"] in found else n
                      for n in graph["nodes"]]
    return graph


def _link_edge(sample: Relationship, source: str, target: str, count: int, amount: float | None,
               first: Any = None, last: Any = None, sources: Sources | None = None) -> dict[str, Any]:
    edge = build_graph([sample])["edges"][0]
    edge.update(source=source, target=target, count=count)
    if amount is not None and sample.type == "TRANSFER":
        edge["amount"] = float(amount)
        if count > 1:
            span = f" {first}…{last}" if first and last and first != last else ""
            edge["caption"] = f"¥{amount:,.0f} ×{count}"
            edge["title"] = f"{sample.type}: ¥{amount:,.2f}, {count} transfers{span}"
    elif count > 1:
        edge["caption"] = f"{edge['caption']} ×{count}"
    files = files_of(sample.get("load_runs") or [], sources or {})
    if files:
        edge["title"] = (edge.get("title") or f"{sample.type}: {edge['caption']}") + f"\nsrc: {', '.join(map(str, files))}"
    return edge


def neighbourhood(db: GraphDB, keys: Iterable[str], *, labels: Iterable[str] | None = None,
                  rel_types: Iterable[str] | None = None, since: dt.date | None = None,
                  until: dt.date | None = None, limit: int = NEIGHBOUR_LIMIT,
                  lang: str = "zh") -> tuple[Graph, bool]:
    """The nodes one hop from each key (filtered by neighbour label, relationship type and a
    time window), with parallel relationships summed into one edge per neighbour.

    Returns the graph and whether the neighbour links were cut at ``limit``.
    """
    keys = [k for k in dict.fromkeys(keys) if k]
    if not keys:
        return {"nodes": [], "edges": []}, False
    params = {"keys": keys, "labels": sorted(labels) if labels else None,
              "rel_types": sorted(rel_types) if rel_types else None,
              "since": since, "until": until, "limit": int(limit) + 1}
    records = _read(db, NEIGHBOURHOOD, params)
    truncated = len(records) > limit
    records = records[:limit]
    focus = _read(db, PROFILE_NODES, {"keys": keys})
    values = [r["n"] for r in records] + [r["m"] for r in records] + [r["n"] for r in focus]
    sources = _sources(db, values + [r["sample"] for r in records])
    graph = graph_from_values(values, lang, sources)
    for r in records:
        n, m = r["n"].element_id, r["m"].element_id
        source, target = (n, m) if r["outgoing"] else (m, n)
        graph["edges"].append(_link_edge(r["sample"], source, target, r["count"], r["amount"],
                                         to_plain(r["first_day"]), to_plain(r["last_day"]), sources))
    return graph, truncated



def links_among(db: GraphDB, graph: Graph, *, rel_types: Iterable[str] | None = None,
                limit: int = NEIGHBOUR_LIMIT) -> Graph:
    """Add the relationships between nodes already in ``graph`` that it does not show yet."""
    ids = [n["id"] for n in graph["nodes"] if not str(n["id"]).startswith("agg:")]
    if len(ids) < 2:
        return graph
    records = _read(db, LINKS_AMONG, {"ids": ids, "rel_types": sorted(rel_types) if rel_types else None,
                                      "limit": int(limit)})
    have = {(e["source"], e["target"], e["type"]) for e in graph["edges"]}
    edges = list(graph["edges"])
    sources = _sources(db, [r["sample"] for r in records])
    for r in records:
        k = (r["a"].element_id, r["b"].element_id, r["type"])
        if k not in have:
            have.add(k)
            edges.append(_link_edge(r["sample"], k[0], k[1], r["count"], r["amount"], sources=sources))
    return {"nodes": graph["nodes"], "edges": edges}


def merge_graphs(*graphs: Graph) -> Graph:
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for g in graphs:
        for n in g["nodes"]:
            nodes.setdefault(n["id"], n)
        for e in g["edges"]:
            edges.setdefault((e["source"], e["target"], e["type"]), e)
    return {"nodes": list(nodes.values()), "edges": list(edges.values())}


# ------------------------------------------------------------------ organization structure

def org_structure(db: GraphDB, org: str, lang: str = "zh", *,
                  actor: Actor | None = None) -> tuple[QueryResult, Graph]:
    """The ``org-structure`` report (rows for the tables) and its picture with keys and scores."""
    report = load_reports()["org-structure"]
    result = run_report(db, report, {"org": org}, actor=actor)
    # The report's picture is drawn from its link paths; keys and scores come from a second
    # look at the same nodes.
    graph = result.graph or {"nodes": [], "edges": []}
    ids = [n["id"] for n in graph["nodes"]]
    if ids:
        nodes = _read(db, "MATCH (n) WHERE elementId(n) IN $ids RETURN n", {"ids": ids})
        by_id = {r["n"].element_id: r["n"] for r in nodes}
        sources = _sources(db, by_id.values())
        graph = {"nodes": [_node_entry(by_id[n["id"]], n, lang, sources) if n["id"] in by_id else n
                           for n in graph["nodes"]],
                 "edges": graph["edges"]}
    return result, graph


def org_money(db: GraphDB, org: str, *, leaders: bool = True, since: dt.date | None = None,
              until: dt.date | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Money in and out of the organization's accounts (and its leaders'), by counterparty."""
    return [{k: to_plain(v) for k, v in dict(r).items()}
            for r in _read(db, ORG_MONEY, {"org": org, "leaders": leaders, "since": since,
                                           "until": until, "limit": int(limit)})]


# ------------------------------------------------------------------ fund flow

def trace_report(start: str, *, direction: str = "downstream", max_hops: int = 3,
                 min_amount: float = 0.0, since: dt.date | None = None, until: dt.date | None = None,
                 within_days: int = 30) -> tuple[Report, dict[str, Any]]:
    """The fund-flow report a trace runs and its parameters (the evidence package reuses them)."""
    if direction not in ("downstream", "upstream"):
        raise ValueError(direction)
    report = load_reports()[f"fund-flow-{direction}"]
    params: dict[str, Any] = {"start" if direction == "downstream" else "target": start, "max_hops": max_hops,
                              "min_amount": min_amount, "within_days": within_days}
    if since:
        params["from"] = since
    if until:
        params["to"] = until
    return report, params


def trace(db: GraphDB, start: str, *, direction: str = "downstream", max_hops: int = 3,
          min_amount: float = 0.0, since: dt.date | None = None, until: dt.date | None = None,
          within_days: int = 30, limit: int = 2000, lang: str = "zh",
          actor: Actor | None = None) -> tuple[QueryResult, Graph]:
    """The fund-flow report (``fund-flow-downstream`` or ``-upstream``) from an account or
    holder, and its path picture with parallel transfers kept apart for the table."""
    report, params = trace_report(start, direction=direction, max_hops=max_hops, min_amount=min_amount,
                                  since=since, until=until, within_days=within_days)
    result = run_report(db, report, params, limit=limit, actor=actor)
    graph = result.graph or {"nodes": [], "edges": []}
    keys = [n["id"] for n in graph["nodes"]]
    if keys:
        nodes = _read(db, "MATCH (n) WHERE elementId(n) IN $ids RETURN n", {"ids": keys})
        by_id = {r["n"].element_id: r["n"] for r in nodes}
        sources = _sources(db, by_id.values())
        graph["nodes"] = [_node_entry(by_id[n["id"]], n, lang, sources) if n["id"] in by_id else n
                          for n in graph["nodes"]]
    return result, graph


def transfers_of(result: QueryResult) -> list[dict[str, Any]]:
    """The distinct transfers in a trace's chains: one row per hop (payer, payee, amount, time)."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in result.rows:
        path, amounts, times = row.get("path") or [], row.get("amounts") or [], row.get("times") or []
        for i, (amount, when) in enumerate(zip(amounts, times)):
            payer, payee = path[i], path[i + 1]
            k = (payer, payee, amount, when)
            if k not in seen:
                seen[k] = {"payer": payer, "payee": payee, "amount": amount, "time": when, "hop": i + 1}
    return sorted(seen.values(), key=lambda r: (str(r["time"]), r["hop"]))


def holders(db: GraphDB, accounts: Iterable[str]) -> dict[str, dict[str, Any]]:
    """account key -> {holder, holder_key, holder_label} (the holder's name, else the account's)."""
    keys = sorted({a for a in accounts if a})
    if not keys:
        return {}
    return {r["account"]: dict(r) for r in _read(db, HOLDERS, {"keys": keys})}


def holder_flows(transfers: list[dict[str, Any]], who: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Money between holders (for the Sankey): ``source, target, amount, transfers``; money a
    holder moves between their own accounts is left out."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for tr in transfers:
        a = who.get(tr["payer"], {}).get("holder") or tr["payer"]
        b = who.get(tr["payee"], {}).get("holder") or tr["payee"]
        if a == b:
            continue
        sums[(a, b)][0] += float(tr["amount"] or 0)
        sums[(a, b)][1] += 1
    return [{"source": a, "target": b, "amount": round(v[0], 2), "transfers": int(v[1])}
            for (a, b), v in sorted(sums.items(), key=lambda kv: -kv[1][0])]


#: Organizations to choose from: name contains the text (all when empty), biggest first.
ORGANIZATIONS = """
MATCH (o:Organization)
WHERE $text = '' OR o.name CONTAINS $text OR o.key = $text
RETURN o.key AS key, o.name AS name, o.status AS status,
       COUNT { (o)<-[:MEMBER_OF|LEADS]-() } AS people
ORDER BY people DESC, name
LIMIT $limit
"""


def organizations(db: GraphDB, text: str = "", *, limit: int = 300) -> list[dict[str, Any]]:
    """Organizations whose name contains ``text`` (all when empty), the most people first."""
    return [dict(r) for r in _read(db, ORGANIZATIONS, {"text": (text or "").strip(), "limit": int(limit)})]


#: What changes when the data or its analysis changes: the last load and the last analysis.
DATA_STAMP = """
CALL () { MATCH (r:LoadRun) RETURN max(r.finished_at) AS loaded }
CALL () { MATCH (p:Person) WHERE p.analytics_at IS NOT NULL
          RETURN max(p.analytics_at) AS analysed }
RETURN coalesce(toString(loaded), '') + '|' + coalesce(toString(analysed), '') AS stamp
"""


def data_stamp(db: GraphDB) -> str:
    """A text that changes after each load and each analytics run (a cache key for pages)."""
    rows = _read(db, DATA_STAMP, {})
    return str(rows[0]["stamp"]) if rows else ""

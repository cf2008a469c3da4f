"""Projections of the Neo4j graph into networkx graphs: the only analytics module that talks
to Neo4j.

Three projections (issue 11):

1. :func:`people_org_graph` -- people, organizations, events and accounts joined by the
   relationship types listed in ``analytics/settings.yaml`` (``people_org.relationships``),
   LEADS weighted by role.
2. :func:`org_org_graph` -- organization to organization through shared leaders, phones,
   addresses and accounts; each edge has a ``weight`` and ``shared`` (kind -> sorted items).
3. :func:`money_graph` -- money between holders: transfers aggregated per ordered pair of
   holders (``total``, ``count``, ``first``, ``last``); an account with no known holder stays
   as itself (node label ``BankAccount``).

:func:`pull` reads what the three need in one pass of small streamed queries (only the
properties used) into a :class:`Snapshot`; the builders are pure functions of a snapshot, so
tests can build snapshots by hand. Node ids are the entity keys (unique per label, and in
practice across labels); each node has ``label`` and ``name`` attributes.

Scope: the whole graph (``scope=None``), one organization's neighbourhood
(``Scope(org=KEY, hops=N)``: every node within N hops over any relationship but money and
paperwork) or a list of keys (``Scope(keys=[...])``: those nodes and the nodes directly
attached to them); the projections then hold only the scoped nodes, and the money moved by
the scoped accounts.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Iterable, Iterator

import networkx as nx

from analytics.config import analytics_settings
from core.errors import QueryError

# ---- Cypher: every query the analytics run, as named constants ------------------------------

#: Nodes that can take part: key, label, name and the organization facts the analytics use.
#:
#: The whole-graph queries return their rows as one list (``RETURN collect([...]) AS rows``):
#: one Bolt record instead of one per row, which the driver decodes about ten times faster
#: (BENCHMARKS.md, issue 11's speed).
Q_ORGS = """
MATCH (o:Organization) WHERE $keys IS NULL OR o.key IN $keys
RETURN collect([o.key, o.name, o.status, toString(o.registered_on), toString(o.revoked_on),
       EXISTS { (:BlacklistEntry)-[:CONCERNS]->(o) }]) AS rows
"""
Q_PEOPLE = """
MATCH (p:Person) WHERE $keys IS NULL OR p.key IN $keys
RETURN collect([p.key, p.name, coalesce(p.id_valid, false), coalesce(p.blacklisted, false)]) AS rows
"""
Q_BLACKLISTED_PEOPLE = """
MATCH (:BlacklistEntry)-[:LISTS]->(p:Person) WHERE $keys IS NULL OR p.key IN $keys
RETURN collect(DISTINCT p.key) AS rows
"""
#: One relationship type of projection 1 (the type is a checked identifier from the
#: settings file, never user text; see :func:`_rel_query`).
Q_REL_TEMPLATE = """
MATCH (a)-[r:`{type}`]->(b)
WHERE $keys IS NULL OR (a.key IN $keys AND b.key IN $keys)
RETURN collect([a.key, labels(a)[0], coalesce(a.name, a.holder_name, a.key),
                b.key, labels(b)[0], coalesce(b.name, b.holder_name, b.key), r.role]) AS rows
"""
#: Phones and addresses of parties; event addresses count for the organizer.
Q_CONTACTS = """
CALL () {
  MATCH (x)-[:HAS_PHONE]->(ph:Phone) WHERE (x:Person OR x:Organization) AND ($keys IS NULL OR x.key IN $keys)
  RETURN [x.key, 'phone', ph.key, ph.key] AS row
  UNION ALL
  MATCH (x)-[:LOCATED_AT]->(ad:Address) WHERE (x:Person OR x:Organization) AND ($keys IS NULL OR x.key IN $keys)
  RETURN [x.key, 'address', ad.key, ad.text] AS row
  UNION ALL
  MATCH (o:Organization)-[:ORGANIZED]->(:Event)-[:HELD_AT]->(ad:Address) WHERE $keys IS NULL OR o.key IN $keys
  RETURN DISTINCT [o.key, 'address', ad.key, ad.text] AS row
}
RETURN collect(row) AS rows
"""
#: Account holders.
Q_HOLDS = """
MATCH (h)-[:HOLDS]->(a:BankAccount) WHERE $keys IS NULL OR h.key IN $keys OR a.key IN $keys
RETURN collect([a.key, h.key, labels(h)[0], h.name]) AS rows
"""
#: Transfers aggregated per ordered pair of accounts in the database (total and count: what
#: the hub figures and the collection accounts need), as four parallel lists (none of the
#: values can be null, so the lists stay aligned)...
Q_FLOWS = """
MATCH (a:BankAccount)-[t:TRANSFER]->(b:BankAccount)
WHERE $keys IS NULL OR a.key IN $keys OR b.key IN $keys
WITH a, b, sum(t.amount) AS total, count(t) AS n
RETURN collect(a.key) AS a, collect(b.key) AS b, collect(total) AS total, collect(n) AS n
"""
#: ... and with the first and last time (for the money graph, :func:`money_graph`).
Q_FLOWS_TIMES = """
MATCH (a:BankAccount)-[t:TRANSFER]->(b:BankAccount)
WHERE $keys IS NULL OR a.key IN $keys OR b.key IN $keys
WITH a, b, sum(t.amount) AS total, count(t) AS n, min(t.time) AS first, max(t.time) AS last
RETURN collect([a.key, b.key, total, n, toString(first), toString(last)]) AS rows
"""
#: One hop out from a set of keys, over every relationship but money and leads/blacklist
#: paperwork (used to build an organization's N-hop neighbourhood).
Q_HOP = """
MATCH (n)-[r]-(m) WHERE n.key IN $keys AND NOT type(r) IN ['TRANSFER', 'CONCERNS', 'LISTS']
  AND NOT m:LoadRun AND NOT m:SavedReport
RETURN DISTINCT m.key AS key
"""
Q_ORG_EXISTS = "MATCH (o:Organization {key: $key}) RETURN o.key AS key"
Q_KEYS_EXIST = "UNWIND $keys AS k MATCH (n {key: k}) RETURN DISTINCT n.key AS key"

#: Keys of people known by a name alone, scoped to one file (``loaders.keys.person_key``).
NAME_ONLY_PREFIX = "ns:"

_IDENT = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _rel_query(rel_type: str) -> str:
    if not _IDENT.match(rel_type):
        raise QueryError(f"The analytics settings name the relationship type '{rel_type}', which is not "
                         f"an upper-case identifier.")
    return Q_REL_TEMPLATE.replace("{type}", rel_type)


def _stream(db, cypher: str, params: dict[str, Any]) -> Iterator[tuple]:
    """Rows as tuples, streamed from a read session (not collected by the driver first)."""
    with db.driver.session(database=db.database, default_access_mode="READ") as session:
        result = session.run(cypher, params)
        for record in result:
            yield tuple(record.values())


def _rows(db, cypher: str, params: dict[str, Any]) -> list:
    """The rows of a query that returns them as one list (``RETURN collect([...]) AS rows``)."""
    return _columns(db, cypher, params)[0]


def _columns(db, cypher: str, params: dict[str, Any]) -> list[list]:
    """The values of a query's one record (each a list: a column)."""
    with db.driver.session(database=db.database, default_access_mode="READ") as session:
        return session.run(cypher, params).single(strict=True).values()


# ---- what is pulled -------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What to analyse: an organization's N-hop neighbourhood, or a list of keys."""

    org: str | None = None
    hops: int = 2
    keys: tuple[str, ...] = ()


@dataclass
class Snapshot:
    """The records the projections are built from (plain data; tests build them by hand).

    ``orgs``: key -> {name, status, registered_on, revoked_on, blacklisted}; ``people``: key -> {name,
    identified, blacklisted}; ``rels``: (a, a_label, a_name, type, b, b_label, b_name, role);
    ``contacts``: (party key, 'phone'|'address', item key, text); ``holds``: account -> (holder,
    label, name) -- the first holder when several hold it, the others in ``joint_holders``
    as (account, holder); ``flows``: (from account, to account, total, count, first, last)
    per ordered pair of accounts, in no particular order (first and last time are None
    unless pulled with ``flow_times``).
    """

    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    rels: list[tuple] = field(default_factory=list)
    contacts: list[tuple] = field(default_factory=list)
    holds: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    joint_holders: list[tuple[str, str]] = field(default_factory=list)
    flows: list[tuple] = field(default_factory=list)


def scope_keys(db, scope: Scope | Iterable[str] | None) -> list[str] | None:
    """The keys a scope covers (None = the whole graph)."""
    if scope is None:
        return None
    if not isinstance(scope, Scope):
        scope = Scope(keys=tuple(scope))
    if scope.org is not None:
        if not db.read(Q_ORG_EXISTS, {"key": scope.org}):
            raise QueryError(f"No organization has the key '{scope.org}'.")
        keys = {scope.org}
        frontier = {scope.org}
        for _ in range(max(0, scope.hops)):
            found = {row[0] for row in _stream(db, Q_HOP, {"keys": sorted(frontier)})}
            frontier = found - keys
            keys |= found
            if not frontier:
                break
        return sorted(keys)
    keys = sorted(set(scope.keys))
    known = {row["key"] for row in db.read(Q_KEYS_EXIST, {"keys": keys})}
    missing = [k for k in keys if k not in known]
    if missing:
        raise QueryError(f"No node has the key{'s' if len(missing) > 1 else ''} {', '.join(missing[:5])}.")
    # the listed nodes and what is directly attached to them (an organization's people, a
    # person's organizations, accounts, events), so listing organizations ranks their people
    around = {row[0] for row in _stream(db, Q_HOP, {"keys": keys})}
    return sorted(set(keys) | around)


def pull(db, scope: Scope | Iterable[str] | None = None, settings: dict | None = None, *,
         flow_times: bool = False) -> Snapshot:
    """Read the records every projection needs, only the properties used, each query's rows
    in one list (one record: the driver's cost is per record, not per value).

    ``flow_times``: also the first and last time of each account pair's transfers (only the
    money graph, :func:`money_graph`, shows them; the hub figures and groups do not need them).
    """
    settings = settings or analytics_settings()
    keys = scope_keys(db, scope)
    # the money (the one heavy query: every transfer, aggregated in the database) is read in a
    # second session while this one reads the rest: the server answers both at once
    with ThreadPoolExecutor(max_workers=1) as pool:
        money = pool.submit(pull_flows, db, keys, flow_times)
        snap = _pull_parties(db, keys, settings)
        snap.flows = money.result()
    return snap


def pull_flows(db, keys: list[str] | None, flow_times: bool = False) -> list[tuple]:
    """The transfers aggregated per ordered pair of accounts (:attr:`Snapshot.flows`), those
    of the scoped accounts when ``keys`` is given, in no particular order: what is computed
    from them does not depend on their order (sets, exact sums with math.fsum; the money
    graph sorts them itself)."""
    p = {"keys": keys}
    if flow_times:
        return [tuple(row) for row in _rows(db, Q_FLOWS_TIMES, p)]
    src, dst, total, count = _columns(db, Q_FLOWS, p)
    return list(zip(src, dst, total, count, repeat(None), repeat(None)))


def _pull_parties(db, keys: list[str] | None, settings: dict) -> Snapshot:
    """Everything but the flows, sorted: the database returns rows in no fixed order; sorted,
    every graph is built in the same order and every result (Louvain's seeded moves, float
    sums) is the same run after run."""
    p = {"keys": keys}
    snap = Snapshot()
    for key, name, status, reg, rev, black in _rows(db, Q_ORGS, p):
        snap.orgs[key] = {"name": name or key, "status": status, "registered_on": reg, "revoked_on": rev,
                          "blacklisted": bool(black)}
    for key, name, identified, blacklisted in _rows(db, Q_PEOPLE, p):
        snap.people[key] = {"name": name or key, "identified": bool(identified), "blacklisted": bool(blacklisted),
                            "name_only": key.startswith(NAME_ONLY_PREFIX)}
    for rel_type in settings["people_org"]["relationships"]:
        snap.rels += [(a, al, an, rel_type, b, bl, bn, role)
                      for a, al, an, b, bl, bn, role in _rows(db, _rel_query(rel_type), p)]
    snap.contacts = [tuple(row) for row in _rows(db, Q_CONTACTS, p)]
    for key in _rows(db, Q_BLACKLISTED_PEOPLE, p):
        if key in snap.people:
            snap.people[key]["blacklisted"] = True
    for account, holder, label, name in sorted(_rows(db, Q_HOLDS, p), key=lambda r: (r[0], r[1])):
        if account in snap.holds:
            snap.joint_holders.append((account, holder))
        else:
            snap.holds[account] = (holder, label, name or holder)
    snap.orgs = dict(sorted(snap.orgs.items()))
    snap.people = dict(sorted(snap.people.items()))
    snap.rels.sort(key=lambda r: (r[3], r[0], r[4], r[7] or ""))
    snap.contacts.sort(key=lambda r: (r[0], r[1], r[2], r[3] or ""))
    return snap


# ---- the builders (pure) --------------------------------------------------------------------

def role_weight(role: str | None, settings: dict) -> float:
    """The LEADS multiplier of a role (会长 1.0 … 理事 0.4; unknown roles the default)."""
    po = settings["people_org"]
    return float(po["role_weights"].get((role or "").strip(), po["default_role_weight"]))


def people_org_graph(snap: Snapshot, settings: dict | None = None) -> nx.Graph:
    """Projection 1: an undirected weighted graph of people, organizations, events, accounts.

    Parallel relationships between two nodes add up; each edge keeps ``types`` (sorted list)
    and, for LEADS, ``roles``.
    """
    settings = settings or analytics_settings()
    weights = settings["people_org"]["relationships"]
    # nodes and edges gathered in plain dicts first, then handed to networkx in one call each
    # (the same node and adjacency order as adding them one by one, at a fraction of the cost)
    nodes: dict[str, tuple[str, str]] = {}
    for key, org in snap.orgs.items():
        nodes[key] = ("Organization", org["name"])
    for key, person in snap.people.items():
        nodes[key] = ("Person", person["name"])
    lead_weight = {role: role_weight(role, settings) for role in {r[7] for r in snap.rels if r[3] == "LEADS"}}
    edges: dict[tuple[str, str], list] = {}     # (a, b) as first seen -> [weight, types, roles]
    for a, al, an, rel_type, b, bl, bn, role in snap.rels:
        if a not in nodes:
            nodes[a] = (al, an)
        if b not in nodes:
            nodes[b] = (bl, bn)
        w = float(weights[rel_type]) * (lead_weight[role] if rel_type == "LEADS" else 1.0)
        e = edges.get((a, b)) or edges.get((b, a))
        if e is None:
            edges[(a, b)] = [w, {rel_type}, {role} if role else set()]
        else:
            e[0] += w
            e[1].add(rel_type)
            if role:
                e[2].add(role)
    g = nx.Graph(name="people_org")
    g.add_nodes_from((k, {"label": lab, "name": nm}) for k, (lab, nm) in nodes.items())
    g.add_edges_from((a, b, {"weight": w, "types": sorted(types) if len(types) > 1 else list(types),
                             **({"roles": sorted(roles)} if roles else {})})
                     for (a, b), (w, types, roles) in edges.items())
    return g


def collectors(snap: Snapshot, settings: dict | None = None,
               flows: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, int]]:
    """Accounts that collect for an organization: account -> {org key: paying members}.

    An account collects for an organization when at least ``collector_min_payers`` of its
    members (MEMBER_OF) paid into it from accounts they hold, and they are at least
    ``collector_min_share`` of all the accounts paying into it (a shop's or a company's
    account, paid by half the city, collects for no one). ``flows``: :func:`account_flows`
    of the snapshot when already computed (it gives all the accounts paying in).
    """
    settings = settings or analytics_settings()
    flows = account_flows(snap) if flows is None else flows
    min_payers = int(settings["org_org"]["collector_min_payers"])
    min_share = float(settings["org_org"]["collector_min_share"])
    member_orgs: dict[str, set[str]] = defaultdict(set)
    for a, al, _, rel_type, b, bl, _, _ in snap.rels:
        if rel_type == "MEMBER_OF" and al == "Person" and bl == "Organization":
            member_orgs[a].add(b)
    # the organizations whose members hold each account (only accounts of members)
    orgs_of = {acct: member_orgs[h[0]] for acct, h in snap.holds.items() if h[0] in member_orgs}.get
    payers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for src, dst, _, _, _, _ in snap.flows:
        orgs = orgs_of(src)
        if orgs and src != dst:
            for org in orgs:
                payers[(dst, org)].add(src)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for (account, org), who in payers.items():
        if len(who) >= min_payers and len(who) >= min_share * len(flows[account]["payers"]):
            out[account][org] = len(who)
    return dict(out)


def org_org_graph(snap: Snapshot, settings: dict | None = None,
                  flows: dict[str, dict[str, Any]] | None = None) -> nx.Graph:
    """Projection 2: organizations linked by shared leaders, phones, addresses, accounts.

    * leader: a person who LEADS both (or holds another leading role from
      ``people_org.leading_types``); people known by a name alone (``ns:`` keys, e.g. a
      registry's legal representative) link nothing: two organizations whose
      representatives have the same name may have two different people;
    * phone / address: the organization's own, or those of its leaders, where the two
      organizations reach it through different people (a leader they share already counts);
      an address used by more than ``max_orgs_per_address`` organizations is ignored;
    * account: held by the organization or collecting for it (:func:`collectors`; ``flows``
      is :func:`account_flows` of the snapshot when already computed).

    Edge ``weight`` = sum over shared items of the kind's weight; ``shared`` = {kind: sorted
    item texts}. Nodes carry ``name``, ``status``, ``registered_on``, ``revoked_on``.
    """
    settings = settings or analytics_settings()
    oo = settings["org_org"]
    kind_weight = oo["weights"]
    leading = set(settings["people_org"]["leading_types"])
    g = nx.Graph(name="org_org")
    for key, org in snap.orgs.items():
        g.add_node(key, label="Organization", **org)
    leaders: dict[str, set[str]] = defaultdict(set)          # org -> people
    for a, al, _, rel_type, b, bl, _, _ in snap.rels:
        if rel_type in leading and al == "Person" and bl == "Organization" and b in g \
                and not a.startswith(NAME_ONLY_PREFIX):
            leaders[b].add(a)
    contact_of: dict[str, list[tuple[str, str, str]]] = defaultdict(list)   # party -> (kind, item, text)
    for party, kind, item, text in snap.contacts:
        contact_of[party].append((kind, item, text))
    # item -> org -> set of "via" (the org itself or the leader it is reached through)
    reach: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    text_of: dict[tuple[str, str], str] = {}
    for org in g.nodes:
        for kind, item, text in contact_of.get(org, ()):
            reach[(kind, item)][org].add(org)
            text_of[(kind, item)] = text
        for person in leaders.get(org, ()):
            reach[("leader", person)][org].add(person)
            text_of[("leader", person)] = f"{snap.people.get(person, {}).get('name', person)} {person}"
            for kind, item, text in contact_of.get(person, ()):
                reach[(kind, item)][org].add(person)
                text_of[(kind, item)] = text
    for account, holder in [(a, h[0]) for a, h in snap.holds.items()] + snap.joint_holders:
        if holder in g:
            reach[("account", account)][holder].add(holder)
            text_of[("account", account)] = account
    for account, orgs in collectors(snap, settings, flows).items():
        for org in orgs:
            if org in g:
                reach[("account", account)][org].add(account)
                text_of[("account", account)] = account
    max_addr = int(oo["max_orgs_per_address"])
    pairs: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (kind, item), by_org in reach.items():
        if len(by_org) < 2 or (kind == "address" and len(by_org) > max_addr):
            continue
        orgs = sorted(by_org)
        for i, o1 in enumerate(orgs):
            for o2 in orgs[i + 1:]:
                if kind in ("phone", "address"):
                    # reached through the same single person on both sides: that person is
                    # already a shared leader, the phone adds nothing
                    if by_org[o1] == by_org[o2] and len(by_org[o1]) == 1 and not by_org[o1] & {o1, o2}:
                        continue
                pairs[(o1, o2)][kind].add(text_of[(kind, item)])
    for (o1, o2), shared in pairs.items():
        weight = sum(float(kind_weight[k]) * len(v) for k, v in shared.items())
        g.add_edge(o1, o2, weight=weight, shared={k: sorted(v) for k, v in sorted(shared.items())})
    return g


def controllers(snap: Snapshot, people_org: nx.Graph, settings: dict | None = None) -> dict[str, tuple[str, str]]:
    """Holders whose accounts another person controls: holder -> (controller, via).

    A person controls another person's accounts when the two share a phone or an address
    (``hubs.control_via``) and the controller leads more organizations (leading
    relationships, role-weighted) than the holder; with several candidates the one leading
    most wins, a tie means no one is credited (via ``phone`` / ``address``). A suspect
    organization's accounts (see ``hubs.suspect_weights``: revoked, unregistered,
    blacklisted) count toward its head: its one leader with the first role of
    ``hubs.head_roles`` (via ``head``).
    """
    settings = settings or analytics_settings()
    via_kinds = set(settings["hubs"]["control_via"])
    leading = set(settings["people_org"]["leading_types"])
    lead: dict[str, float] = defaultdict(float)
    for a, al, _, rel_type, b, bl, _, role in snap.rels:
        if rel_type in leading and al == "Person" and bl == "Organization":
            lead[a] += role_weight(role, settings) if rel_type == "LEADS" else 1.0
    by_item: dict[tuple[str, str], set[str]] = defaultdict(set)
    for party, kind, item, _ in snap.contacts:
        if kind in via_kinds and party in snap.people:
            by_item[(kind, item)].add(party)
    out: dict[str, tuple[str, str]] = {}
    holders = {h for h, label, _ in snap.holds.values() if label == "Person"}
    candidates: dict[str, dict[str, str]] = defaultdict(dict)
    for (kind, item), people in sorted(by_item.items()):
        if len(people) < 2:
            continue
        for holder in people & holders:
            for other in people - {holder}:
                if lead[other] > lead[holder]:
                    candidates[holder].setdefault(other, kind)
    for holder, cands in candidates.items():
        ranked = sorted(cands, key=lambda c: (-lead[c], c))
        if len(ranked) == 1 or lead[ranked[0]] > lead[ranked[1]]:
            out[holder] = (ranked[0], cands[ranked[0]])
    # a suspect organization's accounts (revoked, unregistered, blacklisted: no lawful
    # organization runs them any more) count toward its head
    head_roles = list(settings["hubs"]["head_roles"])
    suspect = set(settings["hubs"]["suspect_weights"])
    org_holders = {h for h, label, _ in snap.holds.values() if label == "Organization"}
    heads: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for a, al, _, rel_type, b, bl, _, role in snap.rels:
        if (rel_type == "LEADS" and al == "Person" and b in org_holders and (role or "") in head_roles
                and not a.startswith(NAME_ONLY_PREFIX)):
            heads[b].append((head_roles.index(role), a))
    for org, cands in heads.items():
        facts = snap.orgs.get(org, {})
        if (facts.get("status") or "未登记") not in suspect and not facts.get("blacklisted"):
            continue
        cands = sorted(set(cands))
        if len(cands) == 1 or cands[0][0] < cands[1][0]:
            out[org] = (cands[0][1], "head")
    return out


def money_graph(snap: Snapshot) -> nx.DiGraph:
    """Projection 3: money between holders.

    Transfers are aggregated per ordered pair of holders: ``total``, ``count``, ``first``,
    ``last`` and ``accounts`` (the number of account pairs behind it). An account with no
    known holder stays as itself (label ``BankAccount``). Transfers between two accounts of
    the same holder are kept as a self-loop. Each node has ``accounts``: the accounts it holds
    that moved money.
    """
    g = nx.DiGraph(name="money")

    def node(account: str) -> str:
        holder = snap.holds.get(account)
        key, label, name = holder if holder else (account, "BankAccount", account)
        if key not in g:
            g.add_node(key, label=label, name=name, accounts=set())
        g.nodes[key]["accounts"].add(account)
        return key

    for src, dst, total, count, first, last in sorted(snap.flows, key=lambda f: (f[0], f[1])):
        a, b = node(src), node(dst)
        if g.has_edge(a, b):
            e = g.edges[a, b]
            e["total"] += float(total or 0)
            e["count"] += int(count)
            e["accounts"] += 1
            if first and (e["first"] is None or first < e["first"]):
                e["first"] = first
            if last and (e["last"] is None or last > e["last"]):
                e["last"] = last
        else:
            g.add_edge(a, b, total=float(total or 0), count=int(count), first=first, last=last, accounts=1)
    for key in g.nodes:
        g.nodes[key]["accounts"] = sorted(g.nodes[key]["accounts"])
    return g


def account_flows(snap: Snapshot) -> dict[str, dict[str, Any]]:
    """Per account that moved money (to another account): money in and out (exact sums,
    whatever the order of the flows) and the distinct accounts paying in (``payers``);
    accounts in key order."""
    ins: dict[str, list[float]] = defaultdict(list)
    outs: dict[str, list[float]] = defaultdict(list)
    payers: dict[str, set[str]] = defaultdict(set)
    for src, dst, total, _, _, _ in snap.flows:
        if src != dst:
            amount = total or 0.0
            ins[dst].append(amount)
            payers[dst].add(src)
            outs[src].append(amount)
    no_payers: frozenset = frozenset()
    return {acct: {"in": math.fsum(ins.get(acct, ())), "out": math.fsum(outs.get(acct, ())),
                   "payers": payers.get(acct, no_payers)}
            for acct in sorted(ins.keys() | outs.keys())}

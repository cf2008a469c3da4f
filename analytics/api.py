"""The analytics as the command line and the pages use them: projection + pure functions
(+ write-back for :func:`run_all`). Every function takes a :class:`graph.connection.GraphDB`.

* :func:`hub_figures` -- ranked people with component scores and an explanation;
* :func:`linked_groups` -- one row per member organization of each linked group;
* :func:`reformed_pairs` -- re-formed organizations with the shared evidence;
* :func:`possible_matches` -- name-only people who may be identified people;
* :func:`run_all` -- all of the above on the whole graph, written back to Neo4j.

Only :func:`run_all` writes; the others compute from the graph as it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import networkx as nx

from analytics import groups as G, hubs as H, matches as M, projection as P, reformed as R
from analytics.config import analytics_settings

def without_cyclic_gc(fn):
    """Run ``fn`` with Python's cyclic garbage collector paused (reference counting still
    frees everything). A whole-graph analysis creates millions of small objects (rows, sets,
    graph dicts) and none of them in cycles; the collector's repeated passes over them cost
    about a third of the computing time (BENCHMARKS.md)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
    return wrapper


HUB_COLUMNS = ["rank", "key", "label", "name", "score", *H.COMPONENTS, "explanation"]
GROUP_COLUMNS = ["group", "key", "label", "name", "group_size", "shared", "key_persons", "statuses",
                 "money_in", "money_out", "component"]
REFORMED_COLUMNS = ["old_key", "old_name", "new_key", "new_name", "shared", "evidence"]
MATCH_COLUMNS = ["name_only_key", "name", "identified_key", "evidence", "details"]


@dataclass
class Analysis:
    """Everything computed in one pass (the projections and the pure functions' results)."""

    settings: dict[str, Any]
    snap: P.Snapshot
    people_org: nx.Graph
    org_org: nx.Graph
    flows: dict[str, dict[str, Any]]
    groups: list[dict[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)
    _hubs: list[dict[str, Any]] | None = None

    @property
    def org_group(self) -> dict[str, int]:
        return {o: g["group"] for g in self.groups for o in g["members"]}

    def names(self) -> dict[str, str]:
        out = {k: v["name"] for k, v in self.snap.orgs.items()}
        out.update({k: v["name"] for k, v in self.snap.people.items()})
        return out

    @without_cyclic_gc
    def hubs(self) -> list[dict[str, Any]]:
        if self._hubs is None:
            t = time.perf_counter()
            control = P.controllers(self.snap, self.people_org, self.settings)
            held: dict[str, list[str]] = {}
            for account, (holder, _, _) in sorted(self.snap.holds.items()):
                held.setdefault(holder, []).append(account)
            accounts_of = H.controlled_accounts(held, control)
            facts = {k: dict(v) for k, v in self.snap.orgs.items()}
            for pair in reformed_records(self):
                facts[pair["new_key"]]["reformed"] = True
            self._hubs = H.hub_scores(self.people_org, accounts_of=accounts_of, flows=self.flows,
                                      org_group=self.org_group, people=self.snap.people, settings=self.settings,
                                      org_facts=facts)
            self.timings["hubs"] = time.perf_counter() - t
        return self._hubs


@without_cyclic_gc
def analyse(db, scope: P.Scope | Iterable[str] | None = None, settings: dict | None = None) -> Analysis:
    """Pull the projections for ``scope`` and find the linked groups."""
    settings = settings or analytics_settings()
    timings = {}
    t = time.perf_counter()
    snap = P.pull(db, scope, settings)
    timings["pull"] = time.perf_counter() - t
    t = time.perf_counter()
    g1 = P.people_org_graph(snap, settings)
    flows = P.account_flows(snap)
    g2 = P.org_org_graph(snap, settings, flows)
    timings["build"] = time.perf_counter() - t
    t = time.perf_counter()
    gs = settings["groups"]
    eng = settings["engine"]
    found = G.find_groups(g2, min_weight=float(gs["min_link_weight"]), resolution=float(gs["resolution"]),
                          seed=int(gs["seed"]), min_size=int(gs["min_group_size"]), engine=eng["engine"],
                          min_nodes=int(eng["igraph_min_nodes"]))
    timings["groups"] = time.perf_counter() - t
    return Analysis(settings, snap, g1, g2, flows, found, timings)


def _scope(scope) -> P.Scope | None:
    if scope is None or isinstance(scope, P.Scope):
        return scope
    keys = tuple(scope)
    return P.Scope(keys=keys) if keys else None


def hub_rows(a: Analysis, *, top: int | None = 50, lang: str = "zh") -> list[dict[str, Any]]:
    names = a.names()
    rows = []
    for r in a.hubs()[: top if top else None]:
        row = {c: r[c] for c in ("rank", "key", "label", "name", "score", *H.COMPONENTS)}
        row["explanation"] = H.explain(r, names, lang)
        rows.append(row)
    return rows


def hub_figures(db, *, scope=None, top: int = 50, lang: str = "zh") -> list[dict[str, Any]]:
    """Ranked people: ``key, label, name, score``, each component, ``explanation`` (and ``rank``)."""
    return hub_rows(analyse(db, _scope(scope)), top=top, lang=lang)


def _org_money(a: Analysis) -> dict[str, tuple[float, float]]:
    accounts: dict[str, set[str]] = {}
    for account, (holder, label, _) in a.snap.holds.items():
        if label == "Organization":
            accounts.setdefault(holder, set()).add(account)
    for account, orgs in P.collectors(a.snap, a.settings, a.flows).items():
        for org in orgs:
            accounts.setdefault(org, set()).add(account)
    out = {}
    for org, accts in accounts.items():
        out[org] = (math.fsum(a.flows.get(x, {}).get("in", 0.0) for x in accts),
                    math.fsum(a.flows.get(x, {}).get("out", 0.0) for x in accts))
    return out


def group_rows(a: Analysis, *, lang: str = "zh") -> list[dict[str, Any]]:
    leaders: dict[str, list[str]] = {}
    leading = set(a.settings["people_org"]["leading_types"])
    for p, pl, _, t, o, ol, _, _ in a.snap.rels:
        if t in leading and pl == "Person" and ol == "Organization":
            leaders.setdefault(o, []).append(p)
    names = a.names()
    money = _org_money(a)
    rows = []
    for g in a.groups:
        s = G.summarise(a.org_org, g, leaders=leaders, names=names, money=money)
        shared = G.shared_text(s["shared"], lang)
        persons = "、".join(f"{names.get(p, p)}" for p in s["key_persons"][:5]) if lang == "zh" else \
            ", ".join(f"{names.get(p, p)}" for p in s["key_persons"][:5])
        statuses = ("、" if lang == "zh" else ", ").join(f"{k} {v}" for k, v in s["statuses"].items())
        for org in g["members"]:
            rows.append({"group": g["group"], "key": org, "label": "Organization", "name": names.get(org, org),
                         "group_size": len(g["members"]), "shared": shared, "key_persons": persons,
                         "statuses": statuses, "money_in": s["money_in"], "money_out": s["money_out"],
                         "component": g["component"]})
    return rows


def linked_groups(db, *, lang: str = "zh", scope=None) -> list[dict[str, Any]]:
    """One row per member organization: ``group, key, label, name, group_size, shared`` and the
    group's key persons, statuses, money in and out."""
    return group_rows(analyse(db, _scope(scope)), lang=lang)


def _blacklisted_orgs(a: Analysis) -> set[str]:
    if not a.settings["reformed"].get("include_blacklisted", True):
        return set()
    return {k for k, v in a.snap.orgs.items() if v.get("blacklisted")}


def reformed_records(a: Analysis) -> list[dict[str, Any]]:
    rs = a.settings["reformed"]
    return R.reformed_pairs(a.org_org, old_statuses=list(rs["old_statuses"]), blacklisted=_blacklisted_orgs(a),
                            min_shared_leaders=int(rs["min_shared_leaders"]))


def reformed_rows(a: Analysis, *, lang: str = "zh") -> list[dict[str, Any]]:
    return [{"old_key": p["old_key"], "old_name": p["old_name"], "new_key": p["new_key"], "new_name": p["new_name"],
             "shared": p["shared"], "evidence": R.evidence_text(p, lang)} for p in reformed_records(a)]


def reformed_pairs(db, *, lang: str = "zh", scope=None) -> list[dict[str, Any]]:
    """``old_key, old_name, new_key, new_name, shared`` (kinds shared), ``evidence`` (one line)."""
    return reformed_rows(analyse(db, _scope(scope)), lang=lang)


def match_rows(a: Analysis, *, lang: str = "zh") -> list[dict[str, Any]]:
    found = M.possible_matches(a.people_org, a.snap.people, a.snap.contacts,
                               a.settings["matches"]["evidence"])
    zh = {"organization": "同一组织", "phone": "同一电话", "address": "同一地址"}
    rows = []
    for m in found:
        details = ("；" if lang == "zh" else "; ").join(
            (f"{zh[k]}：{'、'.join(v)}" if lang == "zh" else f"same {k}: {', '.join(v)}") for k, v in m["items"].items())
        rows.append({"name_only_key": m["name_only_key"], "name": m["name"], "identified_key": m["identified_key"],
                     "evidence": m["evidence"], "details": details})
    return rows


def possible_matches(db, *, lang: str = "zh", scope=None) -> list[dict[str, Any]]:
    """Name-only people and the identified people they may be, with the evidence; never merged."""
    return match_rows(analyse(db, _scope(scope)), lang=lang)


@without_cyclic_gc
def run_all(db, *, lang: str = "zh") -> dict[str, Any]:
    """Compute everything on the whole graph and write it back (scores, ranks, group ids,
    REFORMED_AS); returns the counts, the run time and the seconds each step took."""
    from analytics import writeback

    t0 = time.perf_counter()
    a = analyse(db)
    hubs = a.hubs()
    t = time.perf_counter()
    pairs = reformed_records(a)
    a.timings["reformed"] = time.perf_counter() - t
    at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    t = time.perf_counter()
    writeback.write_all(db, hubs=hubs, groups=a.groups, pairs=pairs, at=at)
    a.timings["write"] = time.perf_counter() - t
    a.timings["total"] = time.perf_counter() - t0
    return {"analytics_at": at.isoformat(), "people_ranked": len(hubs), "groups": len(a.groups),
            "organizations_in_groups": sum(len(g["members"]) for g in a.groups), "reformed_pairs": len(pairs),
            "top": hub_rows(a, top=5, lang=lang),
            "seconds": {k: round(v, 2) for k, v in a.timings.items()}}

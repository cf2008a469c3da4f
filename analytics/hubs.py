"""Hub figures: who holds an operation together, and why (pure functions of graphs).

The components of the ringleader score, for each ranked person:

* ``leadership`` -- role-weighted leading relationships (LEADS 会长 > 副会长 > 理事 …);
* ``suspect`` -- the same, counting only suspect organizations, each times its weight in
  ``hubs.suspect_weights`` (unregistered, revoked, deregistered, on the blacklist, or the
  new one of a re-formed pair), plus ``blacklist_bonus`` when the person is on the blacklist;
* ``degree`` -- neighbours in the people-organizations projection;
* ``pagerank`` and ``betweenness`` on that projection (betweenness exact below a size
  threshold, sampled with a fixed seed above it);
* ``money_in``, ``money_out`` -- money received / sent by the accounts the person holds
  *or controls* (a relative's account, see :func:`analytics.projection.controllers`);
* ``payers`` -- distinct accounts paying into those accounts.

The ringleader ``score`` is the weighted sum of the components, each divided by its largest
value among the ranked people (weights in ``analytics/settings.yaml``). Every record carries
the facts behind it and a one-line explanation in Chinese and English (:func:`explain`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from analytics import engine as E

COMPONENTS = ("leadership", "suspect", "degree", "pagerank", "betweenness", "money_in", "money_out", "payers")


def pagerank(g: nx.Graph, *, alpha: float = 0.85, engine: str = "auto", min_nodes: int = 500) -> dict[str, float]:
    """Weighted PageRank (``weight`` edge attribute); an empty graph gives ``{}``.

    Examples
    --------
    >>> g = nx.star_graph(3)
    >>> pr = pagerank(g)
    >>> max(pr, key=pr.get)
    0
    """
    return E.pagerank(g, alpha=alpha, engine=engine, min_nodes=min_nodes)


def betweenness(g: nx.Graph, *, exact_max_nodes: int = 5000, samples: int = 500, seed: int = 42,
                engine: str = "auto", min_nodes: int = 500) -> dict[str, float]:
    """Normalised betweenness (hops, unweighted): exact on graphs of at most
    ``exact_max_nodes`` nodes, else estimated from ``samples`` sources drawn with ``seed``
    (deterministic).

    Examples
    --------
    >>> g = nx.path_graph(["a", "b", "c"])
    >>> betweenness(g)["b"]
    1.0
    """
    n = g.number_of_nodes()
    if n <= 2:
        return {v: 0.0 for v in g}
    k = None if n <= exact_max_nodes else min(samples, n)
    return E.betweenness(g, k=k, seed=seed, engine=engine, min_nodes=min_nodes)


def controlled_accounts(money_holders: dict[str, list[str]], control: dict[str, tuple[str, str]]
                        ) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """Accounts each person holds or controls: person -> [(account, relative, via)].

    ``money_holders`` maps holder -> accounts it holds; ``control`` maps a holder to
    (controller, via) as :func:`analytics.projection.controllers` returns. A controlled
    account is listed under its holder (relative ``None``) and under the controller with the
    relative's key and how the control shows (``phone`` / ``address``).

    Examples
    --------
    >>> controlled_accounts({"R": ["1"], "S": ["2"]}, {"S": ("R", "phone")})["R"]
    [('1', None, None), ('2', 'S', 'phone')]
    """
    out: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
    for holder, accounts in money_holders.items():
        for acct in accounts:
            out[holder].append((acct, None, None))
    for holder, (controller, via) in control.items():
        for acct in money_holders.get(holder, ()):
            out[controller].append((acct, holder, via))
    return {k: v if len(v) == 1 else sorted(v, key=lambda t: (t[1] is not None, t[1] or "", t[0]))
            for k, v in out.items()}


def hub_scores(people_org: nx.Graph, *, accounts_of: dict[str, list[tuple[str, str | None, str | None]]],
               flows: dict[str, dict[str, Any]], org_group: dict[str, int], people: dict[str, dict[str, Any]],
               settings: dict, org_facts: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Score and explain every ranked person; records sorted by score (ties by key).

    Parameters
    ----------
    people_org : projection 1 (nodes with ``label`` and ``name``; edges ``weight``, ``types``,
        ``roles``).
    accounts_of : person -> [(account, relative or None, via)] (:func:`controlled_accounts`).
    flows : account -> {"in", "out", "payers", ...}
        (:func:`analytics.projection.account_flows`).
    org_group : organization key -> linked-group number.
    people : person key -> {"name", "blacklisted", ...}.
    settings : the analytics settings.
    org_facts : organization key -> {"status", "blacklisted", ...} (missing: unregistered).

    Returns
    -------
    list of dict
        ``key, label, name, score, rank`` and each component, plus the facts: ``orgs_led``,
        ``groups``, ``relatives``, ``payer_count``, ``money_in_total``, ``money_out_total``,
        ``blacklisted``.

    Examples
    --------
    >>> from analytics.config import analytics_settings
    >>> s = analytics_settings()
    >>> g = nx.Graph()
    >>> g.add_node("R", label="Person", name="R")
    >>> g.add_node("P", label="Person", name="P")
    >>> for o in ("A", "B"):
    ...     g.add_node(o, label="Organization", name=o)
    >>> g.add_edge("R", "A", weight=3.0, types=["LEADS"], roles=["会长"])
    >>> g.add_edge("R", "B", weight=3.0, types=["LEADS"], roles=["会长"])
    >>> g.add_edge("P", "A", weight=0.5, types=["MEMBER_OF"])
    >>> recs = hub_scores(g, accounts_of={"P": [("1", None, None)]},
    ...                   flows={"1": {"in": 0.0, "out": 100.0, "payers": set(), "payees": {"2"}}},
    ...                   org_group={"A": 1, "B": 2}, people={}, settings=s)
    >>> [r["key"] for r in recs], recs[0]["orgs_led"], recs[0]["groups"]
    (['R', 'P'], 2, [1, 2])
    """
    hs = settings["hubs"]
    leading = set(settings["people_org"]["leading_types"])
    ranked_labels = set(hs["labels"])
    org_facts = org_facts or {}
    persons = sorted(v for v, d in people_org.nodes(data=True) if d.get("label") in ranked_labels)
    eng = settings["engine"]
    pr = pagerank(people_org, alpha=float(hs["pagerank_alpha"]), engine=eng["engine"],
                  min_nodes=int(eng["igraph_min_nodes"]))
    bc = betweenness(people_org, exact_max_nodes=int(hs["exact_betweenness_max_nodes"]),
                     samples=int(hs["betweenness_samples"]), seed=int(hs["seed"]), engine=eng["engine"],
                     min_nodes=int(eng["igraph_min_nodes"]))
    suspect_weights = {k: float(v) for k, v in hs["suspect_weights"].items()}
    bonus = float(hs["blacklist_bonus"])
    recs = []
    # the adjacency dict itself (networkx's documented internal ``_adj``): its views cost a
    # Python call per neighbour, which on 100,000 people is seconds
    adj, node_data = people_org._adj, people_org.nodes
    org_nodes = {v for v, d in people_org.nodes(data=True) if d.get("label") == "Organization"}
    # the suspect reason of each organization, worked out once (not once per leader)
    top_reason: dict[str, str | None] = {}
    for o in org_nodes:
        why = suspect_reasons(org_facts.get(o, {}))
        top_reason[o] = max(why, key=lambda r: (suspect_weights.get(r, 0.0), r)) if why else None
    no_accounts: list = []
    for v in persons:
        data = node_data[v]
        leadership, suspect, orgs_led, groups = 0.0, 0.0, 0, set()
        flagged: dict[str, int] = defaultdict(int)
        for o, e in adj[v].items():
            if o not in org_nodes:
                continue
            if o in org_group:
                groups.add(org_group[o])
            types = e["types"]
            if any(t in leading for t in types):
                orgs_led += 1
                w = e["weight"] if "LEADS" in types else 1.0
                leadership += w
                reason = top_reason[o]
                if reason is not None:
                    suspect += w * suspect_weights.get(reason, 0.0)
                    flagged[reason] += 1
        money_in = money_out = 0.0
        relatives: dict[str, str] = {}
        accts = accounts_of.get(v, no_accounts)
        own_count = 0
        payer_count = 0
        if accts:
            mine = {a for a, _, _ in accts}
            payers: set[str] = set()
            for acct, rel, via in accts:
                if rel is None:
                    own_count += 1
                else:
                    relatives[rel] = via or ""
                f = flows.get(acct)
                if not f:
                    continue
                money_in += f["in"]
                money_out += f["out"]
                payers |= f["payers"]
            payer_count = len(payers - mine)
        black = bool(people.get(v, {}).get("blacklisted"))
        if black:
            suspect += bonus
        recs.append({
            "key": v, "label": data.get("label"), "name": data.get("name"),
            "leadership": leadership, "suspect": suspect,
            "flagged_orgs": dict(sorted(flagged.items())) if flagged else {},
            "degree": float(len(adj[v]) + (v in adj[v])), "pagerank": pr.get(v, 0.0),
            "betweenness": bc.get(v, 0.0), "money_in": money_in, "money_out": money_out,
            "payers": float(payer_count),
            "orgs_led": orgs_led, "groups": sorted(groups) if len(groups) > 1 else list(groups),
            "relatives": relatives,
            "own_accounts": own_count, "payer_count": payer_count,
            "money_in_total": round(money_in, 2), "money_out_total": round(money_out, 2),
            "blacklisted": black,
        })
    weights = {c: float(hs["score_weights"].get(c, 0.0)) for c in COMPONENTS}
    top = {c: max((r[c] for r in recs), default=0.0) for c in COMPONENTS}
    for r in recs:
        r["score"] = round(sum(weights[c] * (r[c] / top[c] if top[c] > 0 else 0.0) for c in COMPONENTS), 6)
        for c in COMPONENTS:
            r[c] = round(r[c], 6)
    recs.sort(key=lambda r: (-r["score"], r["key"]))
    for i, r in enumerate(recs, 1):
        r["rank"] = i
    return recs


def suspect_reasons(facts: dict[str, Any]) -> list[str]:
    """Why an organization is suspect: its status (未登记 when it has none: not in the
    registry), 黑名单 when on the blacklist, 重组 when it is the new one of a re-formed pair.

    Examples
    --------
    >>> suspect_reasons({"status": "撤销", "blacklisted": True}), suspect_reasons({"status": "正常"})
    (['撤销', '黑名单'], [])
    """
    out = []
    status = facts.get("status") or "未登记"
    if status in ("未登记", "撤销", "注销"):
        out.append(status)
    if facts.get("blacklisted"):
        out.append("黑名单")
    if facts.get("reformed"):
        out.append("重组")
    return out


def money_text(amount: float, lang: str = "zh") -> str:
    """An amount for a sentence: ¥120万 / ¥1.2亿 in Chinese, ¥1.2M in English.

    Examples
    --------
    >>> money_text(1_200_000), money_text(1_200_000, "en"), money_text(850, "en")
    ('¥120万', '¥1.2M', '¥850')
    """
    if lang == "zh":
        if amount >= 1e8:
            return f"¥{amount / 1e8:.3g}亿"
        if amount >= 1e4:
            return f"¥{amount / 1e4:.4g}万"
        return f"¥{amount:,.0f}"
    if amount >= 1e9:
        return f"¥{amount / 1e9:.3g}B"
    if amount >= 1e6:
        return f"¥{amount / 1e6:.3g}M"
    if amount >= 1e4:
        return f"¥{amount / 1e3:.3g}K"
    return f"¥{amount:,.0f}"


def explain(rec: dict[str, Any], names: dict[str, str], lang: str = "zh") -> str:
    """One line built from the record's facts (never from the score alone).

    Examples
    --------
    >>> rec = {"orgs_led": 3, "payer_count": 340, "money_in_total": 1_200_000.0, "money_out_total": 0.0,
    ...        "groups": [4, 7], "relatives": {"S": "phone"}, "blacklisted": False, "betweenness": 0.0}
    >>> explain(rec, {"S": "张丽"})
    '领导3个组织；其账户收款来自340个账户共¥120万（含共用电话的张丽的账户）；连接第4、7组'
    >>> explain(rec, {"S": "Zhang Li"}, "en")
    'leads 3 organizations; accounts received ¥1.2M from 340 accounts (including those of Zhang Li, who shares a phone); bridges groups 4 and 7'
    """
    zh = lang == "zh"
    parts = []
    if rec["orgs_led"]:
        flagged = rec.get("flagged_orgs") or {}
        en_status = {"未登记": "unregistered", "撤销": "revoked", "注销": "deregistered", "黑名单": "blacklisted",
                     "重组": "re-formed from a revoked one"}
        if zh:
            zh_status = {"重组": "换名重组"}
            detail = "（" + "、".join(f"{n}个{zh_status.get(s, s)}" for s, n in flagged.items()) + "）" if flagged else ""
            parts.append(f"领导{rec['orgs_led']}个组织{detail}")
        else:
            detail = " (" + ", ".join(f"{n} {en_status.get(s, s)}" for s, n in flagged.items()) + ")" if flagged else ""
            parts.append(f"leads {rec['orgs_led']} organization{'s' if rec['orgs_led'] != 1 else ''}{detail}")
    rel = rec.get("relatives") or {}
    rel_text = ""
    if rel:
        via_zh = {"phone": "共用电话的", "address": "共用地址的", "head": "其任负责人的"}
        via_en = {"phone": "who shares a phone", "address": "who shares an address", "head": "which they head"}
        if zh:
            rel_text = "（含" + "、".join(f"{via_zh.get(v, '关联的')}{names.get(k, k)}" for k, v in sorted(rel.items())) + "的账户）"
        else:
            rel_text = " (including those of " + ", ".join(
                f"{names.get(k, k)}, {via_en.get(v, 'linked')}" for k, v in sorted(rel.items())) + ")"
    if rec["money_in_total"] > 0:
        parts.append(f"其账户收款来自{rec['payer_count']}个账户共{money_text(rec['money_in_total'])}{rel_text}" if zh else
                     f"accounts received {money_text(rec['money_in_total'], 'en')} from {rec['payer_count']} "
                     f"account{'s' if rec['payer_count'] != 1 else ''}{rel_text}")
        rel_text = ""
    if rec["money_out_total"] > 0:
        parts.append(f"转出{money_text(rec['money_out_total'])}{rel_text}" if zh else
                     f"sent {money_text(rec['money_out_total'], 'en')}{rel_text}")
    groups = rec.get("groups") or []
    if len(groups) >= 2:
        nums = [str(g) for g in groups]
        parts.append(f"连接第{'、'.join(nums)}组" if zh else
                     f"bridges groups {', '.join(nums[:-1])} and {nums[-1]}")
    elif len(groups) == 1:
        parts.append(f"属第{groups[0]}组" if zh else f"in group {groups[0]}")
    if rec.get("blacklisted"):
        parts.append("已列入黑名单" if zh else "on the blacklist")
    if not parts:
        return "无突出事实" if zh else "no notable facts"
    return ("；" if zh else "; ").join(parts)

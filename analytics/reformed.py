"""Re-formed organizations: a banned one carrying on under a new name (pure functions).

An *old* organization -- its status one of ``reformed.old_statuses`` (撤销, 注销) or on the
blacklist -- and a *newer* one (not itself of those statuses; unregistered, or registered
after the old one ended) linked in projection 2 by at least ``min_shared_leaders`` shared
leaders, or by a shared address, or by a shared account. One definition: the report
``queries/reports/reformed-organizations.cypher`` is its Cypher twin, and
``tests/test_analytics_twin.py`` (every criterion on a hand-made graph) and
``tests/test_analytics_demo.py`` (the demo case) check that the two agree.
"""

from __future__ import annotations

from typing import Any

import networkx as nx


def _newer(old: dict[str, Any], new: dict[str, Any]) -> bool:
    ended = old.get("revoked_on") or old.get("registered_on")
    started = new.get("registered_on")
    return started is None or ended is None or str(started) > str(ended)


def reformed_pairs(org_org: nx.Graph, *, old_statuses: list[str], blacklisted: set[str] | frozenset = frozenset(),
                   min_shared_leaders: int = 2) -> list[dict[str, Any]]:
    """Pairs (old, new) with what they share; sorted by old name, new name.

    Parameters
    ----------
    org_org : projection 2 (nodes with ``name``, ``status``, ``registered_on``,
        ``revoked_on``; edges with ``shared``: kind -> items).
    old_statuses : statuses that make an organization *old* (banned, revoked).
    blacklisted : organizations on the blacklist (old whatever their status).
    min_shared_leaders : how many shared leaders suffice without an address or account.

    Returns
    -------
    list of dict
        ``old_key, old_name, old_status, revoked_on, new_key, new_name, new_status, shared``
        (the kinds, e.g. ``['account', 'address', 'leader']``) and ``items`` (kind -> items).

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_node("o", name="旧会", status="撤销", registered_on="2012-01-01", revoked_on="2022-09-15")
    >>> g.add_node("n", name="新会", status=None, registered_on=None, revoked_on=None)
    >>> g.add_node("x", name="别会", status="正常", registered_on="2010-01-01", revoked_on=None)
    >>> g.add_edge("o", "n", shared={"leader": ["甲 1", "乙 2"]})
    >>> g.add_edge("o", "x", shared={"leader": ["甲 1"]})
    >>> [(p["old_key"], p["new_key"], p["shared"]) for p in reformed_pairs(g, old_statuses=["撤销"])]
    [('o', 'n', ['leader'])]
    """
    out = []
    for old in org_org.nodes:
        od = org_org.nodes[old]
        if od.get("status") not in old_statuses and old not in blacklisted:
            continue
        for new in org_org.neighbors(old):
            nd = org_org.nodes[new]
            if nd.get("status") in old_statuses or new in blacklisted or not _newer(od, nd):
                continue
            shared = org_org.edges[old, new].get("shared", {})
            enough = (len(shared.get("leader", ())) >= min_shared_leaders or shared.get("address")
                      or shared.get("account"))
            if not enough:
                continue
            out.append({"old_key": old, "old_name": od.get("name"), "old_status": od.get("status") or "",
                        "revoked_on": od.get("revoked_on"), "new_key": new, "new_name": nd.get("name"),
                        "new_status": nd.get("status") or "未登记", "shared": sorted(shared),
                        "items": {k: list(v) for k, v in sorted(shared.items())}})
    out.sort(key=lambda p: (p["old_name"] or "", p["new_name"] or "", p["old_key"], p["new_key"]))
    return out


def evidence_text(pair: dict[str, Any], lang: str = "zh") -> str:
    """The shared evidence as one line.

    Examples
    --------
    >>> evidence_text({"items": {"address": ["某路1号"], "leader": ["甲 1", "乙 2"]},
    ...                "old_status": "撤销", "revoked_on": "2022-09-15"}, "en")
    'old one 撤销 on 2022-09-15; shared address: 某路1号; shared leader: 甲 1, 乙 2'
    """
    zh = {"leader": "共同负责人", "address": "共用地址", "account": "共用账户", "phone": "共用电话"}
    parts = []
    if pair.get("old_status"):
        when = pair.get("revoked_on")
        parts.append((f"原组织{pair['old_status']}" + (f"于{when}" if when else "")) if lang == "zh" else
                     (f"old one {pair['old_status']}" + (f" on {when}" if when else "")))
    for kind, items in pair["items"].items():
        parts.append(f"{zh.get(kind, kind)}：{'、'.join(items)}" if lang == "zh" else f"shared {kind}: {', '.join(items)}")
    return ("；" if lang == "zh" else "; ").join(parts)

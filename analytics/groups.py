"""Linked groups: organizations that are really one operation (pure functions of graphs).

On projection 2 (organizations linked by shared leaders, phones, addresses and accounts),
links weaker than ``groups.min_link_weight`` are dropped; the rest is split into connected
components and, inside them, Louvain communities with a fixed seed (networkx's
``louvain_communities``, or igraph's on components of ``engine.igraph_min_nodes`` nodes and
more: :func:`analytics.engine.louvain`): the same graph gives the same groups. Groups are numbered 1, 2, … by size
(largest first), ties by their smallest key, so numbers are stable between runs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import networkx as nx

from analytics import engine as E


def strong_links(org_org: nx.Graph, min_weight: float) -> nx.Graph:
    """The subgraph of links weighing at least ``min_weight`` (nodes without one dropped).

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_edge("a", "b", weight=3.0)
    >>> g.add_edge("b", "c", weight=1.0)
    >>> sorted(strong_links(g, 2.0).nodes)
    ['a', 'b']
    """
    h = nx.Graph()
    for u, v, d in org_org.edges(data=True):
        if d.get("weight", 0.0) >= min_weight:
            for x in (u, v):
                if x not in h:
                    h.add_node(x, **org_org.nodes[x])
            h.add_edge(u, v, **d)
    return h


def find_groups(org_org: nx.Graph, *, min_weight: float = 2.0, resolution: float = 1.0, seed: int = 42,
                min_size: int = 2, engine: str = "auto", min_nodes: int = 500) -> list[dict[str, Any]]:
    """Linked groups: ``[{"group", "component", "members"}]``, numbered by size.

    ``component`` numbers the connected component the group lies in (several Louvain groups
    may share one component).

    Examples
    --------
    Two triangles joined by one weak link are two groups:

    >>> g = nx.Graph()
    >>> for a, b in [("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z")]:
    ...     g.add_edge(a, b, weight=3.0)
    >>> g.add_edge("c", "x", weight=1.0)
    >>> [(gr["group"], gr["members"]) for gr in find_groups(g)]
    [(1, ['a', 'b', 'c']), (2, ['x', 'y', 'z'])]
    """
    strong = strong_links(org_org, min_weight)
    comps = sorted((sorted(c) for c in nx.connected_components(strong)), key=lambda c: (-len(c), c[0]))
    comp_of = {v: i for i, c in enumerate(comps, 1) for v in c}
    found = []
    for comp in comps:
        sub = strong.subgraph(comp)
        if len(comp) <= 3:
            parts = [comp]
        else:
            parts = [sorted(p) for p in E.louvain(nx.Graph(sub), weight="weight", resolution=resolution,
                                                  seed=seed, engine=engine, min_nodes=min_nodes)]
        found += [p for p in parts if len(p) >= min_size]
    found.sort(key=lambda c: (-len(c), c[0]))
    return [{"group": i, "component": comp_of[m[0]], "members": m} for i, m in enumerate(found, 1)]


def summarise(org_org: nx.Graph, group: dict[str, Any], *, leaders: dict[str, list[str]],
              names: dict[str, str], money: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """What a group's members share and what the group is.

    Parameters
    ----------
    org_org : projection 2.
    group : one record of :func:`find_groups`.
    leaders : organization -> people leading it.
    names : key -> display name.
    money : organization -> (money in, money out) of the accounts it holds or that collect
        for it.

    Returns
    -------
    dict
        ``shared`` (kind -> items shared inside the group), ``key_persons`` (people leading
        two or more of the members, most first), ``statuses`` (status -> count),
        ``money_in``, ``money_out``.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_node("a", status="撤销"); g.add_node("b", status=None)
    >>> g.add_edge("a", "b", weight=2.0, shared={"leader": ["张三 P1"], "phone": ["138"]})
    >>> s = summarise(g, {"members": ["a", "b"]}, leaders={"a": ["P1"], "b": ["P1"]},
    ...               names={"P1": "张三"}, money={"a": (10.0, 0.0)})
    >>> s["shared"], s["key_persons"], s["statuses"], s["money_in"]
    ({'leader': ['张三 P1'], 'phone': ['138']}, ['P1'], {'撤销': 1, '未登记': 1}, 10.0)
    """
    members = group["members"]
    shared: dict[str, set[str]] = defaultdict(set)
    sub = org_org.subgraph(members)
    for _, _, d in sub.edges(data=True):
        for kind, items in d.get("shared", {}).items():
            shared[kind].update(items)
    count = Counter(p for o in members for p in set(leaders.get(o, ())))
    key_persons = [p for p, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2]
    statuses = Counter((org_org.nodes[o].get("status") or "未登记") for o in members)
    return {
        "shared": {k: sorted(v) for k, v in sorted(shared.items())},
        "key_persons": key_persons,
        "statuses": dict(sorted(statuses.items())),
        "money_in": round(sum(money.get(o, (0.0, 0.0))[0] for o in members), 2),
        "money_out": round(sum(money.get(o, (0.0, 0.0))[1] for o in members), 2),
    }


def shared_text(shared: dict[str, list[str]], lang: str = "zh", limit: int = 3) -> str:
    """A short line of what is shared: ``共同负责人2名（张三、李四）；共用地址1处（…）``.

    Examples
    --------
    >>> shared_text({"leader": ["张三 K1"], "account": ["6222"]}, "en")
    'shared accounts 1 (6222); shared leaders 1 (张三)'
    """
    zh_kind = {"leader": ("共同负责人", "名"), "phone": ("共用电话", "个"), "address": ("共用地址", "处"),
               "account": ("共用账户", "个")}
    parts = []
    for kind, items in sorted(shared.items()):
        shown = [i.split(" ")[0] if kind == "leader" else i for i in items[:limit]]
        more = "…" if len(items) > limit else ""
        if lang == "zh":
            word, unit = zh_kind.get(kind, (kind, "项"))
            parts.append(f"{word}{len(items)}{unit}（{'、'.join(shown)}{more}）")
        else:
            parts.append(f"shared {kind}{'es' if kind == 'address' else 's'} {len(items)} ({', '.join(shown)}{more})")
    return ("；" if lang == "zh" else "; ").join(parts)

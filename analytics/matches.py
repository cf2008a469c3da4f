"""Possible same-person matches: a name-only person (no valid resident ID, e.g. a registry's
legal representative or an event attendee) and an identified person with the same name and
something in common -- an organization, a phone, an address. Proposed with the evidence,
never merged (pure functions).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx


def _orgs_of(g: nx.Graph, person: str) -> set[str]:
    """Organizations a person is linked to directly, or through an event they attended."""
    out = set()
    for n in g.neighbors(person):
        label = g.nodes[n].get("label")
        if label == "Organization":
            out.add(n)
        elif label == "Event":
            out |= {o for o in g.neighbors(n) if g.nodes[o].get("label") == "Organization"}
    return out


def possible_matches(people_org: nx.Graph, people: dict[str, dict[str, Any]], contacts: list[tuple],
                     evidence_kinds: list[str] | tuple[str, ...] = ("organization", "phone", "address")
                     ) -> list[dict[str, Any]]:
    """Name-only people who may be identified people: ``[{name_only_key, name, identified_key,
    evidence, items}]`` sorted by name and keys.

    Parameters
    ----------
    people_org : projection 1.
    people : person key -> {"name", "identified"}.
    contacts : (party, 'phone'|'address', item, text) rows.
    evidence_kinds : which kinds of evidence count.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_node("O", label="Organization", name="某会")
    >>> g.add_edge("ns:张三", "O"); g.add_edge("110", "O"); g.add_edge("ns:李四", "O")
    >>> people = {"ns:张三": {"name": "张三", "identified": False}, "110": {"name": "张三", "identified": True},
    ...           "ns:李四": {"name": "李四", "identified": False}}
    >>> [(m["name_only_key"], m["identified_key"], m["evidence"]) for m in possible_matches(g, people, [])]
    [('ns:张三', '110', ['organization'])]
    """
    by_name: dict[str, list[str]] = defaultdict(list)
    for key, p in people.items():
        if p.get("identified"):
            by_name[p["name"]].append(key)
    contact: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for party, kind, item, text in contacts:
        if party in people:
            contact[party][(kind, item)] = text
    out = []
    for key in sorted(people):
        p = people[key]
        if p.get("identified") or not by_name.get(p["name"]):
            continue
        orgs = _orgs_of(people_org, key) if key in people_org else set()
        for other in sorted(by_name[p["name"]]):
            items: dict[str, list[str]] = {}
            if "organization" in evidence_kinds and other in people_org:
                common = orgs & _orgs_of(people_org, other)
                if common:
                    items["organization"] = sorted(f"{people_org.nodes[o].get('name', o)}" for o in common)
            for kind in ("phone", "address"):
                if kind in evidence_kinds:
                    common = {k for k in contact[key] if k[0] == kind} & {k for k in contact[other] if k[0] == kind}
                    if common:
                        items[kind] = sorted(contact[key][k] for k in common)
            if items:
                out.append({"name_only_key": key, "name": p["name"], "identified_key": other,
                            "evidence": sorted(items), "items": items})
    out.sort(key=lambda m: (m["name"], m["name_only_key"], m["identified_key"]))
    return out

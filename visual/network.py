"""Offline graph pictures: a self-contained HTML page drawing ``{nodes, edges}`` with pyvis.

The page inlines vis-network from pyvis's own package and uses a template of our own
(``visual/templates/network.html``): pyvis's template links Bootstrap from a CDN even in
its in-line mode, and nothing the workbench shows may fetch anything from outside.

The graph shape is the one :func:`queries.runner.build_graph` returns::

    {"nodes": [{"id", "label", "caption", optional "size", "group", "title", "key"}],
     "edges": [{"source", "target", "type", "caption", optional "title", "count"}]}

``label`` is the schema label (Person, Organization, …) and picks colour and shape from
:data:`LABEL_STYLE`; ``size`` is a weight such as the hub score (scaled within the picture);
``group`` (e.g. ``group_id``) colours the node's fill so a linked group stands out.

Big pictures stay usable: :func:`collapse_fans` folds a large fan (many neighbours of one
label behind one node, each with nothing else attached) into one aggregate node,
:func:`cap_graph` keeps the nodes nearest the focus up to a cap ("showing N of M"), and
the page runs a bounded stabilisation, then switches physics off.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from pathlib import Path
from typing import Any, Iterable

import pyvis
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network

from core.i18n import t, term
from graph.schema import REL_BY_TYPE

Graph = dict[str, list[dict[str, Any]]]

#: Colour and shape per schema label: the one table every picture uses.
LABEL_STYLE: dict[str, dict[str, str]] = {
    "Person": {"color": "#1f77b4", "shape": "dot"},
    "Organization": {"color": "#d62728", "shape": "square"},
    "BankAccount": {"color": "#2ca02c", "shape": "diamond"},
    "Address": {"color": "#9467bd", "shape": "triangle"},
    "Phone": {"color": "#8c564b", "shape": "triangleDown"},
    "Event": {"color": "#ff7f0e", "shape": "star"},
    "Lead": {"color": "#e377c2", "shape": "hexagon"},
    "BlacklistEntry": {"color": "#222222", "shape": "hexagon"},
    "Aggregate": {"color": "#bdbdbd", "shape": "dot"},
}
DEFAULT_STYLE = {"color": "#999999", "shape": "dot"}

#: Fill colours for linked groups (``group_id``), cycled.
GROUP_COLORS = ("#ffd92f", "#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854",
                "#e5c494", "#b3b3b3", "#1b9e77", "#d95f02", "#7570b3", "#e7298a")

#: Node sizes: plain nodes, and the range hub scores (or other weights) are scaled into.
BASE_SIZE, MIN_SIZE, MAX_SIZE = 14, 10, 45
#: Edge captions drawn on the picture up to this many edges (beyond: tooltips only).
EDGE_CAPTION_LIMIT = 150
#: Captions longer than this are cut with an ellipsis (the tooltip keeps the whole text).
CAPTION_CHARS = 18
#: Fan collapsing: more than this many leaf neighbours of one label behind one node.
FAN_THRESHOLD = 25
#: Stabilisation steps: about this many node-steps in all, never fewer than the minimum
#: (1,000 nodes get 100 steps; see BENCHMARKS.md for how long that takes in a browser).
STABILISATION_BUDGET, STABILISATION_MIN = 100_000, 100
#: Default node cap of a picture.
NODE_CAP = 1000

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_PYVIS_TEMPLATES = Path(pyvis.__file__).resolve().parent / "templates"
_ENV = Environment(loader=ChoiceLoader([FileSystemLoader(str(_TEMPLATES)),
                                        FileSystemLoader(str(_PYVIS_TEMPLATES))]),
                   autoescape=select_autoescape(["html"]))


def label_name(label: str, lang: str = "zh") -> str:
    """A node label for people: Chinese from :data:`core.i18n.TERMS`, else the label."""
    if label == "Aggregate":
        return t("graph.aggregate", lang)
    return term(label, lang)


def rel_name(rel_type: str, lang: str = "zh") -> str:
    """A relationship type for people: its Chinese title from the schema, else the type."""
    rel = REL_BY_TYPE.get(rel_type)
    return rel.title_zh if rel is not None and lang == "zh" else rel_type


def _short(text: str) -> str:
    text = str(text)
    return text if len(text) <= CAPTION_CHARS else text[:CAPTION_CHARS - 1] + "…"


# ------------------------------------------------------------------ shaping the graph

def collapse_fans(graph: Graph, *, threshold: int = FAN_THRESHOLD, keep: Iterable[str] = (),
                  lang: str = "zh") -> Graph:
    """Fold each large fan into one aggregate node.

    A fan is more than ``threshold`` neighbours of one label, joined to one hub node by one
    relationship type and direction, that touch nothing else in the picture. They become
    one node ``"<n> <label>"`` whose tooltip lists the first names; nodes in ``keep`` (the
    focus, expanded nodes) are never folded.
    """
    keep = set(keep)
    nodes = {n["id"]: n for n in graph["nodes"]}
    degree: dict[str, int] = defaultdict(int)
    for e in graph["edges"]:
        degree[e["source"]] += 1
        if e["target"] != e["source"]:
            degree[e["target"]] += 1
    fans: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in graph["edges"]:
        for hub, leaf, direction in ((e["source"], e["target"], "out"), (e["target"], e["source"], "in")):
            if leaf == hub or leaf in keep or leaf not in nodes or degree[leaf] != 1:
                continue
            if degree[hub] == 1 and hub not in keep:
                continue  # a lone pair: nothing to fold
            fans[(hub, e["type"], direction, nodes[leaf]["label"])].append(e)
    folded: set[str] = set()
    new_nodes: list[dict[str, Any]] = []
    new_edges: list[dict[str, Any]] = []
    dropped_edges: set[int] = set()
    for (hub, rel_type, direction, label), edges in fans.items():
        leaves = [e["target"] if direction == "out" else e["source"] for e in edges]
        leaves = [leaf for leaf in dict.fromkeys(leaves) if leaf not in folded]
        if len(leaves) <= threshold or hub in folded:
            continue
        folded.update(leaves)
        dropped_edges.update(id(e) for e in edges)
        agg_id = f"agg:{hub}:{rel_type}:{direction}:{label}"
        names = [str(nodes[leaf].get("caption", leaf)) for leaf in leaves]
        listed = "\n".join(names[:20]) + ("\n…" if len(names) > 20 else "")
        new_nodes.append({"id": agg_id, "label": "Aggregate", "caption": f"{len(leaves)} {label_name(label, lang)}",
                          "title": f"{len(leaves)} {label_name(label, lang)} · {rel_name(rel_type, lang)}\n{listed}",
                          "aggregate_of": label, "members": len(leaves)})
        source, target = (hub, agg_id) if direction == "out" else (agg_id, hub)
        new_edges.append({"source": source, "target": target, "type": rel_type,
                          "caption": f"{rel_name(rel_type, lang)} ×{len(leaves)}", "count": len(leaves)})
    if not folded:
        return graph
    return {"nodes": [n for n in graph["nodes"] if n["id"] not in folded] + new_nodes,
            "edges": [e for e in graph["edges"] if id(e) not in dropped_edges] + new_edges}


def cap_graph(graph: Graph, cap: int = NODE_CAP, *, focus: Iterable[str] = ()) -> tuple[Graph, int, int]:
    """Keep at most ``cap`` nodes, nearest the focus first (then the best connected).

    Returns the capped graph, the number of nodes shown and the number there were.
    """
    nodes = {n["id"]: n for n in graph["nodes"]}
    total = len(nodes)
    if total <= cap:
        return graph, total, total
    adjacency: dict[str, list[str]] = defaultdict(list)
    for e in graph["edges"]:
        adjacency[e["source"]].append(e["target"])
        adjacency[e["target"]].append(e["source"])
    by_degree = sorted(nodes, key=lambda n: (-len(adjacency[n]), n))
    starts = [f for f in focus if f in nodes] or by_degree[:1]
    chosen: dict[str, None] = {}
    queue = deque(starts)
    for start in starts:
        chosen[start] = None
    while queue and len(chosen) < cap:
        current = queue.popleft()
        for neighbour in sorted(adjacency[current], key=lambda n: -len(adjacency[n])):
            if neighbour not in chosen and len(chosen) < cap:
                chosen[neighbour] = None
                queue.append(neighbour)
    for n in by_degree:  # parts not connected to the focus
        if len(chosen) >= cap:
            break
        chosen.setdefault(n, None)
    kept = set(chosen)
    return ({"nodes": [nodes[n] for n in chosen],
             "edges": [e for e in graph["edges"] if e["source"] in kept and e["target"] in kept]},
            len(kept), total)


def merge_parallel_edges(graph: Graph, lang: str = "zh") -> Graph:
    """One edge per (source, target, type): many transfers between two accounts become one
    edge captioned with their sum and count."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for e in graph["edges"]:
        k = (e["source"], e["target"], e["type"])
        if k not in merged:
            merged[k] = {**e, "count": e.get("count", 1), "amount": e.get("amount")}
            continue
        m = merged[k]
        m["count"] += e.get("count", 1)
        if e.get("amount") is not None:
            m["amount"] = (m.get("amount") or 0) + e["amount"]
    for m in merged.values():
        if m["count"] > 1:
            if m.get("amount") is not None:
                m["caption"] = f"¥{m['amount']:,.0f} ({m['count']}{t('graph.times', lang)})"
            else:
                m["caption"] = f"{rel_name(m['type'], lang)} ×{m['count']}"
    return {"nodes": graph["nodes"], "edges": list(merged.values())}


# ------------------------------------------------------------------ the page

def _sizes(nodes: list[dict[str, Any]]) -> dict[str, float]:
    weights = {n["id"]: float(n["size"]) for n in nodes if isinstance(n.get("size"), (int, float))}
    if not weights:
        return {}
    low, high = min(weights.values()), max(weights.values())
    span = (high - low) or 1.0
    return {k: MIN_SIZE + (MAX_SIZE - MIN_SIZE) * (w - low) / span for k, w in weights.items()}


def _options(n_nodes: int, *, hierarchical: bool, physics: bool, edge_captions: bool) -> dict[str, Any]:
    big = n_nodes > 300
    options: dict[str, Any] = {
        "nodes": {"font": {"size": 13, "face": "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, sans-serif"},
                  "borderWidth": 1,
                  # labels stay drawn when a fitted picture is zoomed out (vis hides them below 5 px)
                  "scaling": {"label": {"drawThreshold": 3}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "color": {"color": "#9aa4ad", "highlight": "#333333", "inherit": False},
                  "font": {"size": 10, "align": "middle", "strokeWidth": 3},
                  "smooth": False if big or hierarchical else {"type": "continuous"}},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": big,
                        "navigationButtons": False, "multiselect": True},
        "layout": {"randomSeed": 7, "improvedLayout": n_nodes <= 150},
    }
    if hierarchical:
        options["layout"]["hierarchical"] = {"enabled": True, "direction": "UD", "sortMethod": "directed",
                                             "shakeTowards": "roots", "levelSeparation": 140,
                                             "nodeSpacing": 120, "treeSpacing": 160}
        options["physics"] = {"enabled": False}
        return options
    if not physics:
        options["physics"] = {"enabled": False}
        return options
    # Bounded: fewer iterations as the picture grows, so ~1,000 nodes settle in seconds;
    # the page switches physics off when the iterations are done.
    # One batch (updateInterval = iterations): no progress events, no yielding between steps.
    iterations = max(STABILISATION_MIN, min(1000, STABILISATION_BUDGET // max(n_nodes, 1)))
    options["physics"] = {
        "enabled": True, "solver": "barnesHut",
        "barnesHut": {"gravitationalConstant": -3000, "centralGravity": 0.4, "springLength": 95,
                      "springConstant": 0.04, "damping": 0.4, "avoidOverlap": 0.1,
                      "theta": 0.5 if n_nodes <= 300 else 0.8},
        "minVelocity": 1.0,
        "stabilization": {"enabled": True, "iterations": iterations, "updateInterval": iterations, "fit": True},
    }
    return options


def network_html(graph: Graph, *, lang: str = "zh", height: str = "650px", note: str | None = None,
                 hierarchical: bool = False, physics: bool = True) -> str:
    """A self-contained offline HTML page drawing ``graph`` (vis-network inlined, no outside links).

    ``note`` is shown in the corner (e.g. "showing 1,000 of 4,210 nodes"); ``hierarchical``
    lays the graph out top-down (structure pictures). Node captions, labels and tooltips are
    escaped (the data goes in as JSON inside the script).
    """
    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line")
    sizes = _sizes(graph["nodes"])
    groups: dict[Any, str] = {}
    present: dict[str, None] = {}
    for node in graph["nodes"]:
        label = node.get("label") or ""
        style = LABEL_STYLE.get(label, DEFAULT_STYLE)
        present[label] = None
        color: dict[str, Any] = {"background": style["color"], "border": style["color"],
                                 "highlight": {"background": style["color"], "border": "#000000"}}
        border = 1
        if node.get("group") is not None:
            fill = groups.setdefault(node["group"], GROUP_COLORS[len(groups) % len(GROUP_COLORS)])
            color = {"background": fill, "border": style["color"],
                     "highlight": {"background": fill, "border": "#000000"}}
            border = 3
        caption = str(node.get("caption") or node["id"])
        title = node.get("title") or f"{label_name(label, lang)}: {caption}"
        extra: dict[str, Any] = {}
        if label == "Aggregate":
            extra["shapeProperties"] = {"borderDashes": [4, 3]}
            color = {"background": "#eeeeee", "border": "#777777"}
            border = 2
        net.add_node(str(node["id"]), label=_short(caption), title=str(title), shape=style["shape"],
                     color=color, size=sizes.get(node["id"], BASE_SIZE), borderWidth=border, **extra)
    edge_captions = len(graph["edges"]) <= EDGE_CAPTION_LIMIT
    ids = {str(n["id"]) for n in graph["nodes"]}
    for edge in graph["edges"]:
        source, target = str(edge["source"]), str(edge["target"])
        if source not in ids or target not in ids:
            continue
        caption = str(edge.get("caption") or edge.get("type", ""))
        if caption == edge.get("type"):  # a bare type: say it in the interface language
            caption = rel_name(caption, lang)
        title = edge.get("title") or f"{rel_name(edge.get('type', ''), lang)}: {caption}"
        width = 1 + min(4.0, math.log2(edge.get("count") or 1))
        net.add_edge(source, target, title=str(title), width=width,
                     **({"label": _short(caption)} if edge_captions else {}))
    options = _options(len(net.nodes), hierarchical=hierarchical, physics=physics, edge_captions=edge_captions)
    legend = [{"name": label_name(label, lang), "color": LABEL_STYLE.get(label, DEFAULT_STYLE)["color"]}
              for label in present if label]
    return _ENV.get_template("network.html").render(
        lang=lang, height=height, nodes=net.nodes, edges=net.edges, options=options,
        legend=legend, note=note, status_text=t("graph.settling", lang) if options["physics"]["enabled"] else "")


def showing_note(shown: int, total: int, lang: str = "zh") -> str | None:
    """"showing N of M nodes" when the picture was capped, else None."""
    if shown >= total:
        return None
    return t("graph.showing", lang).format(shown=f"{shown:,}", total=f"{total:,}")

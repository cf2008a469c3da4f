"""The picture of a graph result: a deterministic layout shared by SVG (HTML), PDF and PNG."""

from __future__ import annotations

import json
import math
from typing import Any

from exports.common import cell_text
from queries.result import ExportMeta, to_plain

PICTURE_KINDS = ("graph", "paths")
#: Nodes drawn at most in a picture; the rest are left out (and the picture says so).
MAX_PICTURE_NODES = 300
_LAYOUT_SEED = 20240601

_PALETTE = ("#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1",
            "#FF9DA7", "#9C755F", "#BAB0AC")


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _node_key(value: Any) -> str:
    return json.dumps(to_plain(value), sort_keys=True, ensure_ascii=False)


def _picture(meta: ExportMeta) -> dict[str, Any] | None:
    """Deterministic layout of ``meta.graph`` in the unit square, or None when not drawn."""
    if meta.result_kind not in PICTURE_KINDS or not meta.graph:
        return None
    raw_nodes = list(meta.graph.get("nodes") or [])
    raw_edges = list(meta.graph.get("edges") or [])
    nodes: dict[str, dict[str, str]] = {}
    for node in raw_nodes:
        key = _node_key(node.get("id"))
        if key not in nodes:
            label = str(node.get("label") or "")
            caption = node.get("caption")
            caption = cell_text(to_plain(caption)) if caption not in (None, "") else (label or key)
            nodes[key] = {"label": label, "caption": caption}
    for edge in raw_edges:  # an edge may name a node that was not listed
        for end in ("source", "target"):
            key = _node_key(edge.get(end))
            nodes.setdefault(key, {"label": "", "caption": cell_text(to_plain(edge.get(end)))})
    if not nodes:
        return None
    keys = list(nodes)[:MAX_PICTURE_NODES]
    shown = set(keys)
    edges = []
    for edge in raw_edges:
        s, t = _node_key(edge.get("source")), _node_key(edge.get("target"))
        if s in shown and t in shown:
            caption = edge.get("caption")
            edges.append({"source": s, "target": t, "type": str(edge.get("type") or ""),
                          "caption": cell_text(to_plain(caption)) if caption not in (None, "")
                          else str(edge.get("type") or "")})

    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(keys)
    g.add_edges_from((e["source"], e["target"]) for e in edges if e["source"] != e["target"])
    if len(keys) == 1:
        positions = {keys[0]: (0.5, 0.5)}
    else:
        raw = nx.spring_layout(g, seed=_LAYOUT_SEED, iterations=100)
        xs = [float(raw[k][0]) for k in keys]
        ys = [float(raw[k][1]) for k in keys]
        span_x = (max(xs) - min(xs)) or 1.0
        span_y = (max(ys) - min(ys)) or 1.0
        positions = {k: (round((float(raw[k][0]) - min(xs)) / span_x, 4),
                         round((float(raw[k][1]) - min(ys)) / span_y, 4)) for k in keys}
    labels = sorted({nodes[k]["label"] for k in keys})
    colours = {label: _PALETTE[i % len(_PALETTE)] for i, label in enumerate(labels)}
    # parallel edges between one pair are bent apart
    groups: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(edges):
        groups.setdefault(tuple(sorted((e["source"], e["target"]))), []).append(i)
    for pair, members in groups.items():
        m = len(members)
        for j, i in enumerate(members):
            e = edges[i]
            bend = (j - (m - 1) / 2) * 0.35 if m > 1 else 0.0
            e["bend"] = bend if (e["source"], e["target"]) == pair else -bend
            e["loop"] = j
    return {
        "nodes": [{"key": k, "x": positions[k][0], "y": positions[k][1],
                   "label": nodes[k]["label"], "caption": nodes[k]["caption"],
                   "colour": colours[nodes[k]["label"]]} for k in keys],
        "edges": edges,
        "legend": [(label or "（无标签）", colours[label]) for label in labels],
        "omitted": max(0, len(nodes) - len(keys)),
    }


def _edge_geometry(p: tuple[float, float], q: tuple[float, float], bend: float, loop: int,
                   radius: float, arrow: float) -> tuple[list[tuple[float, float]],
                                                         list[tuple[float, float]],
                                                         tuple[float, float]]:
    """Polyline, arrowhead triangle and caption point of one edge, in drawing units."""
    if p == q:  # self-loop: a circle above the node
        r = radius * (1.3 + 0.5 * loop)
        cx, cy = p[0], p[1] - radius - r * 0.8
        pts = [(cx + r * math.cos(a), cy + r * math.sin(a))
               for a in (math.pi * (0.65 + 1.7 * i / 24) for i in range(25))]
    else:
        dx, dy = q[0] - p[0], q[1] - p[1]
        length = math.hypot(dx, dy)
        mx, my = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
        cx, cy = mx - dy / length * bend * length, my + dx / length * bend * length
        samples = [((1 - t) ** 2 * p[0] + 2 * (1 - t) * t * cx + t ** 2 * q[0],
                    (1 - t) ** 2 * p[1] + 2 * (1 - t) * t * cy + t ** 2 * q[1])
                   for t in (i / 48 for i in range(49))]
        pts = [pt for pt in samples
               if math.hypot(pt[0] - p[0], pt[1] - p[1]) >= radius
               and math.hypot(pt[0] - q[0], pt[1] - q[1]) >= radius + 0.1 * radius]
        if len(pts) < 2:
            pts = [samples[0], samples[-1]]
    (ax, ay), (bx, by) = pts[-2], pts[-1]
    seg = math.hypot(bx - ax, by - ay) or 1.0
    ux, uy = (bx - ax) / seg, (by - ay) / seg
    tip = (bx + ux * arrow * 0.2, by + uy * arrow * 0.2)
    base = (tip[0] - ux * arrow, tip[1] - uy * arrow)
    head = [tip, (base[0] - uy * arrow * 0.45, base[1] + ux * arrow * 0.45),
            (base[0] + uy * arrow * 0.45, base[1] - ux * arrow * 0.45)]
    middle = pts[len(pts) // 2]
    if p == q:
        middle = (cx, cy - r)
    return pts, head, middle



def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def render_png(meta: ExportMeta, font_path: Any, *, width: int = 1600, height: int = 1000) -> bytes | None:
    """The picture of ``meta.graph`` as PNG bytes (Pillow, Chinese drawn with ``font_path``),
    the same layout as the HTML and PDF pictures; None when the result has no picture."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    picture = _picture(meta)
    if picture is None:
        return None
    pad, radius, arrow = 160.0, 13.0, 13.0
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_path), 20)
    small = ImageFont.truetype(str(font_path), 16)
    title = ImageFont.truetype(str(font_path), 26)
    draw.text((24, 16), _short(meta.title, 60), fill=(31, 41, 51), font=title)

    def at(node: dict[str, Any]) -> tuple[float, float]:
        return (pad + node["x"] * (width - 2 * pad), 90 + node["y"] * (height - 200))

    where = {n["key"]: at(n) for n in picture["nodes"]}
    for edge in picture["edges"]:
        pts, head, mid = _edge_geometry(where[edge["source"]], where[edge["target"]],
                                        edge["bend"], edge["loop"], radius, arrow)
        draw.line(pts, fill=(154, 165, 177), width=2)
        draw.polygon(head, fill=(154, 165, 177))
        if edge["caption"]:
            draw.text((mid[0], mid[1] - 4), _short(edge["caption"], 16), fill=(82, 96, 109),
                      font=small, anchor="md")
    for node in picture["nodes"]:
        x, y = where[node["key"]]
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=_rgb(node["colour"]),
                     outline=(31, 41, 51), width=1)
        draw.text((x, y + radius + 4), _short(node["caption"]), fill=(31, 41, 51), font=font,
                  anchor="ma")
    x = 24.0
    for label, colour in picture["legend"]:
        draw.ellipse((x, height - 38, x + 16, height - 22), fill=_rgb(colour))
        draw.text((x + 22, height - 30), label, fill=(31, 41, 51), font=small, anchor="lm")
        x += 50 + draw.textlength(label, font=small)
    if picture["omitted"]:
        draw.text((width - 24, height - 30), f"另有 {picture['omitted']} 个节点未画出 "
                  f"{picture['omitted']} more nodes not drawn", fill=(150, 80, 0), font=small,
                  anchor="rm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

"""Exports of a query result: CSV, XLSX, JSON, HTML and PDF, each with its provenance.

Every export carries who ran which Cypher with which parameters, where and when, whether
the rows were cut, and the SHA-256 of the result data (:func:`result_sha256`): the hash of a
canonical JSON of the columns and rows, so equal data always gives the same hash and a
reader can recompute it from the JSON export. Exports are reproducible: the same result
and metadata give byte-identical files (no "exported at" clock, fixed PDF/XLSX dates).

Spreadsheet safety: a text cell that starts with ``= + - @``, a tab or a carriage return
(but is not a plain number such as ``-120.5``) gets a leading apostrophe in CSV and XLSX,
so Excel never runs it as a formula; XLSX cells are also written with ``write_string`` and
``strings_to_formulas=False``.

Chinese in the PDF — the choice
-------------------------------
The PDF is drawn with **fpdf2** (pure Python, on PyPI) and the font comes from
**pylopdf-fonts-zh-cn** (PyPI, a data-only package: Noto Sans SC Regular and Noto Serif SC
from notofonts/noto-cjk, SIL Open Font License 1.1, no dependencies). So ``pip install -r
requirements.txt`` alone gives a fresh machine a Simplified Chinese font; no system font,
no download at run time, nothing to ship in this repository.

* fpdf2 embeds the font as a *subset* (only the glyphs used, a few KB), with a ToUnicode
  map, so the PDF renders anywhere and its text can be searched and copied.
* reportlab was not chosen: its TTF support cannot read CFF-outline OpenType fonts such as
  Noto Sans SC, and its built-in Chinese CID fonts (STSong-Light) are *not embedded* — they
  depend on the reader's Asian font pack.
* The other PyPI font packages looked at were a 33 MB variable Noto CJK collection
  (manimgx-fonts-cjk, too large) and a WenQuanYi Micro Hei copy shipped without its own
  licence text (paperang-p2-fonts-cjk).

When that package is missing, :func:`find_cjk_font` falls back to a font file dropped in
``assets/fonts/`` and then to well-known system CJK fonts (Debian ``fonts-noto-cjk`` /
``fonts-wqy-microhei``, Windows Microsoft YaHei, macOS PingFang); if none holds Chinese
glyphs, the PDF export raises :class:`~core.errors.ExportError` with a sentence saying what
to install. HTML uses the CSS stack :data:`CSS_FONT_STACK`, i.e. the reader's own CJK fonts.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import html
import io
import json
import math
import os
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Any, Callable

from core.errors import ExportError
from core.files import open_private, private_dir
from queries.result import ExportMeta, ResultData, to_plain

FORMATS = ("csv", "xlsx", "json", "html", "pdf")
PICTURE_KINDS = ("graph", "paths")
CSS_FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", '
                  '"PingFang SC", sans-serif')
#: Nodes drawn at most in a picture; the rest are left out (and the picture says so).
MAX_PICTURE_NODES = 300
_LAYOUT_SEED = 20240601

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_ASSET_FONTS = _PROJECT_ROOT / "assets" / "fonts"
#: System fonts tried, in order, when the PyPI font package and assets/fonts/ have none.
SYSTEM_CJK_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)
_FONT_HELP = ("install the Python package pylopdf-fonts-zh-cn (it is in requirements.txt), "
              "or a system Chinese font such as Debian's fonts-noto-cjk or fonts-wqy-microhei")

# Labels shown in HTML, PDF and the XLSX metadata sheet: Chinese first, English after.
_LABELS = {
    "title": "标题 Title",
    "report_id": "报告编号 Report ID",
    "user": "调查人员 User",
    "run_at": "运行时间 Run at",
    "database": "数据库 Database",
    "server": "服务器 Server",
    "result_kind": "结果类型 Result kind",
    "row_count": "行数 Rows",
    "truncated": "是否截断 Truncated",
    "sha256": "结果数据 SHA-256",
    "cypher": "查询语句 Cypher",
    "parameters": "参数 Parameters",
}


# --------------------------------------------------------------------------- values

def _plain_rows(result: ResultData) -> list[dict[str, Any]]:
    """Rows as plain values, keyed by the result's columns in their order (missing = None)."""
    columns = [str(c) for c in result.columns]
    return [{c: to_plain(row.get(c)) if isinstance(row, dict) else None for c in columns}
            for row in result.rows]


def canonical_json(result: ResultData) -> str:
    """The canonical JSON of columns and rows that :func:`result_sha256` hashes."""
    data = {"columns": [str(c) for c in result.columns], "rows": _plain_rows(result)}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def result_sha256(result: ResultData) -> str:
    """SHA-256 (hex) of the result's columns and rows in canonical JSON (UTF-8)."""
    return hashlib.sha256(canonical_json(result).encode("utf-8")).hexdigest()


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would take for a formula (not to plain numbers)."""
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell_text(value: Any) -> str:
    """One plain value as the text shown in a cell: lists and maps as JSON arrays/objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _meta_dict(result: ResultData, meta: ExportMeta, sha: str) -> dict[str, Any]:
    return {
        "title": meta.title,
        "report_id": meta.report_id,
        "user": meta.user,
        "run_at": _iso(meta.run_at),
        "database": meta.database,
        "server": meta.server,
        "cypher": meta.cypher,
        "parameters": to_plain(meta.parameters or {}),
        "result_kind": meta.result_kind,
        "row_count": len(result.rows),
        "truncated": bool(result.truncated),
        "sha256": sha,
        "generator": "OrgTrace",
    }


def _iso(moment: Any) -> str:
    if isinstance(moment, (dt.datetime, dt.date)):
        return moment.isoformat()
    return str(to_plain(moment))


def _parameters_text(meta: ExportMeta) -> str:
    return json.dumps(to_plain(meta.parameters or {}), ensure_ascii=False, indent=2, sort_keys=True)


def _truncated_notice(result: ResultData) -> str:
    n = len(result.rows)
    return (f"结果已截断：只包含前 {n} 行，查询还有更多结果。"
            f" The result was truncated: only the first {n} rows are included.")


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# --------------------------------------------------------------------------- entry point

def export(result: ResultData, meta: ExportMeta, fmt: str, path: str | os.PathLike[str], *,
           font_path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``result`` with ``meta`` to ``path`` as csv, xlsx, json, html or pdf; return the path.

    ``font_path`` (PDF only) names the CJK font file to use instead of :func:`find_cjk_font`.
    The file is written to a temporary name and renamed, so a failed export leaves no
    half-written file. Raises :class:`ExportError` with a sentence for the user.
    """
    kind = (fmt or "").strip().lower().lstrip(".")
    writers: dict[str, Callable[[ResultData, ExportMeta, Path], None]] = {
        "csv": _write_csv, "xlsx": _write_xlsx, "json": _write_json,
        "html": _write_html, "pdf": functools.partial(_write_pdf, font_path=font_path),
    }
    if kind not in writers:
        raise ExportError(f"Cannot export as '{fmt}': choose one of {', '.join(FORMATS)}.")
    target = Path(path)
    try:
        private_dir(target.parent, tighten=False)  # a missing folder is created 0700
    except OSError as exc:
        raise ExportError(f"Cannot write the export to {target.parent}: {exc.strerror or exc}.") from exc
    temp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        open_private(temp, "wb").close()  # born 0600: the writers below reuse the file
        writers[kind](result, meta, temp)
        os.chmod(temp, 0o600)  # in case a library replaced the file
        os.replace(temp, target)
    except ExportError:
        raise
    except OSError as exc:
        raise ExportError(f"Cannot write the {kind.upper()} export to {target}: "
                          f"{exc.strerror or exc}.") from exc
    except Exception as exc:  # a library failure must still reach the user as a sentence
        raise ExportError(f"The {kind.upper()} export failed: {exc}.") from exc
    finally:
        if temp.exists():
            temp.unlink()
    return target


# --------------------------------------------------------------------------- CSV / JSON

def _write_csv(result: ResultData, meta: ExportMeta, path: Path) -> None:
    columns = [str(c) for c in result.columns]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([neutralise(c) for c in columns])
        for row in _plain_rows(result):
            writer.writerow([neutralise(cell_text(row[c])) for c in columns])


def _write_json(result: ResultData, meta: ExportMeta, path: Path) -> None:
    sha = result_sha256(result)
    document = {
        "meta": _meta_dict(result, meta, sha),
        "columns": [str(c) for c in result.columns],
        "rows": _plain_rows(result),
        "row_count": len(result.rows),
        "truncated": bool(result.truncated),
        "sha256": sha,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- XLSX

_EXCEL_SAFE_INT = 10 ** 15  # Excel keeps 15 significant digits; longer integers are text


def _write_xlsx(result: ResultData, meta: ExportMeta, path: Path) -> None:
    import xlsxwriter

    sha = result_sha256(result)
    columns = [str(c) for c in result.columns]
    workbook = xlsxwriter.Workbook(str(path), {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    run_at = meta.run_at
    if isinstance(run_at, dt.datetime) and run_at.tzinfo is not None:
        run_at = run_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    workbook.set_properties({"title": meta.title, "author": meta.user, "subject": meta.report_id,
                             "comments": f"SHA-256 {sha}", "created": run_at})
    bold = workbook.add_format({"bold": True, "bg_color": "#E6ECF5", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    sheet = workbook.add_worksheet("result")
    widths = [min(60, max(8, _display_width(c) + 2)) for c in columns]
    for col, name in enumerate(columns):
        sheet.write_string(0, col, neutralise(name), bold)
    for r, row in enumerate(_plain_rows(result), start=1):
        for col, name in enumerate(columns):
            value = row[name]
            if value is None:
                sheet.write_blank(r, col, None)
            elif isinstance(value, bool):
                sheet.write_boolean(r, col, value)
            elif isinstance(value, (int, float)) and abs(value) < _EXCEL_SAFE_INT:
                sheet.write_number(r, col, value)
            else:
                text = neutralise(cell_text(value))
                sheet.write_string(r, col, text)
                widths[col] = min(60, max(widths[col], _display_width(text[:80]) + 2))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)

    info = workbook.add_worksheet("metadata")
    info.set_column(0, 0, 22)
    info.set_column(1, 1, 100)
    meta_rows = [
        ("title", meta.title), ("report_id", meta.report_id), ("user", meta.user),
        ("run_at", _iso(meta.run_at)), ("database", meta.database), ("server", meta.server),
        ("result_kind", meta.result_kind), ("cypher", meta.cypher),
        ("parameters", _parameters_text(meta)), ("row_count", len(result.rows)),
        ("truncated", bool(result.truncated)), ("sha256", sha),
    ]
    info.write_string(0, 0, "项目 Field", bold)
    info.write_string(0, 1, "值 Value", bold)
    for r, (key, value) in enumerate(meta_rows, start=1):
        info.write_string(r, 0, _LABELS[key])
        if isinstance(value, bool):
            info.write_boolean(r, 1, value)
        elif isinstance(value, int):
            info.write_number(r, 1, value)
        else:
            info.write_string(r, 1, neutralise(str(value)), wrap)
    workbook.close()


# --------------------------------------------------------------------------- picture layout

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


# --------------------------------------------------------------------------- HTML

_CSS = f"""
body {{ font-family: {CSS_FONT_STACK}; color: #1f2933; margin: 24px; line-height: 1.5; }}
h1 {{ font-size: 22px; margin: 0 0 12px; }}
h2 {{ font-size: 16px; margin: 24px 0 8px; border-bottom: 1px solid #d9e2ec; }}
table {{ border-collapse: collapse; font-size: 13px; }}
th, td {{ border: 1px solid #cbd2d9; padding: 4px 8px; text-align: left; vertical-align: top;
          white-space: pre-wrap; word-break: break-word; max-width: 40em; min-width: 4em; }}
thead th {{ background: #e6ecf5; position: sticky; top: 0; }}
table.meta th {{ background: #f5f7fa; width: 11em; }}
pre {{ background: #f5f7fa; border: 1px solid #d9e2ec; padding: 8px; white-space: pre-wrap;
       word-break: break-word; font-family: {CSS_FONT_STACK}; font-size: 13px; }}
.warning {{ background: #fff4e5; border: 1px solid #f0b429; padding: 8px; margin: 12px 0; }}
.sha {{ font-family: monospace; word-break: break-all; }}
svg {{ border: 1px solid #d9e2ec; max-width: 100%; height: auto; background: #fff; }}
svg text {{ font-family: {CSS_FONT_STACK}; }}
footer {{ margin-top: 24px; font-size: 12px; color: #52606d; }}
"""


def _svg(picture: dict[str, Any], width: int = 960, height: int = 600) -> str:
    pad, radius, arrow = 110, 9.0, 9.0

    def at(node: dict[str, Any]) -> tuple[float, float]:
        return (pad + node["x"] * (width - 2 * pad), 40 + node["y"] * (height - 110))

    where = {n["key"]: at(n) for n in picture["nodes"]}
    e = html.escape
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="关系图 graph picture">']
    for edge in picture["edges"]:
        pts, head, mid = _edge_geometry(where[edge["source"]], where[edge["target"]],
                                        edge["bend"], edge["loop"], radius, arrow)
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        tri = " ".join(f"{x:.1f},{y:.1f}" for x, y in head)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#9aa5b1" stroke-width="1.4"/>')
        parts.append(f'<polygon points="{tri}" fill="#9aa5b1"/>')
        if edge["caption"]:
            parts.append(f'<text x="{mid[0]:.1f}" y="{mid[1] - 3:.1f}" font-size="11" '
                         f'fill="#52606d" text-anchor="middle">{e(_short(edge["caption"], 16))}</text>')
    for node in picture["nodes"]:
        x, y = where[node["key"]]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{node["colour"]}" '
                     f'stroke="#1f2933" stroke-width="0.8"><title>{e(node["caption"])}</title></circle>')
        parts.append(f'<text x="{x:.1f}" y="{y + radius + 14:.1f}" font-size="13" fill="#1f2933" '
                     f'text-anchor="middle">{e(_short(node["caption"]))}</text>')
    x = 12.0
    for label, colour in picture["legend"]:
        parts.append(f'<circle cx="{x + 6:.1f}" cy="{height - 16}" r="6" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{height - 11}" font-size="12" fill="#1f2933">'
                     f'{e(label)}</text>')
        x += 30 + 7 * _display_width(label)
    parts.append("</svg>")
    return "\n".join(parts)


def _meta_table_rows(result: ResultData, meta: ExportMeta, sha: str) -> list[tuple[str, str]]:
    return [
        (_LABELS["report_id"], meta.report_id), (_LABELS["user"], meta.user),
        (_LABELS["run_at"], _iso(meta.run_at)), (_LABELS["database"], meta.database),
        (_LABELS["server"], meta.server), (_LABELS["result_kind"], meta.result_kind),
        (_LABELS["row_count"], str(len(result.rows))),
        (_LABELS["truncated"], "是 yes" if result.truncated else "否 no"),
        (_LABELS["sha256"], sha),
    ]


def render_html(result: ResultData, meta: ExportMeta) -> str:
    """The self-contained HTML page (no outside script, style, font or image)."""
    e = html.escape
    sha = result_sha256(result)
    columns = [str(c) for c in result.columns]
    out = io.StringIO()
    w = out.write
    w("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n")
    w("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n")
    w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
    w(f"<meta name=\"generator\" content=\"OrgTrace\">\n<title>{e(meta.title)}</title>\n")
    w(f"<style>{_CSS}</style>\n</head>\n<body>\n")
    w(f"<h1>{e(meta.title)}</h1>\n<table class=\"meta\">\n")
    for label, value in _meta_table_rows(result, meta, sha):
        cls = ' class="sha"' if label == _LABELS["sha256"] else ""
        w(f"<tr><th>{e(label)}</th><td{cls}>{e(value)}</td></tr>\n")
    w("</table>\n")
    if result.truncated:
        w(f"<div class=\"warning\">{e(_truncated_notice(result))}</div>\n")
    w(f"<h2>{e(_LABELS['cypher'])}</h2>\n<pre>{e(meta.cypher)}</pre>\n")
    w(f"<h2>{e(_LABELS['parameters'])}</h2>\n<pre>{e(_parameters_text(meta))}</pre>\n")
    picture = _picture(meta)
    if picture is not None:
        w("<h2>关系图 Picture</h2>\n")
        if picture["omitted"]:
            w(f"<p>图中只画出前 {MAX_PICTURE_NODES} 个节点，另有 {picture['omitted']} 个未画出。"
              f" Only the first {MAX_PICTURE_NODES} nodes are drawn.</p>\n")
        w(_svg(picture) + "\n")
    w(f"<h2>结果 Result（{len(result.rows)} 行 rows）</h2>\n<table class=\"result\">\n<thead><tr>")
    w("".join(f"<th>{e(c)}</th>" for c in columns))
    w("</tr></thead>\n<tbody>\n")
    for row in _plain_rows(result):
        w("<tr>" + "".join(f"<td>{e(cell_text(row[c]))}</td>" for c in columns) + "</tr>\n")
    w("</tbody>\n</table>\n")
    w(f"<footer>OrgTrace · {e(meta.report_id)} · 结果数据 SHA-256: "
      f"<span class=\"sha\">{sha}</span></footer>\n</body>\n</html>\n")
    return out.getvalue()


def _write_html(result: ResultData, meta: ExportMeta, path: Path) -> None:
    path.write_text(render_html(result, meta), encoding="utf-8")


# --------------------------------------------------------------------------- PDF font

def _has_chinese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(str(path), fontNumber=0, lazy=True)
        cmap = font.getBestCmap() or {}
        font.close()
    except Exception:  # unreadable or not a font
        return False
    return all(ord(ch) in cmap for ch in "中华会")


def _packaged_font() -> Path | None:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> Path:
    """The font file the PDF export draws Chinese with.

    Order: Noto Sans SC from the PyPI package pylopdf-fonts-zh-cn; a .otf/.ttf/.ttc file in
    ``assets/fonts/``; the system fonts in :data:`SYSTEM_CJK_FONTS`. Raises
    :class:`ExportError` when none of them holds Chinese characters.
    """
    candidates: list[Path] = []
    packaged = _packaged_font()
    if packaged is not None:
        candidates.append(packaged)
    if _ASSET_FONTS.is_dir():
        candidates += sorted(p for p in _ASSET_FONTS.iterdir()
                             if p.suffix.lower() in (".otf", ".ttf", ".ttc"))
    candidates += [Path(p) for p in SYSTEM_CJK_FONTS]
    for candidate in candidates:
        if candidate.is_file() and _has_chinese(candidate):
            return candidate
    raise ExportError(f"The PDF cannot be made because no font with Chinese characters was found "
                      f"on this computer: {_FONT_HELP}.")


def _resolve_font(font_path: str | os.PathLike[str] | None) -> Path:
    if font_path is None:
        return find_cjk_font()
    path = Path(font_path)
    if not path.is_file():
        raise ExportError(f"The PDF cannot be made because the font file {path} does not exist.")
    if not _has_chinese(path):
        raise ExportError(f"The PDF cannot be made because the font file {path} has no Chinese "
                          f"characters: {_FONT_HELP}.")
    return path


# --------------------------------------------------------------------------- PDF

_FONT = "cjk"
_MM_PER_PT = 25.4 / 72


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _write_pdf(result: ResultData, meta: ExportMeta, path: Path, *,
               font_path: str | os.PathLike[str] | None = None) -> None:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    font_file = _resolve_font(font_path)
    sha = result_sha256(result)

    class _Report(FPDF):
        def footer(self) -> None:  # noqa: D401 - fpdf2 hook
            self.set_y(-10)
            self.set_font(_FONT, size=7)
            self.set_text_color(90, 100, 110)
            self.cell(0, 5, f"OrgTrace · {meta.report_id} · SHA-256 {sha} · "
                            f"第 {self.page_no()}/{{nb}} 页", align="C")
            self.set_text_color(0, 0, 0)

    pdf = _Report(orientation="L", unit="mm", format="A4")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=14)
    pdf.alias_nb_pages()
    try:
        pdf.add_font(_FONT, "", str(font_file))
    except Exception as exc:
        raise ExportError(f"The PDF cannot be made because the font {font_file} could not be "
                          f"read ({exc}): {_FONT_HELP}.") from exc
    if isinstance(meta.run_at, dt.datetime):
        pdf.set_creation_date(meta.run_at)
    pdf.set_title(meta.title)
    pdf.set_author(meta.user)
    pdf.set_subject(f"{meta.report_id} · SHA-256 {sha}")
    pdf.set_creator("OrgTrace")
    pdf.set_lang("zh-CN")
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(_FONT, size=16)
    pdf.multi_cell(width, 8, meta.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    plain_style = FontFace(family=_FONT, emphasis="", size_pt=8)
    label_style = FontFace(family=_FONT, emphasis="", size_pt=8, fill_color=(240, 243, 247))
    pdf.set_font(_FONT, size=8)
    with pdf.table(col_widths=(45, width - 45), first_row_as_headings=False, text_align="LEFT",
                   line_height=4.5, width=width, v_align="TOP", padding=1.2) as table:
        for label, value in _meta_table_rows(result, meta, sha):
            row = table.row()
            row.cell(label, style=label_style)
            row.cell(value, style=plain_style)
    if result.truncated:
        pdf.ln(2)
        pdf.set_fill_color(255, 244, 229)
        pdf.set_text_color(150, 80, 0)
        pdf.multi_cell(width, 5, _truncated_notice(result), fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    def heading(text: str) -> None:
        if pdf.y > pdf.page_break_trigger - 20:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font(_FONT, size=11)
        pdf.cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(217, 226, 236)
        pdf.line(pdf.l_margin, pdf.y, pdf.l_margin + width, pdf.y)
        pdf.set_draw_color(0, 0, 0)
        pdf.ln(1.5)

    def block(text: str) -> None:
        pdf.set_font(_FONT, size=8)
        pdf.set_fill_color(245, 247, 250)
        pdf.multi_cell(width, 4.2, text or " ", fill=True, new_x="LMARGIN", new_y="NEXT")

    heading(_LABELS["cypher"])
    block(meta.cypher)
    heading(_LABELS["parameters"])
    block(_parameters_text(meta))

    picture = _picture(meta)
    if picture is not None:
        box_h = 120.0
        if pdf.y + box_h + 12 > pdf.page_break_trigger:
            pdf.add_page()
        heading("关系图 Picture")
        if picture["omitted"]:
            pdf.set_font(_FONT, size=8)
            pdf.multi_cell(width, 4, f"图中只画出前 {MAX_PICTURE_NODES} 个节点，另有 "
                                     f"{picture['omitted']} 个未画出。 Only the first "
                                     f"{MAX_PICTURE_NODES} nodes are drawn.",
                           new_x="LMARGIN", new_y="NEXT")
        _pdf_picture(pdf, picture, pdf.l_margin, pdf.y, width, box_h)
        pdf.set_y(pdf.y + box_h + 2)

    _pdf_table(pdf, result, width, FontFace,
               lambda: heading(f"结果 Result（{len(result.rows)} 行 rows）"))
    pdf.output(str(path))


def _pdf_picture(pdf: Any, picture: dict[str, Any], left: float, top: float, width: float,
                 height: float) -> None:
    pad, radius, arrow = 28.0, 2.4, 2.4
    pdf.set_draw_color(217, 226, 236)
    pdf.set_line_width(0.2)
    pdf.rect(left, top, width, height)

    def at(node: dict[str, Any]) -> tuple[float, float]:
        return (left + pad + node["x"] * (width - 2 * pad),
                top + 10 + node["y"] * (height - 28))

    where = {n["key"]: at(n) for n in picture["nodes"]}
    pdf.set_line_width(0.3)
    for edge in picture["edges"]:
        pts, head, mid = _edge_geometry(where[edge["source"]], where[edge["target"]],
                                        edge["bend"], edge["loop"], radius, arrow)
        pdf.set_draw_color(154, 165, 177)
        pdf.set_fill_color(154, 165, 177)
        pdf.polyline(pts, style="D")
        pdf.polygon(head, style="F")
        if edge["caption"]:
            pdf.set_font(_FONT, size=6)
            pdf.set_text_color(82, 96, 109)
            text = _short(edge["caption"], 16)
            pdf.text(mid[0] - pdf.get_string_width(text) / 2, mid[1] - 0.8, text)
    pdf.set_line_width(0.2)
    for node in picture["nodes"]:
        x, y = where[node["key"]]
        pdf.set_fill_color(*_hex_rgb(node["colour"]))
        pdf.set_draw_color(31, 41, 51)
        pdf.circle(x, y, radius, style="DF")
        pdf.set_font(_FONT, size=7)
        pdf.set_text_color(31, 41, 51)
        text = _short(node["caption"])
        pdf.text(x - pdf.get_string_width(text) / 2, y + radius + 3.2, text)
    x = left + 4
    pdf.set_font(_FONT, size=7)
    for label, colour in picture["legend"]:
        pdf.set_fill_color(*_hex_rgb(colour))
        pdf.circle(x + 1.5, top + height - 4, 1.5, style="F")
        pdf.text(x + 4.5, top + height - 3, label)
        x += 9 + pdf.get_string_width(label)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)


def _pdf_table(pdf: Any, result: ResultData, width: float, font_face: Any,
               heading: Callable[[], None]) -> None:
    columns = [str(c) for c in result.columns]
    if not columns:
        heading()
        pdf.set_font(_FONT, size=9)
        pdf.cell(width, 6, "（无列）No columns.", new_x="LMARGIN", new_y="NEXT")
        return
    rows = _plain_rows(result)
    texts = [[cell_text(row[c]) for c in columns] for row in rows]
    size = 8.0 if len(columns) <= 8 else 7.0 if len(columns) <= 14 else 6.0
    # column widths follow the content: short columns keep their natural width when they can,
    # the rest of the page is shared by the long ones
    unit = size * _MM_PER_PT * 0.62  # about one half-width character (digits, capitals)
    natural = []
    for i, c in enumerate(columns):
        longest = max([_display_width(c)] + [_display_width(t[i][:120]) for t in texts[:500]])
        natural.append(min(max(longest, 4), 60) * unit + 2.5)
    short = [i for i, w in enumerate(natural) if w <= 36]
    if sum(natural) <= width:
        widths = [width * w / sum(natural) for w in natural]
    elif short and len(short) < len(columns) and sum(natural[i] for i in short) <= width * 0.6:
        rest = width - sum(natural[i] for i in short)
        long_total = sum(w for i, w in enumerate(natural) if i not in short)
        widths = [w if i in short else rest * w / long_total for i, w in enumerate(natural)]
    else:
        widths = [width * w / sum(natural) for w in natural]
    # a cell may be at most ~35 lines high so that one row always fits on a page
    line_h = size * _MM_PER_PT * 1.25
    limits = [max(60, int(w / (size * _MM_PER_PT) * 35)) for w in widths]
    note = "…［已截断，全文见 CSV/JSON 导出 truncated, see CSV/JSON］"
    for text_row in texts:
        for i, text in enumerate(text_row):
            if _display_width(text) > limits[i] * 2 or text.count("\n") > 30:
                text_row[i] = "\n".join(text[:limits[i]].split("\n")[:30]) + note
    heading_style = font_face(family=_FONT, emphasis="", size_pt=size, fill_color=(230, 236, 245))
    body_style = font_face(family=_FONT, emphasis="", size_pt=size)
    pdf.set_font(_FONT, size=size)

    def height(cells: list[str]) -> float:
        lines = [len(pdf.multi_cell(w - 2.2, line_h, t or " ", dry_run=True, output="LINES"))
                 for w, t in zip(widths, cells)]
        return max(lines) * line_h + 2.5

    # keep the heading with the column names and the first row
    needed = 14 + height(columns) + (height(texts[0]) if texts else 0)
    if pdf.y + needed > pdf.page_break_trigger and pdf.y > pdf.t_margin + 1:
        pdf.add_page()
    heading()
    pdf.set_font(_FONT, size=size)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(0, 0, 0)
    with pdf.table(col_widths=tuple(widths), width=width, text_align="LEFT", line_height=line_h,
                   headings_style=heading_style, repeat_headings=1, v_align="TOP",
                   padding=1.0) as table:
        header = table.row()
        for c in columns:
            header.cell(c, style=heading_style)
        for text_row in texts:
            row = table.row()
            for text in text_row:
                row.cell(text, style=body_style)

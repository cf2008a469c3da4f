"""The self-contained HTML export (no outside script, style, font or image)."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

from exports.common import (_LABELS, _display_width, _meta_table_rows, _parameters_text,
                            _plain_rows,
                            _truncated_notice, cell_text, result_sha256)
from exports.picture import MAX_PICTURE_NODES, _edge_geometry, _picture, _short
from queries.result import ExportMeta, ResultData

CSS_FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", '
                  '"PingFang SC", sans-serif')

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


def write_html(result: ResultData, meta: ExportMeta, path: Path) -> None:
    path.write_text(render_html(result, meta), encoding="utf-8")


"""The PDF export (fpdf2, Chinese font embedded as a subset)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable

from core.errors import ExportError
from exports.common import (_LABELS, _display_width, _meta_table_rows, _parameters_text,
                            _plain_rows, _truncated_notice, cell_text, result_sha256)
from exports.fonts import _FONT_HELP, _resolve_font
from exports.picture import MAX_PICTURE_NODES, _edge_geometry, _picture, _short
from queries.result import ExportMeta, ResultData

_FONT = "cjk"
_MM_PER_PT = 25.4 / 72


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def write_pdf(result: ResultData, meta: ExportMeta, path: Path, *,
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

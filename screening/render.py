"""The briefing as HTML, PDF and XLSX, and the public list as PDF; charts drawn offline.

Charts: matplotlib (Agg backend, no display, no network) draws each bar chart once as a PNG
with the same Chinese font the PDF exports embed (:func:`queries.export.find_cjk_font`:
Noto Sans SC from the pylopdf-fonts-zh-cn package). One picture then serves all three
formats: inlined as a data: URL in the HTML, placed in the PDF (fpdf2, font embedded) and
inserted into the XLSX; a hand-drawn SVG would have needed three drawing codes and a
browser-side font for the HTML.
"""

from __future__ import annotations

import functools
import html
import io
import base64
from typing import Any

from core.errors import ExportError

CSS_FONTS = ('"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", '
             '"PingFang SC", sans-serif')
_FONT = "cjk"
_COLOURS = ("#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1")


def _font_path() -> str:
    from queries.export import find_cjk_font  # the one entry point to the fonts

    return str(find_cjk_font())


@functools.lru_cache(maxsize=1)
def _font_properties() -> Any:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import font_manager

    path = _font_path()
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path)


def bar_chart(title: str, items: list[dict[str, Any]], *, horizontal: bool = True,
              width: float = 7.0) -> bytes:
    """A bar chart (PNG bytes) of ``[{name, count}]`` with Chinese labels."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    prop = _font_properties()
    names = [str(i["name"]) for i in items] or ["（无）"]
    values = [float(i["count"]) for i in items] or [0.0]
    height = max(2.2, 0.38 * len(names) + 1.2) if horizontal else 3.6
    fig = Figure(figsize=(width, height), dpi=150)
    ax = fig.add_subplot()
    colours = [_COLOURS[i % len(_COLOURS)] for i in range(len(names))]
    if horizontal:
        bars = ax.barh(range(len(names)), values, color=colours)
        ax.set_yticks(range(len(names)), names, fontproperties=prop, fontsize=8)
        ax.invert_yaxis()
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=3, fontsize=8)
        ax.set_xlim(0, max(values + [1.0]) * 1.15)
    else:
        bars = ax.bar(range(len(names)), values, color=colours)
        ax.set_xticks(range(len(names)), names, fontproperties=prop, fontsize=8, rotation=20, ha="right")
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=2, fontsize=8)
        ax.set_ylim(0, max(values + [1.0]) * 1.15)
    ax.set_title(title, fontproperties=prop, fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


# ------------------------------------------------------------------ briefing sections

def _money(value: float) -> str:
    return f"{value:,.2f}"


def sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The briefing's tables in order: {title, columns, rows, chart (title, items) or None}."""
    t, m = data["totals"], data["money"]
    out = [
        {"title": "一、总体情况", "columns": ["项目", "数量"], "rows": [
            ["筛查标记的组织", t["flagged"]], ["其中未依法登记、被撤销或超范围活动", t["irregular"]],
            ["挑头人物（人员标记）", t["people"]], ["本期受理线索", t["leads"]],
            ["本期新增黑名单人员", t["blacklist_added"]], ["本期处置决定", t["decisions"]]], "chart": None},
        {"title": "二、按重点打击类别", "columns": ["类别", "组织数"],
         "rows": [[c["name"], c["count"]] for c in data["by_class"]],
         "chart": ("按重点打击类别（组织数）", [{"name": f"（{c['class']}）", "count": c["count"]} for c in data["by_class"]])},
        {"title": "三、按登记状态", "columns": ["登记状态", "组织数"],
         "rows": [[c["name"], c["count"]] for c in data["by_status"]], "chart": None},
        {"title": "四、按案件状态", "columns": ["案件状态", "组织数"],
         "rows": [[c["name"], c["count"]] for c in data["by_case_status"]], "chart": None},
        {"title": "五、按区县", "columns": ["区县", "组织数"],
         "rows": [[c["name"], c["count"]] for c in data["by_district"]],
         "chart": ("按区县（组织数）", data["by_district"])},
        {"title": "六、按处置方式", "columns": ["处置方式", "组织数"],
         "rows": [[c["name"], c["count"]] for c in data["by_disposition"]],
         "chart": ("按处置方式（组织数）", data["by_disposition"])},
        {"title": "七、建议处置方式", "columns": ["建议处置", "组织数"],
         "rows": [[c["name"], c["count"]] for c in data["by_suggested"]], "chart": None},
        {"title": "八、本期处置决定", "columns": ["处置方式", "决定数"],
         "rows": [[c["name"], c["count"]] for c in data["decisions"]], "chart": None},
        {"title": "九、本期涉及资金", "columns": ["项目", "数额"], "rows": [
            ["活动场次", m["events"]], ["活动参与人次", m["participants"]],
            ["活动收费及募集金额（元）", _money(m["event_amount"])],
            ["组织账户及成员缴费转账笔数", m["transfers"]],
            ["组织账户及成员缴费转账金额（元）", _money(m["transfer_amount"])],
            ["合计（元）", _money(m["total"])]], "chart": None},
        {"title": "十、本期线索来源", "columns": ["渠道", "线索数"],
         "rows": [[c["name"], c["count"]] for c in data["leads_by_channel"]],
         "chart": ("本期线索来源（条）", data["leads_by_channel"])},
        {"title": "十一、本期新增黑名单", "columns": ["姓名", "列入日期", "原因", "原组织"],
         "rows": [[b["name"], b["listed_on"], b["reason"] or "", b["org_name"] or ""] for b in data["blacklist_added"]],
         "chart": None},
        {"title": "十二、典型案例", "columns": ["组织", "登记状态", "区县", "类别", "评分", "建议处置", "处置", "理由"],
         "rows": [[c["name"], c["status"], c["district"], c["classes"], c["score"], c["suggested"],
                   c["disposition"], c["reasons"]] for c in data["typical_cases"]], "chart": None},
    ]
    return out


def _subtitle(data: dict[str, Any]) -> str:
    run = data.get("run")
    text = f"统计期间：{data['period']['from']} 至 {data['period']['to']}　生成时间：{data['generated_at']}"
    if run:
        text += f"　筛查批次：{run['key']}（{run['at']}）"
    return text


_CSS = ("body{font-family:%s;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #ccd;padding:4px 8px;font-size:13px;vertical-align:top;text-align:left}"
        "th{background:#eef2f7}h1{font-size:22px}"
        "h2{font-size:16px;border-bottom:1px solid #dde;padding-bottom:3px}"
        "img{max-width:720px;width:100%%;display:block}.note{color:#555;font-size:12px}") % CSS_FONTS

NOTE = ("说明：第二至七部分为截至生成时最近一次筛查标记的组织；第八至十一部分为统计期间内发生的情况。"
        "涉及资金包括标记组织在期间内活动的收费及募集金额、其账户的资金往来，以及其成员摘要为会费等的转账。")


def briefing_html(data: dict[str, Any]) -> str:
    """A self-contained HTML page (charts inlined, nothing fetched from outside)."""
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e(data['title'])}</title>",
             f"<style>{_CSS}</style>",
             "</head><body>", f"<h1>{e(data['title'])}</h1>", f"<p class='note'>{e(_subtitle(data))}</p>",
             f"<p class='note'>{e(NOTE)}</p>"]
    for s in sections(data):
        parts.append(f"<h2>{e(s['title'])}</h2>")
        if s["chart"]:
            png = base64.b64encode(bar_chart(*s["chart"])).decode("ascii")
            parts.append(f"<img alt='{e(s['chart'][0])}' src='data:image/png;base64,{png}'>")
        parts.append("<table><tr>" + "".join(f"<th>{e(str(c))}</th>" for c in s["columns"]) + "</tr>")
        for row in s["rows"] or [["（无）"] + [""] * (len(s["columns"]) - 1)]:
            parts.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _pdf(title: str, orientation: str = "P") -> Any:
    from fpdf import FPDF

    class _Doc(FPDF):
        def footer(self) -> None:  # fpdf2 hook
            self.set_y(-10)
            self.set_font(_FONT, size=7)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, f"{title} · 第 {self.page_no()}/{{nb}} 页", align="C")
            self.set_text_color(0, 0, 0)

    pdf = _Doc(orientation=orientation, unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.alias_nb_pages()
    path = _font_path()
    try:
        pdf.add_font(_FONT, "", path)
    except Exception as exc:
        raise ExportError(f"The PDF cannot be made because the font {path} could not be read ({exc}).") from exc
    pdf.set_title(title)
    pdf.set_creator("OrgTrace")
    pdf.set_lang("zh-CN")
    pdf.add_page()
    return pdf


def _pdf_table(pdf: Any, columns: list[str], rows: list[list[Any]], widths: tuple[float, ...] | None = None) -> None:
    from fpdf.fonts import FontFace

    head = FontFace(family=_FONT, emphasis="", size_pt=9, fill_color=(230, 236, 245))
    body = FontFace(family=_FONT, emphasis="", size_pt=8.5)
    pdf.set_font(_FONT, size=8.5)
    with pdf.table(col_widths=widths, width=pdf.epw, text_align="LEFT", line_height=4.6,
                   headings_style=head, repeat_headings=1, v_align="TOP", padding=1.2) as table:
        header = table.row()
        for c in columns:
            header.cell(str(c), style=head)
        for r in rows or [["（无）"] + [""] * (len(columns) - 1)]:
            row = table.row()
            for v in r:
                row.cell(str(v), style=body)
    pdf.ln(3)


def briefing_pdf(data: dict[str, Any]) -> bytes:
    pdf = _pdf(data["title"])
    pdf.set_font(_FONT, size=17)
    pdf.multi_cell(pdf.epw, 9, data["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, size=8.5)
    pdf.multi_cell(pdf.epw, 4.5, _subtitle(data), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(pdf.epw, 4.5, NOTE, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for s in sections(data):
        chart = bar_chart(*s["chart"]) if s["chart"] else None
        need = 30 + (80 if chart else 0)
        if pdf.y + need > pdf.page_break_trigger:
            pdf.add_page()
        pdf.set_font(_FONT, size=12)
        pdf.cell(pdf.epw, 8, s["title"], new_x="LMARGIN", new_y="NEXT")
        if chart:
            from PIL import Image
            with Image.open(io.BytesIO(chart)) as im:
                w_px, h_px = im.size
            w = min(pdf.epw, 150.0)
            h = w * h_px / w_px
            if pdf.y + h > pdf.page_break_trigger:
                pdf.add_page()
            pdf.image(io.BytesIO(chart), x=pdf.l_margin, y=pdf.y, w=w, h=h)
            pdf.set_y(pdf.y + h + 2)
        widths = (24, 14, 14, 12, 10, 18, 18, 70) if len(s["columns"]) == 8 else None
        _pdf_table(pdf, s["columns"], s["rows"], widths)
    return bytes(pdf.output())


def briefing_xlsx(data: dict[str, Any]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = wb.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    title = wb.add_format({"bold": True, "font_size": 14})
    ws = wb.add_worksheet("工作简报")
    ws.write_string(0, 0, data["title"], title)
    ws.write_string(1, 0, _subtitle(data))
    ws.write_string(2, 0, NOTE)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 6, 14)
    ws.set_column(7, 7, 80)
    r = 4
    for s in sections(data):
        ws.write_string(r, 0, s["title"], title)
        r += 1
        ws.write_row(r, 0, s["columns"], bold)
        r += 1
        for row in s["rows"]:
            for j, v in enumerate(row):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(r, j, v, cell)
                else:
                    ws.write_string(r, j, str(v), cell)
            r += 1
        if s["chart"]:
            png = bar_chart(*s["chart"])
            ws.insert_image(r + 1, 0, f"{s['title']}.png", {"image_data": io.BytesIO(png), "x_scale": 0.55, "y_scale": 0.55})
            from PIL import Image
            with Image.open(io.BytesIO(png)) as im:
                r += int(im.size[1] * 0.55 / 20) + 3
        r += 1
    wb.close()
    return buf.getvalue()


def write_briefing(data: dict[str, Any], fmt: str, path: Any) -> None:
    from pathlib import Path

    from core.errors import ScreeningError

    path = Path(path)
    if fmt == "html":
        path.write_text(briefing_html(data), encoding="utf-8")
    elif fmt == "pdf":
        path.write_bytes(briefing_pdf(data))
    elif fmt == "xlsx":
        path.write_bytes(briefing_xlsx(data))
    else:
        raise ScreeningError(f"The briefing can be written as html, pdf or xlsx, not '{fmt}'.")


def public_list_pdf(title: str, columns: list[str], rows: list[list[Any]]) -> bytes:
    pdf = _pdf(title)
    pdf.set_font(_FONT, size=16)
    pdf.multi_cell(pdf.epw, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _pdf_table(pdf, columns, rows, (70, 40, 25, 45))
    return bytes(pdf.output())

"""Tabular exports: CSV (UTF-8 with BOM), JSON and XLSX; formula-like text neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from exports.common import (_LABELS, _display_width, _iso, _meta_dict, _parameters_text,
                            _plain_rows, cell_text, neutralise, result_sha256)
from queries.result import ExportMeta, ResultData

def write_csv(result: ResultData, meta: ExportMeta, path: Path) -> None:
    columns = [str(c) for c in result.columns]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([neutralise(c) for c in columns])
        for row in _plain_rows(result):
            writer.writerow([neutralise(cell_text(row[c])) for c in columns])


def write_json(result: ResultData, meta: ExportMeta, path: Path) -> None:
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


def write_xlsx(result: ResultData, meta: ExportMeta, path: Path) -> None:
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


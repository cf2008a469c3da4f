"""The public exposure list (公开曝光名单) and the blacklist export (黑名单).

The public list holds only what may be published: the banned organizations' names (and
credit codes where they have one), the date of the decision and the deciding authority. No
person, ID number, phone or account ever enters it: its rows are built from those fields
alone, and :func:`check_no_personal_data` refuses a file where a resident ID or phone
number pattern would appear anyway (e.g. inside an organization's name).

The blacklist export masks resident ID numbers and phones (``500***********3772``,
``138****1234``) unless the full numbers are asked for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from core.errors import ExportError, ScreeningError
from graph.connection import GraphDB
from graph.provenance import node_source_cypher
from screening.config import ScreeningConfig
from screening.dispositions import current

#: An 18-character resident ID (GB 11643) or a 15-digit old one, and a mainland mobile or
#: landline number: what the public list must never contain.
ID_PATTERN = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
PHONE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
PUBLIC_COLUMNS = [("name", "组织名称"), ("credit_code", "统一社会信用代码"),
                  ("decided_on", "取缔日期"), ("authority", "作出决定机关")]


def public_rows(db: GraphDB, config: ScreeningConfig) -> list[dict[str, Any]]:
    """Banned organizations (current disposition in the rules file's public_list)."""
    decided = {k: v for k, v in current(db).items() if v["disposition"] in config.public_list}
    if not decided:
        return []
    codes = {r["key"]: r["code"] for r in db.read(
        "MATCH (o:Organization) WHERE o.key IN $keys RETURN o.key AS key, o.credit_code AS code",
        {"keys": list(decided)})}
    rows = [{"name": v["name"], "credit_code": codes.get(k) or "",
             "decided_on": str(v.get("decided_on") or "")[:10], "authority": v.get("authority") or ""}
            for k, v in decided.items()]
    rows.sort(key=lambda r: (r["decided_on"], r["name"]))
    return rows


def check_no_personal_data(text: str) -> None:
    """Refuse public text holding anything shaped like a resident ID or phone number."""
    for pattern, what in ((ID_PATTERN, "an ID number"), (PHONE_PATTERN, "a phone number")):
        found = [m.group(0) for m in pattern.finditer(text)]
        # a unified social credit code (18 characters, letters too) is not an ID number
        found = [f for f in found if not (len(f) == 18 and what == "an ID number" and not f[:17].isdigit())]
        if found:
            raise ExportError(f"The public list was not written because it would contain {what} "
                              f"({found[0][:4]}…); remove it from the organization's name first.")


def _public_text(rows: list[dict[str, Any]]) -> str:
    return "\n".join(" ".join(str(r[c]) for c, _ in PUBLIC_COLUMNS if c != "credit_code") for r in rows)


def write_public_list(db: GraphDB, config: ScreeningConfig, fmt: str, path: str | Path, *,
                      title: str = "非法社会组织公开曝光名单") -> int:
    """Write the public list as CSV (UTF-8 with BOM) or PDF; returns the number of rows."""
    rows = public_rows(db, config)
    check_no_personal_data(_public_text(rows))
    path = Path(path)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([label for _, label in PUBLIC_COLUMNS])
        for r in rows:
            w.writerow([r[c] for c, _ in PUBLIC_COLUMNS])
        path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    elif fmt == "pdf":
        from screening.render import public_list_pdf
        path.write_bytes(public_list_pdf(title, [label for _, label in PUBLIC_COLUMNS],
                                         [[r[c] for c, _ in PUBLIC_COLUMNS] for r in rows]))
    else:
        raise ScreeningError(f"The public list can be written as csv or pdf, not '{fmt}'.")
    return len(rows)


# ------------------------------------------------------------------ blacklist

# The one masking rule of OrgTrace (core/privacy.py): first 3 and last 4 characters kept.
from core.privacy import mask_id_number as mask_id  # noqa: E402,F401
from core.privacy import mask_phone  # noqa: E402,F401


BLACKLIST_QUERY = f"""
MATCH (b:BlacklistEntry)
OPTIONAL MATCH (b)-[:LISTS]->(p:Person)
OPTIONAL MATCH (p)-[r:LEADS]->(o:Organization) WHERE o.name <> coalesce(b.org_name, '')
WITH b, p, collect(o.name + '（' + coalesce(r.role, '') + '）') AS now_leads
WITH b, p, now_leads, {node_source_cypher('b')} AS source
RETURN b.name AS name, coalesce(b.id_number, p.id_number) AS id_number, p.phone AS phone,
       b.listed_on AS listed_on, b.reason AS reason, b.org_name AS org_name, now_leads,
       source.file AS src_file, b.src_row AS src_row
ORDER BY listed_on, name
"""
BLACKLIST_COLUMNS = [("name", "姓名"), ("id_number", "身份证号"), ("phone", "手机号"),
                     ("listed_on", "列入日期"), ("reason", "列入原因"), ("org_name", "原组织"),
                     ("now_leads", "现任负责人的组织"), ("src_file", "来源文件"), ("src_row", "来源行")]


def blacklist_rows(db: GraphDB, *, full: bool = False) -> list[dict[str, Any]]:
    rows = db.read(BLACKLIST_QUERY)
    for r in rows:
        r["listed_on"] = str(r["listed_on"] or "")
        r["now_leads"] = "、".join(r["now_leads"])
        if not full:
            r["id_number"], r["phone"] = mask_id(r["id_number"]), mask_phone(r["phone"])
    return rows


def write_blacklist(db: GraphDB, fmt: str, path: str | Path, *, full: bool = False,
                    user: str = "") -> int:
    """The blacklist as CSV or XLSX, ID numbers and phones masked unless ``full``."""
    from queries.export import neutralise

    rows = blacklist_rows(db, full=full)
    path = Path(path)
    header = [label for _, label in BLACKLIST_COLUMNS]
    note = (f"黑名单导出 · {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC · {user} · "
            + ("完整号码（经授权）" if full else "身份证号、手机号已脱敏"))
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([note])
        w.writerow(header)
        for r in rows:
            w.writerow([neutralise(str(r[c] if r[c] is not None else "")) for c, _ in BLACKLIST_COLUMNS])
        path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    elif fmt == "xlsx":
        import xlsxwriter
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("黑名单")
        ws.write_string(0, 0, note)
        ws.write_row(1, 0, header)
        for i, r in enumerate(rows, start=2):
            for j, (c, _) in enumerate(BLACKLIST_COLUMNS):
                ws.write_string(i, j, str(r[c] if r[c] is not None else ""))
        ws.set_column(0, len(header) - 1, 18)
        wb.close()
    else:
        raise ScreeningError(f"The blacklist can be exported as csv or xlsx, not '{fmt}'.")
    return len(rows)

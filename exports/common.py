"""What every export format shares: plain rows, the result hash, cell text, labels."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from typing import Any

from core.cells import neutralise
from queries.result import ExportMeta, ResultData, to_plain

__all__ = ["neutralise", "cell_text", "canonical_json", "result_sha256"]

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


def _meta_table_rows(result: ResultData, meta: ExportMeta, sha: str) -> list[tuple[str, str]]:
    return [
        (_LABELS["report_id"], meta.report_id), (_LABELS["user"], meta.user),
        (_LABELS["run_at"], _iso(meta.run_at)), (_LABELS["database"], meta.database),
        (_LABELS["server"], meta.server), (_LABELS["result_kind"], meta.result_kind),
        (_LABELS["row_count"], str(len(result.rows))),
        (_LABELS["truncated"], "是 yes" if result.truncated else "否 no"),
        (_LABELS["sha256"], sha),
    ]

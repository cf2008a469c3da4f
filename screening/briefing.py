"""The work briefing (工作简报) for a period: the numbers, as plain data.

Screening counts (by notice class, registration status, district, case status and
disposition) describe the organizations flagged by the latest screening run, as of the
moment the briefing is made. The period's numbers are what happened between the two dates:
leads received by channel, blacklist additions, decisions taken, and the money involved
(event fees and money raised, money through the flagged organizations' own accounts, and
fees their members transferred: transfers whose memo names a fee).
:mod:`screening.render` turns the data into HTML, PDF and XLSX.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from core.errors import ScreeningError
from graph.connection import GraphDB
from screening.config import ScreeningConfig
from screening.dispositions import current
from screening.engine import latest_run, person_findings, screening_rows

FEE_WORDS = ["会费", "入会费", "培训费", "年费", "认证费", "评审费", "授牌费"]
NO_DECISION = "未处置"
NO_STATUS = "待核查"

LEADS_QUERY = """
MATCH (l:Lead) WHERE l.received_on >= $from AND l.received_on <= $to
RETURN coalesce(l.source, '未注明') AS channel, count(l) AS leads ORDER BY leads DESC, channel
"""
BLACKLIST_QUERY = """
MATCH (b:BlacklistEntry) WHERE b.listed_on >= $from AND b.listed_on <= $to
RETURN b.name AS name, toString(b.listed_on) AS listed_on, b.reason AS reason, b.org_name AS org_name
ORDER BY listed_on, name
"""
DECISIONS_QUERY = """
MATCH (d:DispositionChange) WHERE date(d.at) >= $from AND date(d.at) <= $to
RETURN d.disposition AS disposition, count(d) AS decisions ORDER BY decisions DESC, disposition
"""
EVENT_MONEY_QUERY = """
MATCH (o:Organization)-[:ORGANIZED]->(e:Event)
WHERE o.key IN $keys AND e.date >= $from AND e.date <= $to
RETURN count(e) AS events, sum(coalesce(e.participants, 0)) AS participants,
       sum(coalesce(e.amount, 0.0)) AS amount
"""
TRANSFER_MONEY_QUERY = """
CALL () {
  MATCH (o:Organization)-[:HOLDS]->(:BankAccount)-[t:TRANSFER]-(:BankAccount)
  WHERE o.key IN $keys AND date(t.time) >= $from AND date(t.time) <= $to
  RETURN t
  UNION
  MATCH (o:Organization)<-[:MEMBER_OF]-(:Person)-[:HOLDS]->(:BankAccount)-[t:TRANSFER]->(:BankAccount)
  WHERE o.key IN $keys AND date(t.time) >= $from AND date(t.time) <= $to
    AND t.memo IS NOT NULL AND any(w IN $fee_words WHERE t.memo CONTAINS w)
  RETURN t
}
RETURN count(t) AS transfers, sum(t.amount) AS amount
"""


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ScreeningError(f"The briefing's {what} date must be a date like 2024-01-31, not '{value}'.") from None


def _counts(values: list[str], order: list[str] | None = None) -> list[dict[str, Any]]:
    c = Counter(values)
    keys = [k for k in (order or []) if k in c] + sorted(k for k in c if k not in (order or []))
    return [{"name": k, "count": c[k]} for k in keys]


def briefing_data(db: GraphDB, config: ScreeningConfig, start: Any, end: Any, *,
                  typical: int = 5, lang: str = "zh") -> dict[str, Any]:
    """Everything the briefing shows, for ``start`` .. ``end`` (both days included)."""
    start, end = _date(start, "first"), _date(end, "last")
    if end < start:
        raise ScreeningError(f"The briefing's period ends ({end}) before it starts ({start}).")
    rows = screening_rows(db, config)
    decided = current(db)
    irregular = [r for r in rows if r["gate"]]
    keys = [r["key"] for r in irregular]
    p = {"from": start, "to": end, "keys": keys, "fee_words": FEE_WORDS}
    by_class = [{"class": n, "name": f"（{n}）{config.class_title(n, lang)}",
                 "count": sum(n in r["classes"] for r in rows)} for n in range(1, 8)]
    case_status = [decided.get(r["key"], {}).get("status") or NO_STATUS for r in rows]
    disposition = [config.label(decided[r["key"]]["disposition"], lang) if r["key"] in decided else NO_DECISION
                   for r in rows]
    suggested = [config.label(r["suggested_disposition"], lang) for r in rows]
    ev = db.read(EVENT_MONEY_QUERY, p)[0]
    tr = db.read(TRANSFER_MONEY_QUERY, p)[0]
    leads = db.read(LEADS_QUERY, p)
    blacklist = db.read(BLACKLIST_QUERY, p)
    decisions = [{"name": config.label(d["disposition"], lang), "count": d["decisions"]}
                 for d in db.read(DECISIONS_QUERY, p)]
    run = latest_run(db)
    cases = []
    for r in rows[:typical]:
        d = decided.get(r["key"])
        cases.append({"name": r["name"], "status": r["status"], "district": r["district"],
                      "classes": "、".join(str(c) for c in r["classes"]) or "-", "score": r["score"],
                      "suggested": config.label(r["suggested_disposition"], lang),
                      "disposition": config.label(d["disposition"], lang) if d else NO_DECISION,
                      "reasons": "；".join(r["reasons_zh"] if lang == "zh" else r["reasons_en"])})
    return {
        "title": "打击整治非法社会组织专项行动工作简报",
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "run": {"key": run["key"], "at": str(run["started_at"])[:19], "rules_sha256": run["rules_sha256"]} if run else None,
        "totals": {"flagged": len(rows), "irregular": len(irregular),
                   "people": len({f["subject_key"] for f in person_findings(db)}),
                   "leads": sum(x["leads"] for x in leads), "blacklist_added": len(blacklist),
                   "decisions": sum(x["count"] for x in decisions)},
        "by_class": by_class,
        "by_status": _counts([r["status"] for r in rows], ["未登记", "撤销", "注销", "筹备", "正常"]),
        "by_case_status": _counts(case_status, list(config.statuses)),
        "by_district": sorted(_counts([r["district"] for r in rows]), key=lambda x: (-x["count"], x["name"])),
        "by_disposition": _counts(disposition, [config.label(k, lang) for k in config.labels] + [NO_DECISION]),
        "by_suggested": _counts(suggested, [config.label(k, lang) for k in config.labels]),
        "decisions": decisions,
        "money": {"events": ev["events"], "participants": ev["participants"], "event_amount": float(ev["amount"] or 0),
                  "transfers": tr["transfers"], "transfer_amount": float(tr["amount"] or 0),
                  "total": float(ev["amount"] or 0) + float(tr["amount"] or 0)},
        "leads_by_channel": [{"name": x["channel"], "count": x["leads"]} for x in leads],
        "blacklist_added": blacklist,
        "typical_cases": cases,
    }

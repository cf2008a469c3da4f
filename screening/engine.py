"""Running the screening rules and keeping their findings in the graph.

:func:`run_screening` runs every rule's query (read-only, through the reports' runner),
keeps naming and other class rules only for irregular organizations (those a gate rule
flagged: unregistered, revoked but active, beyond preparation, foreign, re-formed), and
replaces the previous run's ``Finding`` nodes with the new ones in one transaction.
:func:`screening_rows` reads the stored findings back as one row per organization with its
notice classes, rules, priority score, reasons (Chinese and English) and suggested
disposition. The pure functions (:func:`apply_gate`, :func:`aggregate`, :func:`suggest`)
take and return plain data.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from core.errors import ScreeningError
from graph.connection import GraphDB, quiet
from graph.provenance import resolve_records
from queries.runner import run_report
from screening.config import Rule, ScreeningConfig

LAWFUL_STATUS = "正常"


@dataclass
class RawFinding:
    rule: Rule
    subject_key: str
    subject_label: str
    subject_name: str
    detail: dict[str, Any]
    evidence: list[dict[str, Any]]
    related: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.rule.id}|{self.subject_key}"


@dataclass
class RunSummary:
    run: str
    started_at: dt.datetime
    findings: int
    organizations: int
    suppressed: int
    by_rule: dict[str, int]


# ------------------------------------------------------------------ reasons

class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, (list, tuple)):
        return "、".join(_show(v) for v in value) or "-"
    return str(value)


def reason_text(template: str, detail: Mapping[str, Any], name: str = "") -> str:
    """A reason from its template: ``{field}`` takes the query's value (lists joined)."""
    values = _Values({k: _show(v) for k, v in detail.items()})
    values.setdefault("name", name)
    try:
        return template.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError) as exc:
        raise ScreeningError(f"The reason template '{template}' cannot be filled in ({exc}); "
                             f"use {{name}} with the names the rule's query returns.") from None


# ------------------------------------------------------------------ pure steps

def apply_gate(raw: Iterable[RawFinding]) -> tuple[list[RawFinding], int]:
    """Keep rules that require an irregular organization only where a gate rule fired.

    Returns the kept findings and how many were dropped ("a name alone is not a finding").
    """
    items = list(raw)
    gated = {f.subject_key for f in items if f.rule.gate and f.subject_label == "Organization"}
    kept = [f for f in items if not f.rule.requires_gate or f.subject_key in gated]
    return kept, len(items) - len(kept)


def suggest(config: ScreeningConfig, org: Mapping[str, Any]) -> str:
    """The suggested disposition: the first suggestion rule whose conditions all hold."""
    rules, classes = set(org["rules"]), set(org["classes"])
    for s in config.suggest:
        w = s.when
        if "any_rule" in w and not rules & set(w["any_rule"]):
            continue
        if "all_rules" in w and not set(w["all_rules"]) <= rules:
            continue
        if "any_class" in w and not classes & {int(c) for c in w["any_class"]}:
            continue
        if "all_classes" in w and not {int(c) for c in w["all_classes"]} <= classes:
            continue
        if "gate" in w and bool(w["gate"]) != bool(org["gate"]):
            continue
        if "min_score" in w and org["score"] < float(w["min_score"]):
            continue
        if "max_score" in w and org["score"] > float(w["max_score"]):
            continue
        return s.to
    return "monitor" if "monitor" in config.labels else next(iter(config.labels))


def aggregate(config: ScreeningConfig, findings: Iterable[Mapping[str, Any]],
              orgs: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per flagged organization from stored findings.

    ``findings``: dicts with rule, notice_class, gate, weight, reason_zh, reason_en,
    subject_label and ``targets`` (the organization keys the finding flags). ``orgs``: key ->
    {name, status, district}. Rows are sorted by score, highest first.
    """
    by_org: dict[str, dict[str, Any]] = {}
    for f in findings:
        for key in f["targets"]:
            info = orgs.get(key, {})
            row = by_org.setdefault(key, {
                "key": key, "name": info.get("name") or key, "status": info.get("status") or "未登记",
                "district": info.get("district") or "未知", "rules": [], "classes": set(), "gate": False,
                "score": 0.0, "reasons_zh": [], "reasons_en": [], "findings": []})
            if f["rule"] not in row["rules"]:
                row["rules"].append(f["rule"])
            if f.get("notice_class"):
                row["classes"].add(int(f["notice_class"]))
            row["gate"] = row["gate"] or bool(f.get("gate"))
            row["score"] += float(f.get("weight") or 0)
            row["findings"].append(f)
    out = []
    for row in by_org.values():
        # registration findings first, then by notice class, people rules last
        row["findings"].sort(key=lambda f: (not f.get("gate"), f.get("notice_class") or 99,
                                            f["subject_label"] == "Person", -float(f.get("weight") or 0), f["key"]))
        row["reasons_zh"] = [f["reason_zh"] for f in row["findings"]]
        row["reasons_en"] = [f["reason_en"] for f in row["findings"]]
        row["rules"] = list(dict.fromkeys(f["rule"] for f in row["findings"]))
        row["classes"] = sorted(row["classes"])
        row["score"] = round(row["score"], 1)
        row["suggested_disposition"] = suggest(config, row)
        out.append(row)
    out.sort(key=lambda r: (-r["score"], r["name"]))
    return out


# ------------------------------------------------------------------ running

def _raw_findings(db: GraphDB, rule: Rule) -> list[RawFinding]:
    result = run_report(db, rule.query, rule.params)
    if result.truncated:
        raise ScreeningError(f"The screening rule '{rule.id}' found more than {rule.query.row_cap:,} "
                             f"subjects; raise its thresholds in the rules file.")
    # evidence items name their source by reference (a node's src_run and src_row, a
    # relationship's load_runs and src_rows): resolved to file names, rows and SHA-256
    # here, for all of the rule's rows in one query
    items = [list(row.get("evidence") or []) for row in result.rows]
    resolved = iter(resolve_records(db, [item for group in items for item in group]))
    out = []
    for row, group in zip(result.rows, items):
        detail = dict(row.get("detail") or {})
        out.append(RawFinding(rule, str(row["subject_key"]), str(row["subject_label"]),
                              str(row.get("subject_name") or row["subject_key"]), detail,
                              [next(resolved) for _ in group],
                              [str(k) for k in row.get("related") or [] if k is not None]))
    return out


_WRITE = """
UNWIND $rows AS row
CREATE (f:Finding {key: row.key, rule: row.rule, notice_class: row.notice_class,
                   subject_key: row.subject_key, subject_label: row.subject_label,
                   subject_name: row.subject_name, gate: row.gate, weight: row.weight,
                   reason_zh: row.reason_zh, reason_en: row.reason_en, evidence: row.evidence,
                   run: $run, found_at: $at, user: $user})
WITH f, row, [row.subject_key] + row.related AS keys
OPTIONAL MATCH (o:Organization) WHERE o.key IN keys
FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | CREATE (f)-[:FLAGS]->(o))
WITH DISTINCT f, keys
OPTIONAL MATCH (p:Person) WHERE p.key IN keys
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | CREATE (f)-[:FLAGS]->(p))
"""


def run_screening(db: GraphDB, config: ScreeningConfig, *, user: str) -> RunSummary:
    """Run every rule, gate, and replace the stored findings (one transaction)."""
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    raw: list[RawFinding] = []
    for rule in config.rules:
        raw += _raw_findings(db, rule)
    kept, suppressed = apply_gate(raw)
    run = f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    rows = []
    for f in kept:
        rows.append({
            "key": f.key, "rule": f.rule.id, "notice_class": f.rule.notice_class,
            "subject_key": f.subject_key, "subject_label": f.subject_label, "subject_name": f.subject_name,
            "gate": f.rule.gate, "weight": f.rule.weight,
            "reason_zh": reason_text(f.rule.reason["zh"], f.detail, f.subject_name),
            "reason_en": reason_text(f.rule.reason["en"], f.detail, f.subject_name),
            "evidence": json.dumps({"rule": f.rule.id, "query": f.rule.query.id,
                                    "parameters": f.rule.params, "detail": f.detail,
                                    "records": f.evidence}, ensure_ascii=False, default=str),
            "related": [k for k in f.related if k != f.subject_key]})
    keys = [r["key"] for r in rows]
    if len(set(keys)) != len(keys):  # e.g. two blacklisted leaders of one organization
        seen: dict[str, int] = {}
        for r in rows:
            n = seen.get(r["key"], 0)
            seen[r["key"]] = n + 1
            if n:
                r["key"] = f"{r['key']}|{n + 1}"
    finished = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    org_keys = {r["subject_key"] for r in rows if r["subject_label"] == "Organization"}
    org_keys |= {k for r in rows if r["subject_label"] == "Person" for k in r["related"]}

    def work(tx: Any) -> None:
        tx.run("MATCH (f:Finding) DETACH DELETE f").consume()
        for i in range(0, len(rows), 500):
            tx.run(_WRITE, quiet({"rows": rows[i:i + 500], "run": run, "at": started, "user": user})).consume()
        tx.run("CREATE (r:ScreeningRun {key: $run, user: $user, started_at: $started, finished_at: $finished, "
               "rules_sha256: $sha, findings: $findings, organizations: $orgs, suppressed: $suppressed})",
               {"run": run, "user": user, "started": started, "finished": finished, "sha": config.sha256,
                "findings": len(rows), "orgs": len(org_keys), "suppressed": suppressed}).consume()

    with db.driver.session(database=db.database) as session:
        session.execute_write(work)
    by_rule: dict[str, int] = {}
    for r in rows:
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    return RunSummary(run, started, len(rows), len(org_keys), suppressed, by_rule)


# ------------------------------------------------------------------ reading back

FINDINGS_QUERY = """
MATCH (f:Finding)
OPTIONAL MATCH (f)-[:FLAGS]->(o:Organization)
RETURN f.key AS key, f.rule AS rule, f.notice_class AS notice_class, f.gate AS gate,
       f.weight AS weight, f.reason_zh AS reason_zh, f.reason_en AS reason_en,
       f.subject_key AS subject_key, f.subject_label AS subject_label, f.subject_name AS subject_name,
       f.evidence AS evidence, f.run AS run, f.found_at AS found_at, collect(o.key) AS targets
ORDER BY key
"""

#: Name, registration status and district of the organizations findings flag. District:
#: the domicile's, else the district where most of its events were held.
ORGS_QUERY = """
MATCH (f:Finding)-[:FLAGS]->(o:Organization)
WITH DISTINCT o
OPTIONAL MATCH (o)-[:LOCATED_AT]->(a:Address)
WITH o, head(collect(a.district)) AS home
OPTIONAL CALL (o) {
  OPTIONAL MATCH (o)-[:ORGANIZED]->(:Event)-[:HELD_AT]->(b:Address)
  WITH b.district AS d, count(*) AS n WHERE d IS NOT NULL
  RETURN d ORDER BY n DESC, d LIMIT 1
}
RETURN o.key AS key, o.name AS name, coalesce(o.status, '未登记') AS status,
       coalesce(home, d, '未知') AS district, o.credit_code AS credit_code, o.authority AS authority
"""


def stored_findings(db: GraphDB) -> list[dict[str, Any]]:
    return db.read(FINDINGS_QUERY)


def flagged_orgs(db: GraphDB) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in db.read(ORGS_QUERY)}


def latest_run(db: GraphDB) -> dict[str, Any] | None:
    rows = db.read("MATCH (r:ScreeningRun) RETURN r {.*} AS run ORDER BY r.started_at DESC LIMIT 1")
    return rows[0]["run"] if rows else None


def screening_rows(db: GraphDB, config: ScreeningConfig) -> list[dict[str, Any]]:
    """One row per flagged organization from the stored findings (see :func:`aggregate`)."""
    return aggregate(config, stored_findings(db), flagged_orgs(db))


def person_findings(db: GraphDB) -> list[dict[str, Any]]:
    """Findings on people (ringleaders), with the organizations they concern."""
    return [f for f in stored_findings(db) if f["subject_label"] == "Person"]


def table_rows(rows: list[dict[str, Any]], config: ScreeningConfig, lang: str = "zh") -> list[dict[str, Any]]:
    """The ``screen`` command's columns: key, name, status, classes, rules, score,
    suggested_disposition, reasons."""
    sep = "；" if lang == "zh" else "; "
    return [{"key": r["key"], "name": r["name"], "status": r["status"],
             "classes": ";".join(str(c) for c in r["classes"]),
             "rules": ";".join(r["rules"]), "score": r["score"],
             "suggested_disposition": r["suggested_disposition"],
             "reasons": sep.join(r["reasons_zh"] if lang == "zh" else r["reasons_en"])}
            for r in rows]


TABLE_COLUMNS = ["key", "name", "status", "classes", "rules", "score", "suggested_disposition", "reasons"]

"""Campaign screening on the demo case: the notice's classes, the gate, people rules,
dispositions with history, the briefing's numbers, the public list and the blacklist export."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import pytest

from core.errors import ExportError, ScreeningError
from demo.case import load_files
from demo.generate import LAWFUL_SPECIAL, generate_case
from graph import admin
from screening import dispositions, engine
from screening.briefing import briefing_data
from screening.config import load_config
from screening.publish import (ID_PATTERN, PHONE_PATTERN, check_no_personal_data, mask_id, mask_phone,
                               write_blacklist, write_public_list)
from screening.render import write_briefing

pytestmark = pytest.mark.timeout(900)


def _load(db, tmp_path_factory, seed):
    out = tmp_path_factory.mktemp(f"demo{seed}")
    generate_case(out, scale=1.0, seed=seed)
    admin.wipe(db)
    reports = load_files(db, out, user="测试", report_dir=out / "load-reports")
    assert all(r.status == "loaded" for r in reports)
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    config = load_config()
    summary = engine.run_screening(db, config, user="测试")
    return truth, config, summary, engine.screening_rows(db, config)


@pytest.fixture(scope="module")
def screened(db, tmp_path_factory):
    truth, config, summary, rows = _load(db, tmp_path_factory, 7)
    return db, truth, config, summary, rows


def _by_name(rows):
    return {r["name"]: r for r in rows}


def _check_targets(truth, rows):
    by_name = _by_name(rows)
    for target in truth["targets"]:
        row = by_name.get(target["name"])
        assert row is not None, f"target not flagged: {target['name']}"
        assert row["gate"], target["name"]
        assert row["classes"] == sorted(target["classes"]), (target["name"], row["classes"], row["rules"])


def test_every_planted_target_has_exactly_its_planted_classes(screened):
    _, truth, _, _, rows = screened
    _check_targets(truth, rows)


def test_a_name_alone_is_not_a_finding(screened):
    db, truth, config, summary, rows = screened
    assert summary.suppressed > 0  # the name rules did match lawful organizations...
    lawful = db.read("MATCH (o:Organization {status: '正常'}) RETURN o.key AS key, o.name AS name")
    named = [o for o in lawful if re.search("中国|中华|国际|重庆|全市|一带一路|乡村振兴", o["name"])]
    assert {n for n, *_ in LAWFUL_SPECIAL} <= {o["name"] for o in named}
    by_key = {r["key"]: r for r in rows}
    for org in named:  # ...but none of them is flagged for it
        row = by_key.get(org["key"])
        assert row is None or (row["rules"] == ["blacklisted-leader"] and row["classes"] == []), row
    # companies that only hold accounts are not "unregistered social organizations"
    companies = db.read("MATCH (o:Organization) WHERE o.credit_code STARTS WITH '91' RETURN collect(o.key) AS k")[0]["k"]
    assert companies and not set(companies) & set(by_key)
    # and every class finding sits on an irregular organization
    stored = engine.stored_findings(db)
    gated = {f["subject_key"] for f in stored if f["gate"]}
    for f in stored:
        if f["notice_class"] and not f["gate"]:
            assert f["subject_key"] in gated, f


def test_registration_rules(screened):
    _, truth, _, _, rows = screened
    by_name = _by_name(rows)
    for planted in truth["revoked_but_active"]:
        assert "revoked-active" in by_name[planted["org"]]["rules"]
    for planted in truth["preparing_overreach"]:
        assert "preparing-overreach" in by_name[planted["org"]]["rules"]
    for target in truth["targets"]:
        if target["kind"] == "offshore":
            assert "foreign-unregistered" in by_name[target["name"]]["rules"]
            assert by_name[target["name"]]["suggested_disposition"] == "refer_foreign_police"
        if target["status"] == "未登记":
            assert "unregistered" in by_name[target["name"]]["rules"]
    # the revoked organization whose account still collects fees is active after the date
    old = truth["reformed_organizations"][0]["old_name"]
    assert "revoked-active" in by_name[old]["rules"]


def test_reformed_organization_and_blacklist_hits(screened):
    db, truth, _, _, rows = screened
    by_name = _by_name(rows)
    planted = truth["reformed_organizations"][0]
    new = by_name[planted["new_name"]]
    assert "reformed" in new["rules"]
    finding = next(f for f in new["findings"] if f["rule"] == "reformed")
    evidence = json.loads(finding["evidence"])
    assert evidence["detail"]["old_name"] == planted["old_name"]
    shared = {r["key"] for r in evidence["records"] if r["record"] == "LEADS"}
    assert set(planted["shared_leaders"]) <= shared
    assert new["suggested_disposition"] == "ban"
    for person, org in truth["blacklist_hits"].items():
        row = by_name[org]
        hits = [json.loads(f["evidence"]) for f in row["findings"] if f["rule"] == "blacklisted-leader"]
        assert person in {h["detail"]["person_key"] for h in hits}, (person, org)
        assert any(r["record"] == "BlacklistEntry" and r["src_file"] == "blacklist.csv"
                   for h in hits for r in h["records"])
    lawful_hit = [r for r in rows if r["status"] == "正常"]
    assert lawful_hit and all(r["suggested_disposition"] == "notify_registration" for r in lawful_hit)


def test_ringleaders(screened):
    db, truth, config, _, _ = screened
    people = {f["subject_key"]: f for f in engine.person_findings(db) if f["rule"] == "multi-org-leader"}
    for leader in truth["ringleaders"][:3]:  # R1-R3 lead three organizations each
        assert leader["id_number"] in people, leader["name"]
        assert set(leader["orgs"]) <= set(json.loads(people[leader["id_number"]]["evidence"])["detail"]["names"])
    # hub figures written by the analytics are read when present
    r4 = truth["ringleaders"][3]["id_number"]
    db.write("MATCH (p:Person {key: $k}) SET p.hub_score = 0.9, p.hub_rank = 1", {"k": r4})
    try:
        engine.run_screening(db, config, user="测试")
        hub = [f for f in engine.person_findings(db) if f["rule"] == "hub-figure"]
        assert [f["subject_key"] for f in hub] == [r4]
        rows = _by_name(engine.screening_rows(db, config))
        for org in truth["ringleaders"][3]["orgs"]:
            assert "hub-figure" in rows[org]["rules"]
    finally:
        db.write("MATCH (p:Person {key: $k}) REMOVE p.hub_score, p.hub_rank", {"k": r4})
        engine.run_screening(db, config, user="测试")


def test_rerun_replaces_findings_and_every_flag_has_evidence(screened):
    db, _, config, summary, _ = screened
    before = db.read("MATCH (f:Finding) RETURN count(f) AS n, count(DISTINCT f.key) AS k")[0]
    again = engine.run_screening(db, config, user="测试")
    after = db.read("MATCH (f:Finding) RETURN count(f) AS n, count(DISTINCT f.key) AS k, "
                    "collect(DISTINCT f.run) AS runs")[0]
    assert after["n"] == after["k"] == before["n"] == again.findings
    assert after["runs"] == [again.run]
    assert db.read("MATCH (r:ScreeningRun) RETURN count(r) AS n")[0]["n"] >= 2
    for f in engine.stored_findings(db):
        assert f["reason_zh"] and f["reason_en"] and "?" not in f["reason_zh"], f
        evidence = json.loads(f["evidence"])
        assert evidence["rule"] == f["rule"] and evidence["records"], f["key"]
        assert any(file and row and len(sha or "") == 64 for r in evidence["records"]
                   for file, row, sha in _sources(r)), f["key"]
        # every item that names a source resolves its run: a file name and its SHA-256
        assert all(file and len(sha or "") == 64 for r in evidence["records"]
                   for file, row, sha in _sources(r) if row is not None), f["key"]
        assert f["targets"] or f["subject_label"] == "Person"


def _sources(record: dict) -> list[tuple]:
    """(file, row, sha256) of an evidence item: one for a node, one per sighting for a relationship."""
    files, rows, shas = record.get("src_file"), record.get("src_row"), record.get("src_sha256")
    if isinstance(rows, list):
        assert len(files) == len(rows) == len(shas), record
        return list(zip(files, rows, shas))
    return [(files, rows, shas)]


def test_dispositions_keep_history(screened):
    db, _, config, _, rows = screened
    key = rows[0]["key"]
    first = dispositions.set_disposition(db, config, key, "劝散", reason="法制教育后劝散", user="张三")
    second = dispositions.set_disposition(db, config, key, "ban", reason="继续活动，依法取缔", user="李四",
                                          authority="重庆市民政局")
    history = dispositions.history(db, key)
    assert [h["disposition"] for h in history] == ["disband", "ban"]
    assert history[0]["reason"] == "法制教育后劝散" and history[0]["user"] == "张三"
    assert history[1]["previous_disposition"] == "disband" and history[1]["user"] == "李四"
    assert history[0]["at"] <= history[1]["at"] and first["seq"] < second["seq"]
    assert dispositions.current(db)[key]["disposition"] == "ban"
    with pytest.raises(ScreeningError, match="no disposition"):
        dispositions.set_disposition(db, config, key, "枪毙", reason="x", user="张三")
    with pytest.raises(ScreeningError, match="reason"):
        dispositions.set_disposition(db, config, key, "ban", reason="  ", user="张三")
    with pytest.raises(ScreeningError, match="no organization"):
        dispositions.set_disposition(db, config, "name:没有这个组织", "ban", reason="x", user="张三")
    assert len(dispositions.history(db, key)) == 2


def test_public_list_holds_no_personal_data(screened, tmp_path):
    db, truth, config, _, rows = screened
    banned = [r for r in rows if r["gate"]][:4]
    for r in banned:
        dispositions.set_disposition(db, config, r["key"], "ban", reason="依法取缔", user="张三")
    csv_path, pdf_path = tmp_path / "public.csv", tmp_path / "public.pdf"
    assert write_public_list(db, config, "csv", csv_path) >= len(banned)
    write_public_list(db, config, "pdf", pdf_path)
    text = csv_path.read_text(encoding="utf-8-sig")
    if shutil.which("pdftotext"):
        text += subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True,
                               check=True).stdout
    for r in banned:
        assert r["name"] in text
    assert not ID_PATTERN.search(text) and not PHONE_PATTERN.search(text), text
    people = db.read("MATCH (p:Person)-[:LEADS]->(o:Organization) WHERE o.key IN $k RETURN collect(p.name) AS n",
                     {"k": [r["key"] for r in banned]})[0]["n"]
    assert people and not any(name in text for name in people if len(name) > 1)
    header = next(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert header == ["组织名称", "统一社会信用代码", "取缔日期", "作出决定机关"]
    with pytest.raises(ExportError):
        check_no_personal_data("某某协会 联系人 13812345678")


def test_blacklist_export_masks_unless_full(screened, tmp_path):
    db, truth, *_ = screened
    masked, full = tmp_path / "bl.csv", tmp_path / "bl-full.csv"
    write_blacklist(db, "csv", masked)
    write_blacklist(db, "csv", full, full=True)
    write_blacklist(db, "xlsx", tmp_path / "bl.xlsx")
    m, f = masked.read_text(encoding="utf-8-sig"), full.read_text(encoding="utf-8-sig")
    ids = [p["id_number"] for p in truth["ringleaders"] if p["id_number"] in truth["blacklist_hits"]]
    assert ids and all(i in f and i not in m for i in ids)
    assert not ID_PATTERN.search(m) and not PHONE_PATTERN.search(m)
    assert mask_id(ids[0]) in m
    assert mask_id("500102197611083772") == "500***********3772" and mask_phone("13812345678") == "138****5678"


def test_briefing_numbers_equal_direct_cypher(screened, tmp_path):
    db, truth, config, _, rows = screened
    start, end = "2024-01-01", "2024-12-31"
    data = briefing_data(db, config, start, end)
    p = {"from": __import__("datetime").date(2024, 1, 1), "to": __import__("datetime").date(2024, 12, 31)}
    leads = db.read("MATCH (l:Lead) WHERE date('2024-01-01') <= l.received_on <= date('2024-12-31') "
                    "RETURN l.source AS s, count(*) AS n")
    assert {x["name"]: x["count"] for x in data["leads_by_channel"]} == {x["s"]: x["n"] for x in leads}
    assert data["totals"]["leads"] == sum(x["n"] for x in leads) > 0
    bl = db.read("MATCH (b:BlacklistEntry) WHERE b.listed_on.year = 2024 RETURN count(b) AS n")[0]["n"]
    assert data["totals"]["blacklist_added"] == bl
    for c in data["by_class"]:
        n = db.read("MATCH (f:Finding {notice_class: $c})-[:FLAGS]->(o:Organization) "
                    "RETURN count(DISTINCT o) AS n", {"c": c["class"]})[0]["n"]
        assert c["count"] == n, c
    flagged = db.read("MATCH (:Finding)-[:FLAGS]->(o:Organization) RETURN count(DISTINCT o) AS n")[0]["n"]
    assert data["totals"]["flagged"] == flagged == sum(x["count"] for x in data["by_status"])
    assert sum(x["count"] for x in data["by_district"]) == flagged
    status = db.read("MATCH (:Finding)-[:FLAGS]->(o:Organization) WITH DISTINCT o "
                     "RETURN coalesce(o.status, '未登记') AS s, count(*) AS n")
    assert {x["name"]: x["count"] for x in data["by_status"]} == {x["s"]: x["n"] for x in status}
    money = db.read("MATCH (f:Finding {gate: true})-[:FLAGS]->(o:Organization) WITH DISTINCT o "
                    "MATCH (o)-[:ORGANIZED]->(e:Event) WHERE e.date.year = 2024 "
                    "RETURN sum(e.amount) AS a, count(e) AS n")[0]
    assert data["money"]["events"] == money["n"] and data["money"]["event_amount"] == pytest.approx(money["a"])
    decided = db.read("MATCH (d:DispositionChange) WITH d.org_key AS k, max(d.seq) AS s "
                      "MATCH (d:DispositionChange {org_key: k, seq: s}) RETURN d.disposition AS d, count(*) AS n")
    labels = {x["name"]: x["count"] for x in data["by_disposition"]}
    for x in decided:
        assert labels[config.label(x["d"])] == x["n"]
    for fmt in ("html", "pdf", "xlsx"):
        write_briefing(data, fmt, tmp_path / f"brief.{fmt}")
        assert (tmp_path / f"brief.{fmt}").stat().st_size > 5000
    page = (tmp_path / "brief.html").read_text(encoding="utf-8")
    assert "工作简报" in page and "data:image/png;base64," in page
    assert not re.search(r"(src|href)=['\"]https?:", page)
    if shutil.which("pdftoppm") and shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(tmp_path / "brief.pdf")], capture_output=True, text=True).stdout
        assert "NotoSansSC" in fonts and " yes " in fonts  # embedded
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "brief.pdf"),
                        str(tmp_path / "page")], check=True)
        assert list(tmp_path.glob("page*.png"))
    with pytest.raises(ScreeningError):
        briefing_data(db, config, "2024-12-31", "2024-01-01")


def test_cli_contract(screened, monkeypatch, neo4j_server, capsys, tmp_path):
    import cli

    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password())
    monkeypatch.setenv("ORGTRACE_USER", "王五")
    assert cli.main(["screen", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0]) == ["key", "name", "status", "classes", "rules", "score", "suggested_disposition", "reasons"]
    by_name = {r["name"]: r for r in table}
    _, truth, *_ = screened
    target = truth["targets"][0]
    assert by_name[target["name"]]["classes"] == ";".join(str(c) for c in sorted(target["classes"]))
    assert cli.main(["screen", "--format", "json", "--no-run"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["score"] >= 0
    key = table[0]["key"]
    assert cli.main(["disposition", "set", key, "--to", "refer_police", "--reason", "涉嫌犯罪"]) == 0
    assert cli.main(["disposition", "history", key, "--json"]) == 0
    hist = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert hist[-1]["user"] == "王五" and hist[-1]["reason"] == "涉嫌犯罪"
    assert cli.main(["disposition", "set", key, "--to", "nonsense", "--reason", "x"]) == 1
    assert "no disposition" in capsys.readouterr().err
    assert cli.main(["brief", "--from", "2023-01-01", "--to", "2024-12-31", "--format", "xlsx",
                     "--out", str(tmp_path / "b.xlsx")]) == 0
    assert cli.main(["public-list", "--format", "csv", "--out", str(tmp_path / "p.csv")]) == 0
    assert cli.main(["brief", "--from", "2023-13-01", "--to", "2024-12-31", "--format", "pdf",
                     "--out", str(tmp_path / "b.pdf")]) == 1


def test_another_seed_too(db, tmp_path_factory, screened):
    """Last in this module: it replaces the seed-7 case."""
    truth, _, _, rows = _load(db, tmp_path_factory, 23)
    _check_targets(truth, rows)
    lawful = {r["name"] for r in rows if r["status"] == "正常"}
    assert lawful == set(truth["blacklist_hits"].values()) - {t["name"] for t in truth["targets"]}

"""Loaders against the real test server: the bad-input corpus, idempotency, overlapping
statements, cash, provenance, LoadRun, FollowTheMoney, mappings, the CLI contract."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from graph import admin
from graph.provenance import rel_sightings_cypher, run_sources
from loaders.pipeline import load_file
from tests.conftest import FIXTURES, ROOT

BAD = FIXTURES / "bad"
EXPECTED = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))["files"]
SAMPLES = FIXTURES / "samples"

BANK_HEADER = ("交易卡号,交易账号,账户开户名称,开户人证件号码,交易时间,交易金额,交易余额,收付标志,交易对手账卡号,"
               "对手户名,对手身份证号,对手开户银行,摘要说明,交易流水号,交易网点,现金标志")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def counts(db) -> dict:
    stats = admin.stats(db)
    return {**stats["nodes"], **stats["relationships"]}


# ------------------------------------------------------------------ the bad-input corpus

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_corpus(name, clean_db, tmp_path):
    entry, expect = EXPECTED[name], EXPECTED[name]["expect"]
    report = load_file(clean_db, BAD / name, kind=entry["kind"], report_dir=tmp_path)
    if expect.get("fatal"):
        assert report.status == "failed", report
        assert expect["message_contains"] in report.message
        assert name in report.message or Path(name).stem in report.message
        assert counts(clean_db)["TRANSFER"] == 0 and counts(clean_db)["Person"] == 0, "nothing half-loaded"
        return
    assert report.status == "loaded", report.message
    assert report.read == entry["read_rows"]
    assert expect["min_rejected"] <= report.rejected <= expect["max_rejected"]
    assert set(report.reasons) <= set(expect["reasons"]) and set(expect["reasons"]) <= set(report.reasons)
    assert set(expect.get("warnings", [])) <= set(report.warning_reasons), report.warning_reasons
    assert report.warnings >= expect.get("warnings_min", 0)
    if "warnings_max" in expect:
        assert report.warnings <= expect["warnings_max"], report.warning_reasons
    assert report.loaded + report.rejected == report.read
    if report.rejected:
        with open(report.rejects_file, encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        assert len({r["row"] for r in rows}) == report.rejected
        assert all(r["file"] == name and r["row"].isdigit() and r["code"] in expect["reasons"] for r in rows)
    if expect.get("keyed_by_id"):
        keys = {r["k"] for r in clean_db.read("MATCH (p:Person) RETURN p.key AS k")}
        assert keys == {"500103198503121234", "500104199007184560"} or all(k.isdigit() for k in keys)
        assert not any(k.startswith(("np:", "ns:")) for k in keys)


# ------------------------------------------------------------------ bank statements

def bank_rows(*rows: str) -> str:
    return BANK_HEADER + "\n" + "\n".join(rows) + "\n"


PAYER_LINE = ("6222020000000001,,张三,110101199003077774,2024-03-05 14:03:22,1000.00,5000.00,出,6222020000000002,"
              "李四,,中国工商银行重庆分行,会费,TX0001,渝中支行,")
PAYEE_LINE = ("6222020000000002,,李四,,2024/3/5 14:03:22,\"1,000.00\",8000.00,进,6222020000000001,张三,"
              "110101199003077774,中国建设银行,会费,TX0001,江北支行,")


def test_overlapping_statements_make_one_transfer(clean_db, tmp_path):
    payer = write(tmp_path / "payer.csv", bank_rows(PAYER_LINE), "gbk")
    payee = write(tmp_path / "payee.csv", bank_rows(PAYEE_LINE))
    first = load_file(clean_db, payer, report_dir=tmp_path)
    assert first.status == "loaded"
    report = load_file(clean_db, payee, report_dir=tmp_path)
    assert report.status == "loaded" and report.kind == "bank"
    rows = clean_db.read("MATCH (a:BankAccount)-[t:TRANSFER]->(b:BankAccount) RETURN a.key AS a, b.key AS b, "
                         "t.amount AS amount, t.load_runs AS runs, t.src_rows AS src_rows, t.tx_key AS k, "
                         f"{rel_sightings_cypher('t')} AS seen")
    assert len(rows) == 1
    t = rows[0]
    assert (t["a"], t["b"], t["amount"]) == ("6222020000000001", "6222020000000002", 1000.0)
    # two sightings, each a (run, row): row 2 of each statement, resolved to the file by its run
    assert t["runs"] == [first.run_key, report.run_key] and t["src_rows"] == [2, 2]
    assert [(s["file"], s["row"], s["sha256"]) for s in t["seen"]] == [
        ("payer.csv", 2, first.sha256), ("payee.csv", 2, report.sha256)]
    holders = clean_db.read("MATCH (p:Person)-[:HOLDS]->(a:BankAccount {key: '6222020000000001'}) "
                            "RETURN p.key AS k, p.name AS name")
    assert holders == [{"k": "110101199003077774", "name": "张三"}]


def test_same_transfer_without_id_dedupes_by_accounts_time_amount(clean_db, tmp_path):
    payer = PAYER_LINE.replace("TX0001", "")
    payee = PAYEE_LINE.replace("TX0001", "")
    path = write(tmp_path / "both.csv", bank_rows(payer, payee))
    report = load_file(clean_db, path, report_dir=tmp_path)
    assert report.status == "loaded" and report.loaded == 2
    assert counts(clean_db)["TRANSFER"] == 1


def test_cash_rows_are_kept_and_traceable(clean_db, tmp_path):
    cash = ("6222020000000001,,张三,110101199003077774,2024-03-06 09:00:00,500.00,4500.00,出,,,,,ATM取款,TX0002,"
            "解放碑ATM,现金")
    report = load_file(clean_db, write(tmp_path / "cash.csv", bank_rows(PAYER_LINE, cash)), report_dir=tmp_path)
    assert report.loaded == 2
    rows = clean_db.read("MATCH (:BankAccount {key: '6222020000000001'})-[t:TRANSFER {cash: true}]->(c) "
                         "RETURN c.key AS k, c.kind AS kind, t.amount AS amount")
    assert rows == [{"k": "CASH:6222020000000001", "kind": "cash", "amount": 500.0}]


def test_driver_debug_log_holds_no_personal_data(clean_db, tmp_path, caplog):
    """The driver logs every statement it sends at debug level, parameters included: the
    writer's parameter lists print as their length, so turning that log on to diagnose a
    load does not copy ID numbers and names into it (and costs no formatting when off)."""
    import logging
    with caplog.at_level(logging.DEBUG, logger="neo4j"):
        report = load_file(clean_db, write(tmp_path / "pair.csv", bank_rows(PAYER_LINE, PAYEE_LINE)),
                           report_dir=tmp_path)
        # (any query through GraphDB: its list parameters print as their length too)
        assert clean_db.read("UNWIND $ids AS i RETURN i", {"ids": ["110101199003077774"]}) == \
            [{"i": "110101199003077774"}]
    assert report.loaded == 2
    runs = [r.getMessage() for r in caplog.records if "C: RUN" in r.getMessage()]
    assert any("UNWIND" in m for m in runs)      # the statements were logged
    text = "\n".join(runs)
    for personal in ("110101199003077774", "张三", "李四", "6222020000000001"):
        assert personal not in text


def _many_lines(count: int = 3000, mirrored: bool = False) -> list[str]:
    """Statement lines of 150 accounts; ``mirrored``: every tenth transfer also on the
    counterparty's statement, the next line."""
    lines = []
    for i in range(count):
        own, other = f"62220{i % 150:014d}", f"62220{(i * 7 + 3) % 150:014d}"
        when = f"2024-03-05 14:{i // 60 % 60:02d}:{i % 60:02d}"
        lines.append(f"{own},,户主{i % 150},,{when},{i + 1}.00,,"
                     f"{'出' if i % 2 else '进'},{other},对手{i},,,货款,T{i:06d},,")
        if mirrored and i % 10 == 0:
            lines.append(f"{other},,户主{(i * 7 + 3) % 150},,{when},{i + 1}.00,,"
                         f"{'进' if i % 2 else '出'},{own},户主{i % 150},,,货款,T{i:06d},,")
    return lines


def test_driver_cycles_do_not_keep_the_rows(clean_db, tmp_path):
    """The cycle collector is paused while a file loads. The database driver makes
    reference cycles (a result, its hydration scope, its handlers) that keep each
    statement's parameters; they are emptied once the statement has answered, so what
    the cycles hold is a few hundred small objects a chunk, not the chunk's rows (2.1 GB on
    the scale-50 demo when they held them). Everything unreachable after the load is
    kept here (DEBUG_SAVEALL) and searched for the file's rows."""
    import gc
    path = write(tmp_path / "many.csv", bank_rows(*_many_lines(mirrored=True)))
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        report = load_file(clean_db, path, report_dir=tmp_path, chunk_rows=250)
        gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert report.loaded == 3300 and report.duplicates == 300
    rows = [o for o in garbage if isinstance(o, dict) and ("props" in o or "key" in o)]
    assert rows == [], f"{len(rows)} parameter rows left in reference cycles, e.g. {rows[0]}"
    values = [o for o in garbage if isinstance(o, list) and any(isinstance(v, (dict, str)) and "T00" in str(v)
                                                               for v in o[:3])]
    assert values == [], f"{len(values)} parameter lists left in reference cycles"
    # (the rows of the lines after the first that showed a transfer: a dict of lists)
    more = [o for o in garbage if isinstance(o, list) and o and all(type(v) is int for v in o)]
    assert more == [], f"{len(more)} lists of rows left in reference cycles"
    assert len(garbage) < 400 * 14, len(garbage)     # (14 chunks; about 250 objects each)


def test_young_generations_are_collected_past_their_limit(clean_db, tmp_path, monkeypatch):
    """What the paused collector leaves to grow (the memos, the driver's small cycles) is
    collected once the young generations have grown by ``YOUNG_LIMIT`` objects: after each
    chunk they hold at most that and one chunk's worth (about 5,000 objects here)."""
    import gc
    from loaders import pipeline
    monkeypatch.setattr(pipeline, "YOUNG_LIMIT", 5_000)
    young = []
    report = load_file(clean_db, write(tmp_path / "many.csv", bank_rows(*_many_lines())), report_dir=tmp_path,
                       chunk_rows=250, progress=lambda p: young.append(len(gc.get_objects(0)) + len(gc.get_objects(1))))
    assert report.loaded == 3000 and len(young) == 13
    # without the collection they grow by about 5,000 objects every chunk (60,000 by the twelfth)
    assert max(young[:-1]) < 5_000 + 10_000, young


def test_write_behind_stops_at_the_first_failed_chunk(tmp_path, monkeypatch):
    """Chunks are cleaned ahead of the writer (up to ``AHEAD`` wait). When a chunk's write
    fails, no chunk after it is written, whatever was queued, and the failure names the
    first row of the chunk that failed (the cleaning may be chunks further on)."""
    import threading
    from loaders import pipeline
    from loaders.writer import WriteOutcome
    monkeypatch.setattr(pipeline._WriteBehind, "AHEAD", 4)
    written, gate = [], threading.Event()

    class Writer:       # the writer's interface; the first write waits so that chunks queue up
        def prepare(self, nodes, rels, transfers):
            return None

        def write(self, nodes, rels, transfers, prepared):
            gate.wait(10)
            if nodes == ["chunk 3"]:
                raise RuntimeError("refused")
            written.append(nodes[0])
            return WriteOutcome({}, set())

    report = pipeline.FileReport("f.csv", "", "bank")
    behind = pipeline._WriteBehind(Writer(), report, pipeline._IssueLog(tmp_path / "r.csv", "f.csv"))
    try:
        for k in (1, 2, 3):
            behind.submit([f"chunk {k}"], [], 10, None, k * 100)
        assert len(behind.pending) == 3       # queued, none written yet
        gate.set()
        with pytest.raises(RuntimeError):
            for k in (4, 5, 6, 7):
                behind.submit([f"chunk {k}"], [], 10, None, k * 100)
            behind.settle()
    finally:
        behind.close()
    assert written == ["chunk 1", "chunk 2"]
    assert behind.failed_row == 300 and report.loaded == 20


def test_a_failed_write_is_reported_at_its_own_rows(clean_db, tmp_path, monkeypatch):
    """A load whose third chunk cannot be written stops there: the message names that
    chunk's rows, the two chunks before it are in the graph and none after it."""
    from neo4j.exceptions import ServiceUnavailable
    from loaders.writer import GraphWriter
    real_write, calls = GraphWriter.write, []

    def write_until_the_third(self, nodes, rels, transfers=None, prepared=None):
        calls.append(len(calls) + 1)
        if len(calls) == 3:
            raise ServiceUnavailable("connection lost")
        return real_write(self, nodes, rels, transfers, prepared)

    monkeypatch.setattr(GraphWriter, "write", write_until_the_third)
    report = load_file(clean_db, write(tmp_path / "many.csv", bank_rows(*_many_lines())), report_dir=tmp_path,
                       chunk_rows=250)
    assert report.status == "failed" and "near row 502 " in report.message, report.message
    assert calls == [1, 2, 3] and report.loaded == 500
    assert clean_db.read("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS n")[0]["n"] == 500


def test_duplicate_rows_warned_in_and_across_chunks_both_ways(clean_db, tmp_path):
    """An exact duplicate line is loaded once and warned about, whether it repeats a line
    of its own chunk or of an earlier one, column-wise as row by row; a line that differs
    in one cell only is no duplicate."""
    lines = _many_lines(600)
    lines[10] = lines[3]                                   # same chunk (250 lines each)
    lines[520] = lines[7]                                  # a later chunk
    lines[530] = lines[8].replace(",货款,", ",货款 ,")      # one cell differs: not a duplicate
    path = write(tmp_path / "dup.csv", bank_rows(*lines))
    found = {}
    for columnar in (True, False):
        report = load_file(None, path, dry_run=True, report_dir=tmp_path / str(columnar), chunk_rows=250,
                           columnar=columnar)
        with open(report.warnings_file, encoding="utf-8-sig") as handle:
            found[columnar] = sorted(int(r["row"]) for r in csv.DictReader(handle) if r["code"] == "duplicate_row")
    assert found[True] == found[False] == [12, 522]     # (file rows: the header is row 1)


def test_reloading_changes_no_count_and_dry_run_writes_nothing(clean_db, tmp_path):
    path = write(tmp_path / "s.csv", bank_rows(PAYER_LINE, PAYEE_LINE.replace("TX0001", "TX0003")), "gbk")
    dry = load_file(clean_db, path, dry_run=True, report_dir=tmp_path)
    assert dry.status == "validated" and dry.loaded == 2
    assert admin.stats(clean_db)["total"]["nodes"] == 0
    load_file(clean_db, path, report_dir=tmp_path, user="王警官")
    first = counts(clean_db)
    again = load_file(clean_db, path, report_dir=tmp_path, user="王警官")
    assert again.status == "loaded" and counts(clean_db) == first
    run = clean_db.read("MATCH (r:LoadRun) RETURN r { .* } AS r")
    assert len(run) == 1
    run = run[0]["r"]
    assert run["status"] == "loaded" and run["sha256"] == again.sha256 and run["user"] == "王警官"
    assert (run["read"], run["loaded"], run["rejected"]) == (2, 2, 0) and len(run["attempts"]) == 4


def test_provenance_on_nodes_and_relationships(clean_db, tmp_path):
    path = write(tmp_path / "p.csv", bank_rows(PAYER_LINE))
    report = load_file(clean_db, path, report_dir=tmp_path)
    node = clean_db.read("MATCH (a:BankAccount {key: '6222020000000001'}) RETURN a { .* } AS a")[0]["a"]
    assert (node["src_run"], node["src_row"], node["load_runs"]) == (report.run_key, 2, [report.run_key])
    assert "src_file" not in node and "src_sha256" not in node    # by reference: the run holds them
    rel = clean_db.read("MATCH ()-[t:TRANSFER]->() RETURN t { .* } AS t")[0]["t"]
    assert (rel["load_runs"], rel["src_rows"]) == ([report.run_key], [2])
    assert "src_file" not in rel and "src_sha256" not in rel
    run = clean_db.read("MATCH (r:LoadRun {key: $k}) RETURN r.file AS file, r.sha256 AS sha", {"k": report.run_key})
    assert run == [{"file": "p.csv", "sha": report.sha256}] and len(report.sha256) == 64
    assert run_sources(clean_db, [node["src_run"]]) == {report.run_key: ("p.csv", report.sha256)}


def test_formula_text_is_kept_verbatim(clean_db, tmp_path):
    line = PAYER_LINE.replace("会费", '=HYPERLINK("http://x"')
    line = line.replace('=HYPERLINK("http://x"', '"=HYPERLINK(""http://x"")"')
    report = load_file(clean_db, write(tmp_path / "f.csv", bank_rows(line)), report_dir=tmp_path)
    assert report.warning_reasons == {"formula_text": 1}
    memo = clean_db.read("MATCH ()-[t:TRANSFER]->() RETURN t.memo AS m")[0]["m"]
    assert memo == '=HYPERLINK("http://x")'


def test_conflicting_transaction_id_is_rejected_not_merged(clean_db, tmp_path):
    other = PAYER_LINE.replace("6222020000000002", "6222020000000009")
    report = load_file(clean_db, write(tmp_path / "c.csv", bank_rows(PAYER_LINE, other)), report_dir=tmp_path)
    assert report.reasons == {"transfer_conflict": 1} and report.loaded == 1
    assert counts(clean_db)["TRANSFER"] == 1


def test_temporal_values_keep_their_types_on_every_write_path(clean_db, tmp_path):
    """Dates and date-times travel to the server as text and are parsed there: what is
    stored must still be a DATE / LOCAL DATETIME with the value read, on the create paths
    and on the update paths (a second statement and a second roster touching the same
    transfer, people and LEADS)."""
    load_file(clean_db, write(tmp_path / "payer.csv", bank_rows(PAYER_LINE)), report_dir=tmp_path)
    load_file(clean_db, write(tmp_path / "payee.csv", bank_rows(PAYEE_LINE)), report_dir=tmp_path)
    header = "组织名称,姓名,身份证号,手机号,职务,加入日期,缴费金额\n"
    load_file(clean_db, write(tmp_path / "r1.csv", header + "甲协会,张三,110101199003077774,,会长,2021年1月2日,\n"),
              report_dir=tmp_path)
    load_file(clean_db, write(tmp_path / "r2.csv", header + "甲协会,张三,110101199003077774,,会长,2021-01-02,\n"
                              "甲协会,李四,,13900139000,会员,2021/2/3,200\n"), report_dir=tmp_path)
    t = clean_db.read("MATCH ()-[t:TRANSFER]->() RETURN valueType(t.time) AS type, toString(t.time) AS v")
    assert t == [{"type": "LOCAL DATETIME NOT NULL", "v": "2024-03-05T14:03:22"}]
    person = clean_db.read("MATCH (p:Person {key: '110101199003077774'}) "
                           "RETURN valueType(p.birth_date) AS type, toString(p.birth_date) AS v")
    assert person == [{"type": "DATE NOT NULL", "v": "1990-03-07"}]
    since = clean_db.read("MATCH (:Person)-[l:LEADS]->() RETURN valueType(l.since) AS type, toString(l.since) AS v")
    assert since == [{"type": "DATE NOT NULL", "v": "2021-01-02"}]
    joined = clean_db.read("MATCH ()-[m:MEMBER_OF]->() RETURN valueType(m.joined_on) AS type, toString(m.joined_on) AS v")
    assert joined == [{"type": "DATE NOT NULL", "v": "2021-02-03"}]
    from graph import schema
    temporal = sorted({k for n in schema.NODES for k, t in n.properties.items() if t in (schema.DATE, schema.DATETIME)})
    strings = clean_db.read("MATCH (n) UNWIND keys(n) AS k WITH k, n[k] AS v "
                            "WHERE k IN $temporal AND valueType(v) STARTS WITH 'STRING' RETURN count(*) AS c",
                            {"temporal": temporal})
    assert temporal and strings == [{"c": 0}]


# ------------------------------------------------------------------ other kinds

def test_roster_before_registry_gives_one_organization(clean_db, tmp_path):
    roster = write(tmp_path / "roster.csv", "组织名称,姓名,身份证号,手机号,职务,加入日期,缴费金额\n"
                   "中华精准扶贫促进会(重庆),张三,110101199003077774,13800138000,会长,2021-01-01,\n"
                   "中华精准扶贫促进会（重庆）,李四,,13900139000,会员,2021-02-01,200\n")
    registry = write(tmp_path / "registry.csv", "名称,统一社会信用代码,登记状态,登记日期,撤销或注销日期,类型,业务范围,"
                     "登记管理机关,法定代表人,住所\n中华精准扶贫促进会（重庆）,51500000MJP0000017,撤销,2015-03-01,"
                     "2022-05-06,社会团体,扶贫,重庆市民政局,张三,重庆市渝中区解放碑路18号\n")
    from loaders.clean import check_credit_code
    if not check_credit_code("51500000MJP0000017").valid:
        from stdnum.cn import uscc
        code = "51500000MJP000001"
        code += uscc.calc_check_digit(code)
        registry.write_text(registry.read_text(encoding="utf-8").replace("51500000MJP0000017", code), encoding="utf-8")
    assert load_file(clean_db, roster, report_dir=tmp_path).status == "loaded"
    assert load_file(clean_db, registry, report_dir=tmp_path).status == "loaded"
    orgs = clean_db.read("MATCH (o:Organization) RETURN o.key AS k, o.name AS n, o.status AS s")
    assert len(orgs) == 1 and orgs[0]["n"] == "中华精准扶贫促进会（重庆）" and orgs[0]["s"] == "撤销"
    found = clean_db.read("CALL db.index.fulltext.queryNodes('entity_names', '扶贫') YIELD node "
                          "RETURN node.name AS n")   # searchable as soon as the load returns
    assert found == [{"n": "中华精准扶贫促进会（重庆）"}]
    assert not orgs[0]["k"].startswith("name:")
    roles = clean_db.read("MATCH (p:Person)-[l:LEADS]->(:Organization) RETURN p.name AS n, l.role AS r ORDER BY r")
    assert {"n": "张三", "r": "会长"} in roles
    members = clean_db.read("MATCH (p:Person)-[m:MEMBER_OF]->() RETURN p.key AS k, m.fee AS fee")
    assert members == [{"k": "np:李四|13900139000", "fee": 200.0}]


def test_people_without_id_are_not_merged_on_name_alone(clean_db, tmp_path):
    header = "组织名称,姓名,身份证号,手机号,职务,加入日期,缴费金额\n"
    one = write(tmp_path / "one.csv", header + "甲协会,王伟,,,会员,,\n")
    two = write(tmp_path / "two.csv", header + "乙协会,王伟,,,会员,,\n")
    load_file(clean_db, one, report_dir=tmp_path)
    load_file(clean_db, two, report_dir=tmp_path)
    assert counts(clean_db)["Person"] == 2


def test_events_leads_blacklist(clean_db, tmp_path):
    write(tmp_path / "events.csv", "组织名称,活动名称,类型,日期,地点,参与人数,收费或募集金额,参与人员\n"
          "重庆市一带一路促进会,年度庆典,庆典,2023年5月6日,重庆市渝中区解放碑路18号,300,\"¥120,000\",张三、李四\n")
    write(tmp_path / "leads.csv", "线索编号,来源,受理日期,涉及组织,涉及人员,内容摘要\n"
          "XS-001,举报投诉,2023/6/1,重庆市一带一路促进会,张三,以一带一路名义收取会费\n")
    write(tmp_path / "blacklist.csv", "姓名,身份证号,列入日期,原因,关联组织\n"
          "张三,110101199003077774,2022-01-01,非法集资,重庆市一带一路促进会\n")
    for name in ("events.csv", "leads.csv", "blacklist.csv"):
        report = load_file(clean_db, tmp_path / name, report_dir=tmp_path)
        assert report.status == "loaded" and report.rejected == 0, report
    event = clean_db.read("MATCH (o:Organization)-[:ORGANIZED]->(e:Event)-[:HELD_AT]->(a:Address) "
                          "RETURN o.name AS o, e.amount AS amount, e.participants AS n, e.date AS d, a.district AS district")
    assert event[0]["amount"] == 120000.0 and event[0]["n"] == 300 and str(event[0]["d"]) == "2023-05-06"
    assert event[0]["district"] == "渝中区"
    assert clean_db.read("MATCH (:Person)-[:ATTENDED]->(:Event) RETURN count(*) AS c")[0]["c"] == 2
    lead = clean_db.read("MATCH (l:Lead)-[:CONCERNS]->(o:Organization) RETURN l.source AS s, o.name AS o")
    assert lead == [{"s": "举报投诉", "o": "重庆市一带一路促进会"}]
    listed = clean_db.read("MATCH (b:BlacklistEntry)-[:LISTS]->(p:Person) RETURN p.key AS k, p.blacklisted AS bl")
    assert listed == [{"k": "110101199003077774", "bl": True}]
    assert counts(clean_db)["Organization"] == 1


def test_ftm_entities_and_payments(clean_db, tmp_path):
    report = load_file(clean_db, SAMPLES / "ftm_sample.jsonl", report_dir=tmp_path)
    assert report.kind == "ftm" and report.status == "loaded", report
    assert report.reasons == {"bad_json": 1}
    c = counts(clean_db)
    assert (c["TRANSFER"], c["MEMBER_OF"], c["LEADS"], c["FAMILY_OF"], c["ASSOCIATE_OF"], c["LINKED_TO"]) == (2, 1, 1, 1, 1, 1)
    named = clean_db.read("MATCH (a:BankAccount {key: 'CN0012345678'})-[t:TRANSFER]->(b) RETURN b.key AS b, t.amount AS m")
    assert named == [{"b": "CN0098765432", "m": 50000.0}]
    virtual = clean_db.read("MATCH (p)-[:HOLDS]->(a:BankAccount {kind: 'virtual'})-[t:TRANSFER]->(b)<-[:HOLDS]-(q) "
                            "RETURN p.name AS p, q.name AS q, t.amount AS m")
    assert virtual == [{"p": "赵六", "q": "重庆国际文化交流协会", "m": 8800.0}]
    assert clean_db.read("MATCH (:Person {name: '赵六'})-[:HOLDS]->(a:BankAccount {key: 'CN0012345678'}) "
                         "RETURN count(*) AS c")[0]["c"] == 1


def test_declarative_mapping_for_amlsim_layout(clean_db, tmp_path):
    mapping = ROOT / "docs" / "examples" / "amlsim-transactions.yaml"
    report = load_file(clean_db, SAMPLES / "amlsim_tx.csv", mapping_file=mapping, report_dir=tmp_path)
    assert report.status == "loaded" and report.kind == "amlsim-tx", report.message
    assert counts(clean_db)["TRANSFER"] == report.loaded == 6
    cycle = clean_db.read("MATCH (a:BankAccount {key: '24'})-[:TRANSFER]->(:BankAccount)-[:TRANSFER]->"
                          "(:BankAccount)-[:TRANSFER]->(a) RETURN count(*) AS c")
    assert cycle[0]["c"] >= 1


@pytest.mark.skipif(not (ROOT.parent / "shared" / "datasets" / "amlsim" / "sample-outputs" / "tx.csv").exists(),
                    reason="optional: the shared AMLSim sample is not beside the project")
def test_amlsim_shared_sample_loads_with_the_documented_mapping(clean_db, tmp_path):
    sample = ROOT.parent / "shared" / "datasets" / "amlsim" / "sample-outputs" / "tx.csv"
    report = load_file(clean_db, sample, mapping_file=ROOT / "docs" / "examples" / "amlsim-transactions.yaml",
                       report_dir=tmp_path)
    assert report.status == "loaded" and report.loaded == 45 and counts(clean_db)["TRANSFER"] == 45


def test_unknown_layout_asks_for_kind(clean_db, tmp_path):
    path = write(tmp_path / "odd.csv", "甲,乙,丙\n1,2,3\n")
    report = load_file(clean_db, path, report_dir=tmp_path)
    assert report.status == "failed" and "--kind" in report.message and "odd.csv" in report.message


def test_cli_load_json_contract(neo4j_server, db, tmp_path):
    admin.wipe(db)
    path = write(tmp_path / "cli.csv", bank_rows(PAYER_LINE, PAYEE_LINE.replace("2024/3/5", "notadate")), "gbk")
    env = {**os.environ, "NEO4J_URI": neo4j_server.uri, "NEO4J_PASSWORD": neo4j_server.password()}
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "load", str(path), "--json", "--report-dir",
                           str(tmp_path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    files = json.loads(proc.stdout)["files"]
    assert {"file", "sha256", "kind", "read", "loaded", "rejected", "warnings", "rejects_file", "status"} <= set(files[0])
    assert (files[0]["kind"], files[0]["read"], files[0]["loaded"], files[0]["rejected"]) == ("bank", 2, 1, 1)
    missing = write(tmp_path / "missing.csv", "交易卡号,交易时间\n1,2024-01-01\n")
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "load", str(missing), "--kind", "bank", "--json",
                           "--report-dir", str(tmp_path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 1 and json.loads(proc.stdout)["files"][0]["status"] == "failed"


def test_progress_is_reported_per_chunk(clean_db, tmp_path):
    lines = [PAYER_LINE.replace("TX0001", f"TX{n:04d}").replace("14:03:22", f"14:{n // 60:02d}:{n % 60:02d}")
             for n in range(25)]
    path = write(tmp_path / "many.csv", bank_rows(*lines))
    seen = []
    report = load_file(clean_db, path, report_dir=tmp_path, chunk_rows=10, progress=seen.append)
    assert report.status == "loaded" and report.loaded == 25
    reads = [p.read for p in seen]
    assert reads[:3] == [10, 20, 25] and reads == sorted(reads)
    last = seen[-1]
    assert (last.file, last.read, last.loaded, last.rejected) == ("many.csv", 25, 25, 0) and last.seconds > 0
    assert all(p.loaded <= p.read for p in seen)


class _Terminal:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_cli_progress_line_only_on_a_terminal():
    from commands.common import ProgressLine
    from loaders.pipeline import Progress
    terminal, log = _Terminal(True), _Terminal(False)
    for stream in (terminal, log):
        with ProgressLine(stream) as progress:
            progress(Progress("bank.csv", 5000, 4000, 2, 2.0))
            progress(Progress("bank.csv", 6000, 5000, 2, 2.5))   # within a second: not redrawn
    assert log.text == ""
    assert "bank.csv: 5,000 rows read, 4,000 loaded, 2 rejected (2,500 rows/s, 2 s)" in terminal.text
    assert "6,000" not in terminal.text and terminal.text.endswith("\r")


def test_writer_skips_nodes_whose_values_it_already_wrote():
    """An account seen from its own statement (holder name) and from counterparties'
    (holder name and bank) alternately is written once per new value, not on every row;
    a new spelling of a name is written (it becomes an alias)."""
    from loaders.records import NodeRecord
    from loaders.writer import GraphWriter, Provenance

    writer = GraphWriter(None, Provenance("f.csv", "ab" * 32, "run"))   # batching only: no database

    def batch(*records):
        out, _, _ = writer._node_batches(list(records))
        return [(label, row["key"]) for label, rows in out.items() for row in rows]

    own = NodeRecord("BankAccount", "A1", {"number": "A1", "holder_name": "张三"}, 2)
    seen_by_payer = NodeRecord("BankAccount", "A1", {"number": "A1", "holder_name": "张三", "bank": "工行"}, 3)
    assert batch(own) == [("BankAccount", "A1")]
    assert batch(seen_by_payer) == [("BankAccount", "A1")]        # a new value: written
    assert batch(own) == [] and batch(seen_by_payer) == [] and batch(own) == []
    assert batch(NodeRecord("BankAccount", "A1", {"number": "A1", "bank": "建行"}, 4)) == [("BankAccount", "A1")]
    person = NodeRecord("Person", "110101199003077774", {"name": "张三", "id_valid": True}, 2)
    assert batch(person) == [("Person", "110101199003077774")]
    assert batch(person) == []
    assert batch(NodeRecord("Person", "110101199003077774", {"name": "张叁", "id_valid": True}, 5)) != []
    assert batch(NodeRecord("Person", "110101199003077774", {"name": "张三", "id_valid": 1}, 6)) != []   # True != 1


def test_new_transfers_name_their_ends_by_account_and_a_missing_end_writes_nothing(clean_db):
    """The column-wise transfer statement looks each account up once and has every
    transfer name its ends by their place in that list: each transfer lands between its
    own two accounts (the same account twice in a chunk, in either role), and one whose
    account is missing makes the statement write nothing and the writer say so."""
    from loaders.columnar import TransferColumns
    from loaders.writer import GraphWriter, Provenance

    clean_db.write("UNWIND $keys AS k CREATE (:BankAccount {key: k, number: k})", {"keys": ["A", "B", "C"]})
    writer = GraphWriter(clean_db, Provenance("f.csv", "ab" * 32, "run"))

    def columns(pairs):
        out = TransferColumns("BankAccount", "BankAccount", ("amount",), frozenset())
        out.keys = [f"id:{n}" for n in range(len(pairs))]
        out.sources, out.targets = [a for a, _ in pairs], [b for _, b in pairs]
        out.rows = list(range(2, 2 + len(pairs)))
        out.props = {"amount": [float(n + 1) for n in range(len(pairs))]}
        return out

    pairs = [("A", "B"), ("C", "A"), ("B", "C"), ("A", "C"), ("B", "A")]
    with clean_db.driver.session(database=clean_db.database) as session:
        session.execute_write(lambda tx: writer._write_transfer_columns(tx, columns(pairs)))
    found = clean_db.read("MATCH (a)-[t:TRANSFER]->(b) RETURN t.tx_key AS k, a.key AS a, b.key AS b ORDER BY k")
    assert [(r["a"], r["b"]) for r in found] == pairs
    clean_db.write("MATCH ()-[t:TRANSFER]->() DELETE t")
    with pytest.raises(RuntimeError, match="found no account"):
        with clean_db.driver.session(database=clean_db.database) as session:
            session.execute_write(lambda tx: writer._write_transfer_columns(tx, columns([("A", "B"), ("A", "Z")])))
    assert clean_db.read("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS n")[0]["n"] == 0

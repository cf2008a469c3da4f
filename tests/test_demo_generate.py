"""The demo-case generator: determinism, file layouts, and every planted pattern present in the files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
from stdnum.cn import ric, uscc

from demo import generate_case
from demo.writers import (BANK_HEADER, BLACKLIST_HEADER, EVENTS_HEADER, LEADS_HEADER, REGISTRY_HEADER,
                          ROSTER_HEADER)

FILES = ["bank_statements.xlsx", "bank_statements_gbk.csv", "blacklist.csv", "events.csv", "ground_truth.json",
         "leads.csv", "registry.csv", "roster.csv"]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("case")
    summary = generate_case(out)
    gt = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    return out, summary, gt


def read_csv(path: Path, encoding="utf-8"):
    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.fixture(scope="module")
def bank(case):
    """All statement rows (CSV then XLSX), each with its file and physical row."""
    out = case[0]
    header, rows = read_csv(out / "bank_statements_gbk.csv", "gbk")
    assert header == BANK_HEADER
    for i, r in enumerate(rows):
        r["_file"], r["_row"] = "csv", i + 2
    wb = openpyxl.load_workbook(out / "bank_statements.xlsx", read_only=True)
    values = list(wb.active.iter_rows(values_only=True))
    assert values[0][0] == "银行交易明细查询结果" and not any(values[1]) and list(values[2]) == BANK_HEADER
    for i, v in enumerate(values[3:]):
        r = {h: ("" if x is None else f"{x:.2f}" if isinstance(x, (int, float)) else str(x)) for h, x in zip(BANK_HEADER, v)}
        r["_file"], r["_row"] = "xlsx", i + 4
        rows.append(r)
    return rows


@pytest.fixture(scope="module")
def transfers(bank, case):
    """txid -> {payer, payee, amount, time, memo, cash} from valid rows (deduplicated by 交易流水号)."""
    bad = {(b["row"]) for b in case[2]["deliberate_bad_rows"] if b["file"].startswith("bank")}
    out = {}
    for r in bank:
        if r["_file"] == "csv" and r["_row"] in bad:
            continue
        holder, cp = r["交易卡号"], r["交易对手账卡号"] or None
        payer, payee = (holder, cp) if r["收付标志"] == "出" else (cp, holder)
        t = {"payer": payer, "payee": payee, "amount": float(r["交易金额"]),
             "time": dt.datetime.strptime(r["交易时间"], "%Y-%m-%d %H:%M:%S"), "memo": r["摘要说明"],
             "cash": r["现金标志"] == "现金"}
        prev = out.setdefault(r["交易流水号"], t)
        assert prev == t, r["交易流水号"]
    return out


@pytest.fixture(scope="module")
def roster(case):
    header, rows = read_csv(case[0] / "roster.csv")
    assert header == ROSTER_HEADER
    return rows


def test_summary_and_files(case):
    out, summary, gt = case
    assert summary["files"] == FILES
    assert sorted(p.name for p in out.iterdir()) == FILES
    assert summary["counts"] == gt["counts"] and gt["seed"] == 7 and gt["scale"] == 1.0
    c = gt["counts"]
    assert 60 <= c["organizations"] <= 100 and 1300 <= c["people"] <= 1800
    assert c["transfers"] == 20000 and c["events"] == 100 and c["leads"] == 50


def test_same_seed_is_byte_identical_and_other_seed_differs(case, tmp_path):
    out = case[0]
    again = tmp_path / "again"
    generate_case(again)
    for name in FILES:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    other = tmp_path / "other"
    generate_case(other, seed=8)
    for name in ("bank_statements_gbk.csv", "roster.csv", "registry.csv", "ground_truth.json"):
        assert (out / name).read_bytes() != (other / name).read_bytes(), name


def test_headers_and_encodings(case):
    out = case[0]
    (out / "bank_statements_gbk.csv").read_bytes().decode("gbk")
    raw = (out / "registry.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert read_csv(out / "registry.csv", "utf-8-sig")[0] == REGISTRY_HEADER
    assert read_csv(out / "events.csv")[0] == EVENTS_HEADER
    assert read_csv(out / "leads.csv")[0] == LEADS_HEADER
    assert read_csv(out / "blacklist.csv")[0] == BLACKLIST_HEADER


def test_statement_rows(bank, transfers, case):
    gt = case[2]
    assert len(bank) == gt["counts"]["statement_rows"]
    assert len(transfers) == gt["counts"]["transfers"]
    lines = defaultdict(list)
    for r in bank:
        lines[r["交易流水号"]].append((r["收付标志"], r["_file"]))
        assert r["收付标志"] in ("进", "出") and r["现金标志"] in ("现金", "转账")
        assert 16 <= len(r["交易卡号"]) <= 19 and r["交易卡号"].isdigit()
        assert float(r["交易金额"]) > 0 and len(r["交易金额"].split(".")[1]) == 2
        assert float(r["交易余额"]) >= 0
        if r["现金标志"] == "现金":
            assert r["交易对手账卡号"] == "" and r["摘要说明"] in ("取现", "ATM取款")
    # one payer line per transfer; the payee's line for roughly 60% of the non-cash ones
    assert all(sum(1 for d, _ in v if d == "出") == 1 and len(v) <= 2 for v in lines.values())
    both = sum(len(v) == 2 for v in lines.values())
    non_cash = sum(not t["cash"] for t in transfers.values())
    assert 0.5 < both / non_cash < 0.7
    assert sum(t["cash"] for t in transfers.values()) == gt["cash_rows"]
    xlsx_cards = {r["交易卡号"] for r in bank if r["_file"] == "xlsx"}
    csv_cards = {r["交易卡号"] for r in bank if r["_file"] == "csv"}
    assert xlsx_cards and not xlsx_cards & csv_cards


def test_collection_accounts(transfers, case):
    for c in case[2]["collection_accounts"]:
        incoming = [t for t in transfers.values() if t["payee"] == c["account"]]
        assert len({t["payer"] for t in incoming}) == c["distinct_payer_accounts"] >= 5
        assert f"{sum(t['amount'] for t in incoming):.2f}" == c["total_amount"]
        assert all("会费" in t["memo"] or "培训费" in t["memo"] for t in incoming)


def test_layering_chains(transfers, case):
    for ch in case[2]["layering_chains"]:
        assert 5 <= len(ch["mules"]) <= 10
        out = [transfers[x] for x in ch["fan_out_tx"]]
        fwd = [transfers[x] for x in ch["forward_tx"]]
        assert [t["payer"] for t in out] == [ch["source"]] * len(out)
        assert [t["payee"] for t in out] == ch["mules"]
        assert max(t["time"] for t in out) - min(t["time"] for t in out) < dt.timedelta(hours=6)
        for o, f in zip(out, fwd):
            assert f["payer"] == o["payee"] and f["payee"] == ch["sink"]
            assert dt.timedelta(0) < f["time"] - o["time"] < dt.timedelta(hours=48)
            assert 0.8 * o["amount"] <= f["amount"] < o["amount"]
        cash = [transfers[x] for x in ch["cash_out_tx"]]
        assert cash and all(t["cash"] and t["payer"] == ch["sink"] and t["payee"] is None for t in cash)


def test_cycles(transfers, case):
    gt = case[2]
    assert len(gt["cycles"]) >= 3
    for cyc in gt["cycle_transfers"]:
        accts = cyc["accounts"]
        assert 3 <= len(accts) <= 5 and accts in gt["cycles"]
        hops = [transfers[x] for x in cyc["tx_ids"]]
        assert [(h["payer"], h["payee"]) for h in hops] == [(a, accts[(i + 1) % len(accts)]) for i, a in enumerate(accts)]
        times = [h["time"] for h in hops]
        assert times == sorted(times) and times[-1] - times[0] < dt.timedelta(days=10)
        amounts = [h["amount"] for h in hops]
        assert amounts == sorted(amounts, reverse=True) and amounts[-1] > 0.85 * amounts[0]


def test_relatives_of_ringleaders(roster, bank, case):
    gt = case[2]
    leaders = {r["id_number"]: r for r in gt["ringleaders"]}
    for rid, rels in gt["relatives"].items():
        ring = leaders[rid]
        assert [x["account"] for x in rels] == gt["relative_accounts"][rid]
        for rel in rels:
            assert rel["name"][0] == ring["name"][0] and rel["id_number"] != rid
            rows = [r for r in roster if r["身份证号"] == rel["id_number"]]
            assert rows and all(r["手机号"] == ring["phone"] for r in rows)
            held = {r["开户人证件号码"] for r in bank if r["交易卡号"] == rel["account"]}
            assert held == {rel["id_number"]}


def test_linked_groups(roster, case):
    out, _, gt = case
    _, events = read_csv(out / "events.csv")
    for g in gt["linked_groups"]:
        for pid in g["shared_leaders"]:
            orgs = {r["组织名称"] for r in roster if r["身份证号"] == pid and r["职务"] != "会员"}
            assert len(orgs & set(g["orgs"])) >= 2
        for phone in g["shared_phones"]:
            assert len({r["组织名称"] for r in roster if r["手机号"] == phone} & set(g["orgs"])) >= 2
        collectors = {c["account"]: set(c["orgs"]) for c in gt["collection_accounts"]}
        sinks = {ch["sink"] for ch in gt["layering_chains"]}
        assert any(len(collectors.get(a, ())) >= 2 for a in g["shared_accounts"])
        assert all(a in collectors or a in sinks for a in g["shared_accounts"])
        for addr in g["shared_addresses"]:
            assert len({e["组织名称"] for e in events if e["地点"] == addr} & set(g["orgs"])) >= 2


def test_reformed_organization(roster, transfers, case):
    out, _, gt = case
    _, registry = read_csv(out / "registry.csv", "utf-8-sig")
    _, events = read_csv(out / "events.csv")
    for ref in gt["reformed_organizations"]:
        old = next(r for r in registry if r["名称"] == ref["old_name"])
        assert old["登记状态"] == "撤销" and old["撤销或注销日期"] == ref["revoked_on"]
        assert old["住所"] == ref["shared_address"]
        assert not any(r["名称"] == ref["new_name"] for r in registry)
        for pid in ref["shared_leaders"]:
            led = {r["组织名称"] for r in roster if r["身份证号"] == pid and r["职务"] != "会员"}
            assert {ref["old_name"], ref["new_name"]} <= led
        assert any(e["组织名称"] == ref["new_name"] and e["地点"] == ref["shared_address"] for e in events)
        new_members = {r["身份证号"] for r in roster if r["组织名称"] == ref["new_name"]}
        fees = [t for t in transfers.values() if t["payee"] == ref["shared_account"]]
        assert fees and all(t["time"].date().isoformat() > ref["revoked_on"] for t in fees)
        # the account is still held in the revoked organization's name
        assert any(c["account"] == ref["shared_account"] and c["holder_name"] == ref["old_name"]
                   for c in gt["collection_accounts"])
        assert new_members
        assert all(r["加入日期"] > ref["revoked_on"] for r in roster if r["组织名称"] == ref["new_name"])
        assert all(e["日期"] > ref["revoked_on"] for e in events if e["组织名称"] == ref["new_name"])
        assert all(e["日期"] < ref["revoked_on"] for e in events if e["组织名称"] == ref["old_name"])


def test_blacklist_hits(roster, case):
    out, _, gt = case
    _, blacklist = read_csv(out / "blacklist.csv")
    listed = {b["身份证号"]: b["关联组织"] for b in blacklist}
    found = {}
    for r in roster:
        if r["身份证号"] in listed and r["职务"] != "会员" and r["组织名称"] != listed[r["身份证号"]]:
            found[r["身份证号"]] = r["组织名称"]
    assert found == gt["blacklist_hits"] and len(found) >= 3


def test_revoked_and_preparing(case):
    out, _, gt = case
    _, registry = read_csv(out / "registry.csv", "utf-8-sig")
    _, events = read_csv(out / "events.csv")
    status = {r["名称"]: r for r in registry}
    assert len(gt["revoked_but_active"]) >= 2
    for x in gt["revoked_but_active"]:
        assert status[x["org"]]["登记状态"] == "撤销"
        dates = sorted(e["日期"] for e in events if e["组织名称"] == x["org"] and e["日期"] > x["revoked_on"])
        assert dates == sorted(x["event_dates_after"]) and dates
    assert len(gt["preparing_overreach"]) >= 2
    for x in gt["preparing_overreach"]:
        assert status[x["org"]]["登记状态"] == "筹备"
        assert {e["type"] for e in x["events"]} & {"募捐", "庆典"}


def test_deliberate_bad_rows(case):
    out, _, gt = case
    bad = gt["deliberate_bad_rows"]
    assert sorted(b["reason"] for b in bad) == ["bad_date"] * 3 + ["bad_id_checksum"] * 2
    for b in bad:
        enc = "gbk" if b["file"].endswith("gbk.csv") else "utf-8"
        with open(out / b["file"], encoding=enc, newline="") as f:
            rows = list(csv.reader(f))
        value = rows[b["row"] - 1][rows[0].index(b["column"])]
        if b["reason"] == "bad_date":
            with pytest.raises(ValueError):
                dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        else:
            assert len(value) == 18 and value[:17].isdigit()
            assert ric.calc_check_digit(value) != value[-1]
    bad_lines = {b["row"] for b in bad if b["reason"] == "bad_date"}
    with open(out / "bank_statements_gbk.csv", encoding="gbk", newline="") as f:
        for i, row in enumerate(csv.reader(f), 1):
            if i > 1 and i not in bad_lines:
                dt.datetime.strptime(row[4], "%Y-%m-%d %H:%M:%S")


def test_resident_ids_and_people(roster, bank, case):
    out, _, gt = case
    bad = {(b["row"]) for b in gt["deliberate_bad_rows"] if b["file"] == "roster.csv"}
    _, blacklist = read_csv(out / "blacklist.csv")
    numbers = [r["身份证号"] for i, r in enumerate(roster) if i + 2 not in bad] + [b["身份证号"] for b in blacklist]
    for r in bank:
        numbers += [x for x in (r["开户人证件号码"], r["对手身份证号"]) if x and x[:17].isdigit()]
    for n in set(numbers):
        assert len(n) == 18 and n[:4] in ("5001", "5002"), n
        assert ric.calc_check_digit(n) == n[-1], n
        birth = dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
        assert dt.date(1950, 1, 1) <= birth <= dt.date(2000, 12, 31)
    for r in roster:
        assert len(r["手机号"]) == 11 and r["手机号"][:2] in ("13", "15", "18")
    assert {r["职务"] for r in roster} == {"会长", "副会长", "秘书长", "理事", "财务", "会员"}
    assert all(float(r["缴费金额"]) > 0 for r in roster if r["职务"] == "会员")


def test_registry_and_targets(case):
    out, _, gt = case
    _, registry = read_csv(out / "registry.csv", "utf-8-sig")
    names = {r["名称"] for r in registry}
    assert {r["登记状态"] for r in registry} == {"正常", "撤销", "注销", "筹备"}
    assert sum(r["登记状态"] == "正常" for r in registry) > gt["counts"]["organizations"] / 2
    for r in registry:
        code = r["统一社会信用代码"]
        if r["登记状态"] == "筹备":
            assert code == ""
            continue
        assert uscc.is_valid(code) and code[:2] == {"社会团体": "51", "民办非企业单位": "52", "基金会": "53"}[r["类型"]]
        assert code[2:5] == "500"
    targets = {t["name"]: t for t in gt["targets"]}
    assert targets["中华精准扶贫促进会"]["status"] == "未登记"
    assert set().union(*(t["classes"] for t in targets.values())) == {1, 2, 3, 4, 5, 6, 7}
    for t in targets.values():
        assert (t["name"] in names) == (t["status"] != "未登记")
    kinds = {t["kind"] for t in targets.values()}
    assert {"offshore", "counterfeit", "impersonation", "revoked_active", "preparing_overreach", "reformed"} <= kinds
    # a name rule alone proves nothing: lawful organizations with flagged words exist
    assert any(("中国" in n or "国际" in n or "一带一路" in n) for n in names - set(targets))


def test_leads_and_events(case):
    out, _, gt = case
    _, leads = read_csv(out / "leads.csv")
    _, events = read_csv(out / "events.csv")
    assert {l["来源"] for l in leads} == {"举报投诉", "来信来访", "大数据平台"}
    assert len({l["线索编号"] for l in leads}) == len(leads) == gt["counts"]["leads"]
    assert len(events) == gt["counts"]["events"]
    assert len({(e["组织名称"], e["活动名称"], e["日期"]) for e in events}) == len(events)
    districts = {d for e in events for d in ("渝中区", "江北区", "南岸区", "九龙坡区", "沙坪坝区", "渝北区") if d in e["地点"]}
    assert len(districts) >= 5


def test_larger_scale_writes_csv_only(tmp_path):
    summary = generate_case(tmp_path, scale=2.5, seed=3)
    assert "bank_statements.xlsx" not in summary["files"] and not (tmp_path / "bank_statements.xlsx").exists()
    c = summary["counts"]
    assert c["transfers"] == 50000 and c["events"] == 250 and c["statement_rows_xlsx"] == 0
    assert c["organizations"] < 80 * 2.5

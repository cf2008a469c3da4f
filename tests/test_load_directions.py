"""Issues 9 and 10 against the real test server: the direction flag decides, both-sides
duplicates are counted (not rejected), every amount spelling, the built-in transfers kind,
a 31-digit amount rejected alone, broken bytes, duplicate headers, clipped messages.

Fixtures: tests/fixtures/loads (made by make_fixtures.py there). Expected outcomes are
written here, not derived from the loader's own tables."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph import admin
from graph.provenance import rel_sightings_cypher, run_sources
from loaders.pipeline import load_file
from tests.conftest import FIXTURES, ROOT

LOADS = FIXTURES / "loads"
HOLDER, OTHER = "6217000010099990001", "6217000010099990002"
BANK = "交易卡号,账户开户名称,交易时间,交易金额,收付标志,交易对手账卡号,对手户名,摘要说明,交易流水号"


def _fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", LOADS / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _fixtures()


def transfers(db) -> list[dict]:
    return db.read("MATCH (a:BankAccount)-[t:TRANSFER]->(b:BankAccount) "
                   "RETURN a.key AS a, b.key AS b, t.amount AS amount, t.tx_id AS tx, t.memo AS memo, "
                   "t.load_runs AS runs, t.src_rows AS rows ORDER BY t.tx_id")


def issues(path: str | None) -> list[dict]:
    if not path:
        return []
    with open(path, encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_fixtures_are_reproducible(tmp_path, monkeypatch):
    monkeypatch.setattr(MAKE, "HERE", tmp_path)
    MAKE.main()
    for made in tmp_path.iterdir():
        assert made.read_bytes() == (LOADS / made.name).read_bytes(), made.name


# ------------------------------------------------------------------ §1 the flag decides

def test_issue_example_loads_zhangsan_to_lisi(clean_db, tmp_path):
    report = load_file(clean_db, LOADS / "zhangsan_lisi.csv", report_dir=tmp_path)
    assert report.status == "loaded" and (report.loaded, report.rejected, report.warnings) == (1, 0, 0)
    assert [(t["a"], t["b"], t["amount"]) for t in transfers(clean_db)] == [(HOLDER, OTHER, 500.0)]
    holder = clean_db.read("MATCH (p:Person)-[:HOLDS]->(:BankAccount {key: $k}) RETURN p.name AS n", {"k": HOLDER})
    assert holder == [{"n": "张三"}]


def test_every_flag_spelling_in_both_directions_with_both_signs(clean_db, tmp_path):
    report = load_file(clean_db, LOADS / "flag_spellings.csv", report_dir=tmp_path)
    flags = len(MAKE.FLAGS_OUT) + len(MAKE.FLAGS_IN)
    assert report.status == "loaded" and report.rejected == 0, report.reasons
    assert report.loaded == report.read == flags * 3 + 2
    rows = transfers(clean_db)
    assert len(rows) == report.loaded
    for t in rows:
        memo = t["memo"]
        money_out = memo.startswith("out") or memo == "noflag-"
        assert (t["a"], t["b"]) == ((HOLDER, OTHER) if money_out else (OTHER, HOLDER)), t
        assert t["amount"] > 0
    # a sign against its flag ('-' with 进/贷…, '+' with 出/借…) is loaded as the flag says, and warned about
    warned = issues(report.warnings_file)
    disagree = sorted(int(w["row"]) for w in warned if w["code"] == "sign_disagrees_with_flag")
    expected = sorted(int(t["tx"][1:]) + 1 for t in rows if t["memo"] in ("out+", "in-"))
    assert disagree == expected and len(expected) == flags
    assert all(w["value"].startswith(("+", "-")) and w["column"] == "交易金额" for w in warned
               if w["code"] == "sign_disagrees_with_flag")
    unflagged = [w for w in warned if w["code"] == "direction_from_sign"]
    assert len(unflagged) == 2 and {w["value"] for w in unflagged} == {f"{100 + flags * 3 + 1}.00",
                                                                          f"-{100 + flags * 3 + 2}.00"}
    assert set(report.warning_reasons) == {"sign_disagrees_with_flag", "direction_from_sign"}


def test_a_users_mapping_gets_the_flag_rule_and_can_switch_it(clean_db, tmp_path):
    import yaml
    spec = yaml.safe_load((ROOT / "loaders" / "mappings" / "bank.yaml").read_text(encoding="utf-8"))
    spec.pop("detect")
    spec.pop("direction_rule")
    spec["kind"] = "my-bank"
    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    report = load_file(clean_db, LOADS / "zhangsan_lisi.csv", mapping_file=mine, report_dir=tmp_path)
    assert report.status == "loaded" and report.kind == "my-bank"
    assert [(t["a"], t["b"]) for t in transfers(clean_db)] == [(HOLDER, OTHER)]   # default: the flag decides

    admin.wipe(clean_db)
    spec["direction_rule"] = {"flag_decides": False}      # the old reading: a negative amount reverses
    mine.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    report = load_file(clean_db, LOADS / "zhangsan_lisi.csv", mapping_file=mine, report_dir=tmp_path)
    assert report.warning_reasons == {"negative_amount": 1}
    assert [(t["a"], t["b"]) for t in transfers(clean_db)] == [(OTHER, HOLDER)]


# ------------------------------------------------------------------ §2 duplicates

def test_statement_pair_seen_from_both_sides_counts_duplicates(clean_db, tmp_path):
    payer = load_file(clean_db, LOADS / "both_sides_payer.csv", report_dir=tmp_path)
    payee = load_file(clean_db, LOADS / "both_sides_payee.csv", report_dir=tmp_path)
    assert (payer.status, payee.status) == ("loaded", "loaded")
    assert (payer.rejected, payee.rejected) == (0, 0), payee.reasons
    assert (payer.duplicates, payee.duplicates) == (0, 5)
    assert payee.loaded == 5 and payee.as_dict()["duplicates"] == 5
    rows = transfers(clean_db)
    assert [(t["a"], t["b"], t["amount"]) for t in rows] == [(HOLDER, OTHER, i * 100.0) for i in range(1, 6)]
    # each transfer: two sightings (run, row), one per statement, aligned lists
    assert all(t["runs"] == [payer.run_key, payee.run_key] and len(t["rows"]) == 2 for t in rows)
    sources = run_sources(clean_db, [payer.run_key, payee.run_key])
    assert sources == {payer.run_key: ("both_sides_payer.csv", payer.sha256),
                       payee.run_key: ("both_sides_payee.csv", payee.sha256)}
    before = admin.stats(clean_db)
    again = load_file(clean_db, LOADS / "both_sides_payee.csv", report_dir=tmp_path)   # reload: idempotent
    assert again.status == "loaded" and again.rejected == 0 and again.duplicates == 5
    assert admin.stats(clean_db) == before
    assert again.run_key == payee.run_key
    assert transfers(clean_db) == rows        # the reload adds no sighting


def test_true_conflict_is_rejected_with_both_versions(clean_db, tmp_path):
    report = load_file(clean_db, LOADS / "conflict.csv", report_dir=tmp_path)
    assert report.reasons == {"transfer_conflict": 2} and report.loaded == 1 and report.duplicates == 0
    rejects = {int(r["row"]): r for r in issues(report.rejects_file)}
    other_accounts, other_amount = rejects[3], rejects[4]
    assert other_accounts["value"] == "CF001" == other_amount["value"]
    assert f"{HOLDER} → {OTHER}, 500.00" in other_accounts["detail"]
    assert f"{HOLDER} → 6217000010099990009, 500.00" in other_accounts["detail"]
    assert f"{HOLDER} → {OTHER}, 600.00" in other_amount["detail"]
    # across files too: the stored version is shown
    admin.wipe(clean_db)
    load_file(clean_db, LOADS / "zhangsan_lisi.csv", report_dir=tmp_path)
    clash = tmp_path / "clash.csv"
    clash.write_text(BANK + f"\n{HOLDER},张三,2025-03-01 10:00:00,-700.00,出,{OTHER},李四,转账,N0001\n", encoding="utf-8")
    report = load_file(clean_db, clash, report_dir=tmp_path)
    [reject] = issues(report.rejects_file)
    assert reject["code"] == "transfer_conflict" and "500.00" in reject["detail"] and "700.00" in reject["detail"]
    assert "zhangsan_lisi.csv" in reject["detail"]


def test_cli_reports_duplicates_in_json_and_text(neo4j_server, db, tmp_path):
    admin.wipe(db)
    env = {**os.environ, "NEO4J_URI": neo4j_server.uri, "NEO4J_PASSWORD": neo4j_server.password()}
    base = [sys.executable, str(ROOT / "cli.py"), "load", "--report-dir", str(tmp_path)]
    proc = subprocess.run(base + [str(LOADS / "both_sides_payer.csv"), str(LOADS / "both_sides_payee.csv"), "--json"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    files = json.loads(proc.stdout)["files"]
    assert [(f["duplicates"], f["rejected"]) for f in files] == [(0, 0), (5, 0)]
    proc = subprocess.run(base + [str(LOADS / "both_sides_payee.csv")], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)
    assert proc.returncode == 0 and "duplicates 5" in proc.stdout, proc.stdout


# ------------------------------------------------------------------ §3 amounts

def test_every_amount_spelling_loads(clean_db, tmp_path):
    report = load_file(clean_db, LOADS / "amount_spellings.csv", report_dir=tmp_path)
    assert report.status == "loaded" and report.rejected == 0, issues(report.rejects_file)
    rows = transfers(clean_db)
    assert len(rows) == len(MAKE.AMOUNTS)
    assert all(t["amount"] == float(t["memo"]) for t in rows), [(t["amount"], t["memo"]) for t in rows]


def test_every_reject_names_its_value(clean_db, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("\n".join([
        BANK,
        f"{HOLDER},张三,2025-03-01 10:00:00,12元5角,出,{OTHER},李四,转账,R1",
        f"{HOLDER},张三,2025-03-01 10:00:00,0.00,出,{OTHER},李四,转账,R2",
        f"{HOLDER},张三,昨天,5,出,{OTHER},李四,转账,R3",
        f"{HOLDER},张三,2025-03-01 10:00:00,5,未知,{OTHER},李四,转账,R4",
        f"{HOLDER},张三,2025-03-01 10:00:00,5,出,{OTHER},李四,转账,R5,多余",
        f"{HOLDER},张三,2025-03-01 10:00:00,1e40,出,{OTHER},李四,转账,R6"]) + "\n", encoding="utf-8")
    report = load_file(clean_db, path, report_dir=tmp_path)
    got = {r["row"]: (r["code"], r["value"]) for r in issues(report.rejects_file)}
    assert got == {"2": ("bad_amount", "12元5角"), "3": ("zero_amount", "0.00"), "4": ("bad_date", "昨天"),
                   "5": ("bad_direction", "未知"), "6": ("extra_cells", "多余"), "7": ("bad_amount", "1e40")}


def test_implausible_amount_loads_with_a_warning(clean_db, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(BANK + f"\n{HOLDER},张三,2025-03-01 10:00:00,2000000000000.00,出,{OTHER},李四,转账,B1\n"
                    f"{HOLDER},张三,2025-03-01 10:00:01,5000.00,出,{OTHER},李四,转账,B2\n", encoding="utf-8")
    report = load_file(clean_db, path, report_dir=tmp_path)
    assert report.loaded == 2 and report.warning_reasons == {"implausible_amount": 1}
    [warning] = issues(report.warnings_file)
    assert (warning["row"], warning["column"], warning["value"]) == ("2", "交易金额", "2000000000000.00")
    lower = load_file(clean_db, path, report_dir=tmp_path / "lower", plausible_amount=1000)
    assert lower.warning_reasons == {"implausible_amount": 2}


# ------------------------------------------------------------------ §5 transfers kind

def test_transfers_kind_chinese_headers(clean_db, tmp_path):
    report = load_file(clean_db, LOADS / "transfers_zh.csv", report_dir=tmp_path)
    assert report.kind == "transfers" and report.status == "loaded" and report.rejected == 0
    got = [(t["tx"], t["a"][-1], t["b"][-1], t["amount"]) for t in transfers(clean_db)]
    assert got == [("T001", "1", "2", 500.0), ("T002", "2", "3", 1200.0), ("T003", "3", "1", 300.0),
                   ("T004", "3", "1", 50.0)]       # a negative amount reverses a listed transfer
    assert report.warning_reasons == {"negative_amount": 1}
    holders = clean_db.read("MATCH (p:Person)-[:HOLDS]->(a:BankAccount) RETURN p.name AS n, a.key AS a ORDER BY a")
    assert [h["n"] for h in holders] == ["张三", "李四", "王五"]
    rel = clean_db.read("MATCH ()-[t:TRANSFER {tx_id: 'T001'}]->() "
                        f"RETURN t.load_runs AS runs, t.src_rows AS r, {rel_sightings_cypher('t')} AS seen")[0]
    assert rel["runs"] == [report.run_key] and rel["r"] == [2]
    assert [(s["file"], s["sha256"]) for s in rel["seen"]] == [("transfers_zh.csv", report.sha256)]
    again = load_file(clean_db, LOADS / "transfers_zh.csv", report_dir=tmp_path)
    assert again.loaded == 4 and len(transfers(clean_db)) == 4


def test_transfers_kind_english_headers(clean_db, tmp_path):
    report = load_file(clean_db, LOADS / "transfers_en.csv", report_dir=tmp_path)
    assert report.kind == "transfers" and report.status == "loaded" and report.rejected == 0
    got = [(t["tx"], t["a"], t["b"], t["amount"]) for t in transfers(clean_db)]
    assert got == [("E001", "CN0001", "CN0002", 500.0), ("E002", "CN0002", "CN0003", 1200.0),
                   ("E003", "CN0003", "CN0001", 300.0)]


@pytest.mark.parametrize("sample", [FIXTURES / "samples" / "amlsim_tx.csv",
                                    Path("/work/shared/datasets/amlsim/sample-outputs/tx.csv")])
def test_transfers_kind_detects_amlsim(sample, clean_db, tmp_path):
    if not sample.exists():
        pytest.skip("the shared AMLSim sample is not on this machine")
    report = load_file(clean_db, sample, report_dir=tmp_path)
    assert report.kind == "transfers" and report.status == "loaded" and report.rejected == 0
    rows = sum(1 for _ in open(sample, encoding="utf-8")) - 1
    assert report.loaded == rows == admin.stats(clean_db)["relationships"]["TRANSFER"]
    first = clean_db.read("MATCH ()-[t:TRANSFER]->() WHERE t.time IS NULL RETURN count(t) AS c")
    assert first == [{"c": 0}]


# ------------------------------------------------------------------ issue 9 §2: no crash

def _big_statement(path: Path, bad_row: int = 6001) -> Path:
    lines = [BANK]
    for n in range(2, bad_row + 2):
        amount = "1000000000000000000000000000000" if n == bad_row else f"{n}.00"
        lines.append(f"{HOLDER},张三,2025-03-01 10:{n // 60 % 60:02d}:{n % 60:02d},{amount},出,{OTHER},李四,"
                     f"转账,G{n:05d}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_31_digit_amount_at_row_6001_is_rejected_alone(clean_db, tmp_path):
    path = _big_statement(tmp_path / "big.csv")
    dry = load_file(None, path, dry_run=True, report_dir=tmp_path / "dry")
    assert dry.status == "validated" and dry.rejected == 1 and dry.loaded == 6000
    report = load_file(clean_db, path, report_dir=tmp_path)
    assert report.status == "loaded" and (report.loaded, report.rejected) == (6000, 1)
    [reject] = issues(report.rejects_file)
    assert (reject["file"], reject["row"], reject["column"], reject["code"]) == ("big.csv", "6001", "交易金额", "bad_amount")
    assert reject["value"] == "1000000000000000000000000000000"
    run = clean_db.read("MATCH (r:LoadRun) RETURN r.status AS s, r.rejected AS rej")
    assert run == [{"s": "loaded", "rej": 1}]


def test_31_digit_amount_cli_json(neo4j_server, db, tmp_path):
    admin.wipe(db)
    path = _big_statement(tmp_path / "big.csv")
    env = {**os.environ, "NEO4J_URI": neo4j_server.uri, "NEO4J_PASSWORD": neo4j_server.password()}
    for extra in (["--dry-run"], []):
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "load", str(path), "--json", "--report-dir",
                               str(tmp_path), *extra], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        [file] = json.loads(proc.stdout)["files"]
        assert (file["rejected"], file["reasons"]) == (1, {"bad_amount": 1})


# ------------------------------------------------------------------ issue 9 §3: almost right files

def test_broken_byte_loads_the_file(clean_db, tmp_path):
    report = load_file(clean_db, LOADS / "broken_byte.csv", report_dir=tmp_path)
    assert report.status == "loaded", report.message
    assert (report.read, report.loaded, report.rejected) == (4, 3, 1)
    [warning] = [w for w in issues(report.warnings_file) if w["code"] == "bad_bytes"]
    data = (LOADS / "broken_byte.csv").read_bytes()
    memo_at, account_at = data.index(b"\xff"), data.index(b"\xc3")
    assert warning["row"] == "3" and warning["column"] == "摘要说明" and "\ufffd" in warning["value"]
    assert f"byte offset {memo_at - 1:,}" in warning["detail"]   # where the broken sequence starts (坏's first byte)
    [reject] = issues(report.rejects_file)
    assert (reject["row"], reject["column"], reject["code"]) == ("5", "交易卡号", "bad_bytes")
    assert f"byte offset {account_at:,}" in reject["detail"]
    memo = clean_db.read("MATCH ()-[t:TRANSFER {tx_id: 'N0002'}]->() RETURN t.memo AS m")
    assert memo == [{"m": "\ufffd\ufffd字节"}] or memo[0]["m"].endswith("字节")


def test_one_broken_byte_in_a_short_ascii_file(clean_db, tmp_path):
    path = tmp_path / "ascii.csv"
    path.write_bytes(b"id,from_account,to_account,amount,date,memo\n"
                     b"A1,CN1,CN2,5.00,2025-03-01,fee\nA2,CN2,CN3,6.00,2025-03-02,f\xffee\n")
    report = load_file(clean_db, path, report_dir=tmp_path)
    assert report.status == "loaded" and report.loaded == 2 and report.warning_reasons == {"bad_bytes": 1}


def test_duplicate_header_is_refused_unless_a_mapping_names_one(clean_db, tmp_path):
    report = load_file(clean_db, LOADS / "duplicate_header.csv", report_dir=tmp_path)
    assert report.status == "failed"
    assert "2 columns named '交易金额'" in report.message and "columns 4 and 8" in report.message
    assert "交易金额_2" in report.message and admin.stats(clean_db)["total"]["nodes"] == 0
    import yaml
    spec = yaml.safe_load((ROOT / "loaders" / "mappings" / "bank.yaml").read_text(encoding="utf-8"))
    spec["fields"]["amount"]["columns"] = ["交易金额_2"]
    mapping = tmp_path / "second.yaml"
    mapping.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    report = load_file(clean_db, LOADS / "duplicate_header.csv", mapping_file=mapping, report_dir=tmp_path)
    assert report.status == "loaded", report.message
    assert [t["amount"] for t in transfers(clean_db)] == [600.0]
    admin.wipe(clean_db)
    spec["fields"]["amount"]["columns"] = ["交易金额_1"]
    mapping.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    report = load_file(clean_db, LOADS / "duplicate_header.csv", mapping_file=mapping, report_dir=tmp_path)
    assert report.status == "loaded" and [t["amount"] for t in transfers(clean_db)] == [500.0]


def test_messages_quoting_input_are_cut(clean_db, tmp_path):
    long = "列" * 5000
    path = tmp_path / "wide.csv"
    path.write_text(f"{long},乙\n1,2\n", encoding="utf-8")
    report = load_file(clean_db, path, report_dir=tmp_path)
    assert report.status == "failed" and len(report.message) < 700 and "5,000 characters" in report.message
    missing = load_file(clean_db, path, kind="bank", report_dir=tmp_path)
    assert missing.status == "failed" and len(missing.message) < 1200


def test_separate_debit_and_credit_columns(clean_db, tmp_path):
    path = tmp_path / "dc.csv"
    path.write_text("交易卡号,账户开户名称,交易时间,借方发生额,贷方发生额,交易对手账卡号,对手户名,摘要说明,交易流水号\n"
                    f"{HOLDER},张三,2025-03-01 10:00:00,500.00,,{OTHER},李四,转账,DC1\n"
                    f"{HOLDER},张三,2025-03-01 11:00:00,0.00,300.00,{OTHER},李四,转账,DC2\n"
                    f"{HOLDER},张三,2025-03-01 12:00:00,5.00,6.00,{OTHER},李四,转账,DC3\n", encoding="utf-8")
    report = load_file(clean_db, path, report_dir=tmp_path)     # detected as a statement
    assert report.status == "loaded" and report.kind == "bank" and (report.loaded, report.rejected) == (2, 1)
    assert "bad_amount" in report.reasons
    assert [(t["tx"], t["a"], t["b"], t["amount"]) for t in transfers(clean_db)] == [
        ("DC1", HOLDER, OTHER, 500.0), ("DC2", OTHER, HOLDER, 300.0)]


def test_plausible_amount_setting(clean_db, tmp_path, monkeypatch):
    from core.errors import ConfigError
    from core.settings import VARIABLES, load_settings
    assert load_settings({}).plausible_amount == 1e12 and "ORGTRACE_PLAUSIBLE_AMOUNT" in VARIABLES
    assert load_settings({"ORGTRACE_PLAUSIBLE_AMOUNT": "5e6"}).plausible_amount == 5e6
    for bad in ("lots", "-1", "0"):
        with pytest.raises(ConfigError, match="ORGTRACE_PLAUSIBLE_AMOUNT"):
            load_settings({"ORGTRACE_PLAUSIBLE_AMOUNT": bad})
    monkeypatch.setenv("ORGTRACE_PLAUSIBLE_AMOUNT", "400")
    report = load_file(clean_db, LOADS / "zhangsan_lisi.csv", report_dir=tmp_path)   # 500 > 400
    assert report.status == "loaded" and report.warning_reasons == {"implausible_amount": 1}

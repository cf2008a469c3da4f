"""The column-wise load path (loaders/columnar.py) against the row-by-row reference: the
same files, loaded both ways into the real database, give the same graph (the whole-graph
fingerprint of tests/test_load_interrupted.py), the same report, and the same rejects
and warnings, row for row. Small chunks, so transfers meet again across chunks and
within one."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from graph import admin
from loaders.columnar import plan_for
from loaders.mapping import builtin_mappings
from loaders.pipeline import load_file
from tests.test_load_interrupted import fingerprint

pytestmark = pytest.mark.timeout(900)

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ["交易卡号", "账户开户名称", "开户人证件号码", "交易时间", "交易金额", "收付标志", "交易对手账卡号",
          "对手户名", "对手身份证号", "对手开户银行", "摘要说明", "交易流水号", "交易网点"]
IDS = ["11010519491231002X", "110101199003071234", "440524188001010014", "110101199003071230"]  # last: bad check digit


def _hostile_statements(path: Path, rows: int = 600, seed: int = 5) -> None:
    """A statement file with what real ones hold: both sides of a transfer (in one chunk
    and in another), exact duplicate lines, a transaction id reused for another transfer,
    signed amounts with and without flags, unknown flags, formula-like memos, bad and
    missing IDs, company holders without a code, cash lines, padded and full-width cells,
    blanks, impossible dates, zero and huge amounts."""
    rng = random.Random(seed)
    cards = [f"62170000100999{i:05d}" for i in range(40)]
    names = ["张三", "李四", "王五", "赵六", "重庆某某商贸有限公司", "钱七", "孙八", "周九"]
    out_rows: list[list[str]] = []
    for n in range(rows):
        a, b = rng.sample(range(len(cards)), 2)
        flag = rng.choice(["出", "进", "出", "进", "借", "贷", "", "D", "?"])
        amount = rng.choice([f"{rng.uniform(1, 9000):.2f}", f"-{rng.uniform(1, 900):.2f}", "1,234.50", "0",
                             "1e3", "+88.00", " 66.00 ", "１２３.００", "9" * 16, "abc", f"{rng.randint(1, 999)}"])
        when = rng.choice(["2025-03-01 10:00:{:02d}".format(n % 60), "2025/03/02 11:00", "2025-02-30 10:00:00",
                           "20250303", "2025-03-04 09:15:00", ""])
        memo = rng.choice(["转账", "=HYPERLINK(\"x\")", "", "培训费", "+1", "  会费  "])
        tx = rng.choice([f"T{n:05d}", f"T{n:05d}", f"T{max(n - 3, 0):05d}", "", f" t{n:05d} "])
        holder_id = rng.choice(IDS + ["", ""])
        cp_id = rng.choice(IDS + ["", ""])
        cp_card = "" if rng.random() < 0.1 else cards[b]
        out_rows.append([cards[a], rng.choice(names), holder_id, when, amount, flag, cp_card,
                         "" if not cp_card else rng.choice(names), cp_id, rng.choice(["", "农业银行"]), memo, tx,
                         rng.choice(["", "渝中支行"])])
        if rng.random() < 0.15:      # the other side's statement line of the same transfer
            other = {"出": "进", "进": "出", "借": "贷", "贷": "借"}.get(flag, flag)
            out_rows.append([cp_card or cards[b], out_rows[-1][7], cp_id, when, amount.lstrip("-"), other,
                             cards[a], out_rows[-1][1], holder_id, "", memo, tx, ""])
        if rng.random() < 0.05:      # an exact duplicate line
            out_rows.append(list(out_rows[-1]))
    rng.shuffle(out_rows[len(out_rows) // 2:])   # the other sides land in other chunks too
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(out_rows)


def _issues(path: str | None) -> list[list[str]]:
    if not path:
        return []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sorted(csv.reader(handle))


def _report(report) -> dict:
    out = report.as_dict()
    for key in ("rejects_file", "warnings_file"):
        out.pop(key)
    return out


@pytest.fixture()
def fast_count(monkeypatch):
    """How many transfers the columnar path wrote as columns (the test must exercise it)."""
    from loaders.writer import GraphWriter

    count = [0]
    original = GraphWriter._write_transfer_columns

    def counting(self, tx, columns):
        count[0] += len(columns)
        return original(self, tx, columns)

    monkeypatch.setattr(GraphWriter, "_write_transfer_columns", counting)
    return count


def _load_both_ways(db, files: list[tuple[Path, str | None]], tmp_path: Path, chunk_rows: int) -> None:
    """Load the files in order with each path into an emptied database; compare."""
    seen = {}
    for columnar in (False, True):
        admin.wipe(db)
        reports, issues = [], []
        for path, kind in files:
            report = load_file(db, path, kind=kind, report_dir=tmp_path / f"r{int(columnar)}",
                               chunk_rows=chunk_rows, columnar=columnar)
            reports.append(_report(report))
            issues.append((_issues(report.rejects_file), _issues(report.warnings_file)))
        seen[columnar] = (fingerprint(db), reports, issues)
    reference, fast = seen[False], seen[True]
    assert fast[1] == reference[1]
    assert fast[2] == reference[2]
    assert fast[0] == reference[0]


def test_the_statement_kinds_take_the_columnar_path():
    mappings = builtin_mappings()
    assert plan_for(mappings["bank"]) is not None
    assert plan_for(mappings["transfers"]) is not None
    assert plan_for(mappings["roster"]) is None     # not statement-shaped: row by row


def test_demo_statements_same_graph_both_ways(clean_db, tmp_path, fast_count):
    from demo.generate import generate_case

    case = tmp_path / "case"
    generate_case(case, scale=0.3, seed=23)
    _load_both_ways(clean_db, [(case / "bank_statements_gbk.csv", None)], tmp_path, chunk_rows=700)
    transfers = clean_db.read("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS c")[0]["c"]
    assert fast_count[0] > transfers // 2     # most went the fast way


def test_demo_statements_same_graph_with_small_memories(clean_db, tmp_path, fast_count, monkeypatch):
    """The plan's bounded memories overflowing all the time (memos emptied, the oldest
    half of the known node values dropped, the absorbed records forgotten): the same
    graph, only more written."""
    from demo.generate import generate_case
    from loaders import columnar

    monkeypatch.setattr(columnar, "MEMO_LIMIT", 10)
    monkeypatch.setattr(columnar, "KNOWN_LIMIT", 40)
    sizes = []      # the known node values after each chunk
    original = columnar.StatementPlan._emit_nodes

    def emitting(self, *args):
        out = original(self, *args)
        sizes.append(len(self._known))
        return out

    monkeypatch.setattr(columnar.StatementPlan, "_emit_nodes", emitting)
    forgotten = [0]     # chunks after which some entity's templates were forgotten
    bound = columnar.StatementPlan._bound_templates

    def bounding(self):
        before = sum(len(e.templates) for e in self.entities)
        bound(self)
        forgotten[0] += sum(len(e.templates) for e in self.entities) < before

    monkeypatch.setattr(columnar.StatementPlan, "_bound_templates", bounding)
    case = tmp_path / "case"
    generate_case(case, scale=0.1, seed=29)
    _load_both_ways(clean_db, [(case / "bank_statements_gbk.csv", None)], tmp_path, chunk_rows=300)
    assert fast_count[0] > 0
    assert any(later < earlier for earlier, later in zip(sizes, sizes[1:])), sizes     # (it forgot)
    assert forgotten[0] > 0       # (the templates too, with their registries)


def test_hostile_statements_same_graph_reports_and_issues(clean_db, tmp_path, fast_count):
    path = tmp_path / "hostile.csv"
    _hostile_statements(path)
    _load_both_ways(clean_db, [(path, "bank")], tmp_path, chunk_rows=97)
    assert fast_count[0] > 10      # (most lines here are meant to go the reference way)


def _signed_statements(path: Path, rows: int = 400, seed: int = 11) -> int:
    """A statement as many banks print it: both flags, outflows as negative amounts with
    their 出 (or 借) flag, inflows unsigned; a few lines whose minus disagrees with the flag
    or that have no flag, and a negative zero. Returns how many lines agree with their flag."""
    rng = random.Random(seed)
    cards = [f"62170000200999{i:05d}" for i in range(30)]
    agreeing = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            a, b = rng.sample(range(len(cards)), 2)
            out = rng.random() < 0.5
            flag, amount = ("出" if rng.random() < 0.8 else "借", f"-{rng.uniform(1, 9000):.2f}") if out \
                else ("进", f"{rng.uniform(1, 9000):.2f}")
            odd = rng.random()
            if odd < 0.03:
                flag = "进"                 # a minus on a line flagged as money in: warned about
            elif odd < 0.05:
                flag = ""                   # no flag: the sign decides, warned about
            elif odd < 0.06:
                amount = "-0.00"            # rejected: zero
            agreeing += flag != "" and amount != "-0.00" and not (flag == "进" and amount.startswith("-"))
            writer.writerow([cards[a], "张三", IDS[0] if n % 2 else "", f"2025-04-01 10:{n // 60 % 60:02d}:{n % 60:02d}", amount,
                             flag, cards[b], "李四", "", "农业银行", "转账", f"S{n:05d}", "渝中支行"])
    return agreeing


def test_negative_outflows_with_their_flag_take_the_columnar_path(clean_db, tmp_path, fast_count):
    """'-1,234.56 出' is how many banks print an outflow: the flag and the sign agree, so
    the line is as simple as an unsigned one and goes the fast way; a minus the flag
    contradicts, or one without a flag, goes the reference way (with its warning)."""
    path = tmp_path / "signed.csv"
    agreeing = _signed_statements(path)
    _load_both_ways(clean_db, [(path, "bank")], tmp_path, chunk_rows=64)
    assert fast_count[0] == agreeing
    loaded = clean_db.read("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS c")[0]["c"]
    assert loaded > agreeing     # the warned lines are loaded too (the reference way)


def test_an_account_whose_holder_name_changes_back_ends_as_the_reference_says(clean_db, tmp_path, fast_count):
    """An account printed under one holder name in its own statement and another as a
    counterparty ('张三' here, '张三（个体）' in the other bank's print): later lines win,
    so a name written before and seen again must be written again. (The columnar path
    once kept a record it had found unchanged as unchanged after the account's name had
    moved on, and the graph ended with the earlier name.)"""
    path = tmp_path / "names.csv"
    lines = []
    for n in range(60):
        own, other = ("62170000300999000", "62170000300999001") if n % 7 < 4 else ("62170000300999001", "62170000300999000")
        lines.append([own, "张三" if own.endswith("0") else "李四", "", f"2025-05-01 09:{n:02d}:00", "100.00", "出",
                      other, "张三（个体）" if other.endswith("0") else "李四（个体）", "", "", "转账", f"N{n:04d}", ""])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(lines)
    _load_both_ways(clean_db, [(path, "bank")], tmp_path, chunk_rows=3)
    assert fast_count[0] == 60
    last = lines[-1]
    names = {r["k"]: r["h"] for r in clean_db.read("MATCH (a:BankAccount) RETURN a.key AS k, a.holder_name AS h")}
    assert names[last[0]] == last[1] and names[last[6]] == last[7]


def test_usual_times_and_numeric_ids_take_the_chunk_shortcuts_and_odd_ones_do_not(clean_db, tmp_path, fast_count,
                                                                                  monkeypatch):
    """A chunk whose times are all 'YYYY-MM-DD HH:MM:SS' between 1900 and 2100 is parsed
    in one go, and one whose transaction ids are all digits keys its transfers without a
    call per line; an impossible date, a year out of range or an id with letters or white
    space in a chunk sends that chunk cell by cell, as before. Same graph, reports and
    issues as the reference either way."""
    import loaders.columnar as columnar
    from loaders import keys

    calls = {"time": 0, "key": 0}
    per_cell_time, per_line_key = columnar._datetime_value, keys.transfer_key

    def time_cell(text):
        calls["time"] += 1
        return per_cell_time(text)

    def key_line(*args):
        calls["key"] += 1
        return per_line_key(*args)

    monkeypatch.setattr(columnar, "_datetime_value", time_cell)
    monkeypatch.setattr(keys, "transfer_key", key_line)
    usual, odd = tmp_path / "usual.csv", tmp_path / "odd.csv"
    odd_times = ["2025-02-30 10:00:00", "1899-12-31 23:59:59", "2101-01-01 00:00:00", "2025-06-01 24:00:00"]
    odd_ids = ["T0001", " t0002 ", "00 03", "X"]
    for path, chunks in ((usual, 4), (odd, 4)):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for n in range(chunks * 10):
                chunk, line = divmod(n, 10)
                when = f"2025-06-01 10:{chunk:02d}:{line:02d}"
                tx = f"{20250601000 + n}"
                if path is odd and line == 5:       # an odd time and an odd id in each chunk of this file
                    when = odd_times[chunk]
                if path is odd and line == 7:
                    tx = odd_ids[chunk]
                writer.writerow([f"6217000040099900{n % 6}", "张三", "", when, f"{10 + n}.00", "出",
                                 f"6217000040099901{n % 4}", "李四", "", "", "转账", tx, ""])
    _load_both_ways(clean_db, [(usual, "bank")], tmp_path, chunk_rows=10)
    # (the reference path calls transfer_key itself; the fast path, on this file, never)
    assert fast_count[0] == 40
    reference_keys = calls["key"]
    calls.update(time=0, key=0)
    report = load_file(clean_db, usual, kind="bank", report_dir=tmp_path / "again", chunk_rows=10, columnar=True)
    assert report.status == "loaded" and calls == {"time": 0, "key": 0} and reference_keys >= 40

    fast_count[0] = 0
    _load_both_ways(clean_db, [(odd, "bank")], tmp_path, chunk_rows=10)
    assert 0 < fast_count[0] < 40        # the odd lines went the reference way, the others fast
    calls.update(time=0, key=0)
    admin.wipe(clean_db)
    load_file(clean_db, odd, kind="bank", report_dir=tmp_path / "odd", chunk_rows=10, columnar=True)
    # cell by cell in every chunk (each holds an odd time and an odd id; a line that goes
    # the reference way is not among the chunk's fast lines)
    assert calls["time"] >= 4 * 9 and calls["key"] >= 4 * 9


def test_fixture_files_in_sequence_same_graph(clean_db, tmp_path, fast_count):
    """The loader fixtures and the bad-input corpus's statement files, one after another
    into one database (later files meet the earlier ones' accounts and transfers)."""
    loads = sorted((FIXTURES / "loads").glob("*.csv"))
    bad = [p for p in sorted((FIXTURES / "bad").glob("*.csv"))
           if p.name not in ("empty.csv", "blank_lines_only.csv", "header_only.csv", "missing_column.csv")]
    files = [(p, None) for p in loads] + [(p, "bank") for p in bad]
    hostile = tmp_path / "hostile.csv"
    _hostile_statements(hostile, rows=300, seed=9)
    files.append((hostile, "bank"))
    _load_both_ways(clean_db, files, tmp_path, chunk_rows=7)
    assert fast_count[0] > 20


def test_reload_is_idempotent_on_the_columnar_path(clean_db, tmp_path):
    path = tmp_path / "hostile.csv"
    _hostile_statements(path, rows=300, seed=2)
    first = load_file(clean_db, path, kind="bank", report_dir=tmp_path / "a", chunk_rows=50, columnar=True)
    once = fingerprint(clean_db)
    again = load_file(clean_db, path, kind="bank", report_dir=tmp_path / "b", chunk_rows=50, columnar=True)
    assert (first.status, again.status) == ("loaded", "loaded")
    assert fingerprint(clean_db) == once


def test_the_setting_turns_the_columnar_path_off():
    from core.settings import VARIABLES, load_settings

    assert "ORGTRACE_COLUMNAR_LOAD" in VARIABLES
    assert load_settings({}).columnar_load is True
    assert load_settings({"ORGTRACE_COLUMNAR_LOAD": "0"}).columnar_load is False
    assert load_settings({"ORGTRACE_COLUMNAR_LOAD": "off"}).columnar_load is False


def test_chunks_of_any_size_give_the_same_graph_reports_and_issues(clean_db, tmp_path, fast_count, monkeypatch):
    """Where chunks begin must not change what is loaded: each chunk takes a random size
    from 1 to the chunk size, on both paths (this found names lost within a chunk, and a
    conflict's sentence that named another row when the first line was in an earlier chunk)."""
    from itertools import islice

    from loaders.read import Table

    rng = random.Random(41)
    sizes = []

    def any_sizes(self, first_rows=None):
        rows = self._rows()
        while chunk := list(islice(rows, rng.randint(1, self.chunk_rows))):
            sizes.append(len(chunk))
            yield chunk

    monkeypatch.setattr(Table, "chunks", any_sizes)
    path = tmp_path / "hostile.csv"
    _hostile_statements(path, rows=500, seed=43)
    _load_both_ways(clean_db, [(path, "bank")], tmp_path, chunk_rows=120)
    assert len(sizes) > 10 and len(set(sizes)) > 5 and fast_count[0] > 10


@pytest.mark.parametrize("columnar", [False, True])
def test_every_name_an_id_shows_within_one_chunk_is_kept(clean_db, tmp_path, columnar):
    """One ID under three names on three lines of one chunk: the first is the person's name,
    the other two its aliases (before, only names seen in different chunks were kept)."""
    path = tmp_path / "names.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n, name in enumerate(["张三", "李四", "张三", "王五"]):
            writer.writerow([f"621700001009999{n:04d}", name, IDS[0], f"2025-03-01 10:00:0{n}", "100.00", "出",
                             "6217000010099990999", "赵六", "", "", "转账", f"N{n:04d}", ""])
    report = load_file(clean_db, path, kind="bank", report_dir=tmp_path, chunk_rows=100, columnar=columnar)
    assert report.status == "loaded" and report.loaded == 4
    person = clean_db.read("MATCH (p:Person {key: $k}) RETURN p.name AS name, p.aliases AS aliases", {"k": IDS[0]})
    assert person == [{"name": "张三", "aliases": ["李四", "王五"]}]

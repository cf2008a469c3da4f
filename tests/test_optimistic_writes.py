"""Optimistic writes (loaders/writer.py): into a label the database held nothing of when
the run began, keys the run has not written are CREATEd without asking the database
first; the uniqueness constraints catch any that exist after all, and that chunk is
written again the checked way. Against the real database: the graph, the report, the
rejects and the warnings are those of a load that asks first, also when the writer's
memory forgets (every chunk meets the constraint) and when another loader writes the
same accounts and transfers while the run is going."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import pytest

from graph import admin
from loaders import writer as writer_module
from loaders.pipeline import load_file
from loaders.writer import GraphWriter
from tests.test_columnar_load import HEADER, _hostile_statements, _issues, _report
from tests.test_load_interrupted import fingerprint

pytestmark = pytest.mark.timeout(900)


@pytest.fixture()
def clashes(monkeypatch):
    """How many chunks met a uniqueness constraint and were written again."""
    from neo4j.exceptions import ConstraintError

    count = [0]
    original = GraphWriter._write

    def spying(self, nodes, rels, transfers, optimistic, *prepared):
        try:
            return original(self, nodes, rels, transfers, optimistic, *prepared)
        except ConstraintError:
            count[0] += 1
            raise

    monkeypatch.setattr(GraphWriter, "_write", spying)
    return count


def _checked(monkeypatch) -> None:
    """The writer asks the database which keys exist, every chunk (no optimism)."""
    monkeypatch.setattr(GraphWriter, "_optimistic", lambda self, nodes, transfers: frozenset())


def _load(db, files, tmp_path: Path, tag: str, chunk_rows: int, between=None) -> tuple:
    admin.wipe(db)
    reports, issues = [], []
    for path, kind in files:
        report = load_file(db, path, kind=kind, report_dir=tmp_path / tag, chunk_rows=chunk_rows, progress=between)
        reports.append(_report(report))
        issues.append((_issues(report.rejects_file), _issues(report.warnings_file)))
    return fingerprint(db), reports, issues


def _files(tmp_path: Path) -> list[tuple[Path, str | None]]:
    from demo.generate import generate_case

    case = tmp_path / "case"
    generate_case(case, scale=0.2, seed=41)
    hostile = tmp_path / "hostile.csv"
    _hostile_statements(hostile, rows=400, seed=13)
    # the demo's statements twice (the second load meets every key), then a hostile file
    return [(case / "bank_statements_gbk.csv", None), (hostile, "bank"), (case / "bank_statements_gbk.csv", None)]


def test_optimistic_load_equals_checked_load(clean_db, tmp_path, monkeypatch, clashes):
    files = _files(tmp_path)
    optimistic = _load(clean_db, files, tmp_path, "optimistic", chunk_rows=300)
    assert clashes[0] == 0          # the run's memory knew every key it had written
    with monkeypatch.context() as patch:
        _checked(patch)
        checked = _load(clean_db, files, tmp_path, "checked", chunk_rows=300)
    assert optimistic[1] == checked[1]
    assert optimistic[2] == checked[2]
    assert optimistic[0] == checked[0]


def test_a_forgetful_writer_meets_the_constraint_and_converges(clean_db, tmp_path, monkeypatch, clashes):
    """A memory of 5 elements: the run takes keys it wrote a few chunks ago for new, the
    constraint refuses them, the chunk is written again asking first: same graph."""
    files = _files(tmp_path)[:2]
    with monkeypatch.context() as patch:
        _checked(patch)
        checked = _load(clean_db, files, tmp_path, "checked", chunk_rows=200)
    monkeypatch.setattr(writer_module, "WRITER_MEMORY", 5)
    forgetful = _load(clean_db, files, tmp_path, "forgetful", chunk_rows=200)
    assert clashes[0] >= 1
    assert forgetful[1] == checked[1]
    assert forgetful[2] == checked[2]
    assert forgetful[0] == checked[0]


def _statement(path: Path) -> None:
    """Twelve lines between six accounts; the last three (T9 to T11) between accounts
    6217…0008 and 6217…0009, which no other line names."""
    rows = []
    for n in range(12):
        a, b = f"62170000100000{n % 3:05d}", f"62170000100000{3 + n % 3:05d}"
        if n >= 9:
            a, b = "6217000010000000008", "6217000010000000009"
        rows.append([a, "张三", "", f"2025-03-01 10:00:{n:02d}", f"{100 + n}.00", "出", b, "李四", "",
                     "农业银行", "转账", f"T{n}", ""])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        out.writerows(rows)


def test_another_loader_writing_the_same_keys_meanwhile(clean_db, tmp_path, monkeypatch, clashes):
    """While the run is in its first chunks, another load writes the accounts the last
    lines name and the transfer T9 (the same one: a second sighting) and T10 (another
    amount: a conflict). The run's optimistic chunk meets them; the outcome is that of a
    run that asks first."""
    path = tmp_path / "statement.csv"
    _statement(path)

    def other_loader(progress) -> None:
        if progress.read == 4:      # the second chunk is submitted: once the first is written
            # (chunks are written behind the cleaning, several may wait: wait for its commit)
            deadline = time.monotonic() + 30
            while clean_db.read("MATCH (a:BankAccount) RETURN count(a) AS n")[0]["n"] == 0:
                assert time.monotonic() < deadline, "the first chunk was never written"
                time.sleep(0.01)
            clean_db.write(
                "MERGE (x:BankAccount {key: '6217000010000000009'}) "
                "ON CREATE SET x.number = x.key, x.holder_name = '王五', x.load_runs = ['other'], "
                "    x.src_run = 'other', x.src_row = 7 "
                "MERGE (a:BankAccount {key: '6217000010000000008'}) "
                "ON CREATE SET a.number = a.key, a.load_runs = ['other'], a.src_run = 'other', a.src_row = 8 "
                "CREATE (a)-[:TRANSFER {tx_key: 'id:T9', tx_id: 'T9', amount: 109.0, cash: false, "
                "    time: localdatetime('2025-03-01T10:00:09'), load_runs: ['other'], src_rows: [3]}]->(x) "
                "CREATE (a)-[:TRANSFER {tx_key: 'id:T10', tx_id: 'T10', amount: 5.0, cash: false, "
                "    time: localdatetime('2025-03-01T10:00:10'), load_runs: ['other'], src_rows: [4]}]->(x)")

    with monkeypatch.context() as patch:
        _checked(patch)
        checked = _load(clean_db, [(path, "bank")], tmp_path, "checked", chunk_rows=2, between=other_loader)
    optimistic = _load(clean_db, [(path, "bank")], tmp_path, "optimistic", chunk_rows=2, between=other_loader)
    assert clashes[0] >= 1
    assert optimistic == checked
    report = optimistic[1][0]
    assert (report["loaded"], report["rejected"], report["duplicates"]) == (11, 1, 1)
    assert clean_db.read("MATCH (x:BankAccount {key: '6217000010000000009'}) RETURN count(x) AS n")[0]["n"] == 1
    t9 = clean_db.read("MATCH ()-[t:TRANSFER {tx_key: 'id:T9'}]->() RETURN t.load_runs AS runs")
    assert len(t9) == 1 and t9[0]["runs"][0] == "other" and len(t9[0]["runs"]) == 2


def test_relationships_of_new_nodes_are_created_as_merge_would(clean_db, tmp_path, monkeypatch):
    """A relationship without a key (an account's holder: HOLDS) to a node the same
    transaction created cannot exist yet, so it is CREATEd instead of MERGEd. Same graph,
    provenance included, as merging every one: the demo's statements loaded twice (the
    second load meets every node and relationship) and a hostile file."""
    files = _files(tmp_path)
    created = []
    original = writer_module.rel_create_cypher

    def counting(*args, **kwargs):
        created.append(args[0])
        return original(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "rel_create_cypher", counting)
        fast = _load(clean_db, files, tmp_path, "created", chunk_rows=300)
    assert "HOLDS" in created
    with monkeypatch.context() as patch:
        patch.setattr(writer_module, "rel_create_cypher", writer_module.rel_merge_cypher)
        merged = _load(clean_db, files, tmp_path, "merged", chunk_rows=300)
    assert fast == merged
    holds = clean_db.read("MATCH (p)-[h:HOLDS]->(a) WITH p, a, count(h) AS n WHERE n > 1 RETURN count(*) AS dup")
    assert holds[0]["dup"] == 0


def test_chunks_are_prepared_ahead_until_a_chunk_clashes(clean_db, tmp_path, monkeypatch, clashes):
    """Into an empty database each chunk's parameters are made on the cleaning thread,
    ahead of the writer thread that sends the chunks before it (GraphWriter.prepare). Once
    a chunk meets the constraint, what was made ahead is made again by the writer, in file
    order, as is every later chunk, and the outcome is that of a load that asks first."""
    on_main: list[bool] = []
    original = GraphWriter._prepare

    def recording(self, *args):
        on_main.append(threading.current_thread() is threading.main_thread())
        return original(self, *args)

    monkeypatch.setattr(GraphWriter, "_prepare", recording)
    files = _files(tmp_path)[:2]
    _load(clean_db, files[:1], tmp_path, "ahead", chunk_rows=300)
    assert clashes[0] == 0 and len(on_main) > 10
    assert on_main.count(True) >= 0.9 * len(on_main), on_main      # (a chunk naming an organization
    #                                                                 by its name only waits for the writer)
    with monkeypatch.context() as patch:
        _checked(patch)
        checked = _load(clean_db, files, tmp_path, "checked", chunk_rows=200)
    on_main.clear()
    monkeypatch.setattr(writer_module, "WRITER_MEMORY", 5)
    forgetful = _load(clean_db, files, tmp_path, "forgetful", chunk_rows=200)
    assert clashes[0] >= 1
    first_clash = on_main.index(False)
    assert True in on_main[:first_clash] and not any(on_main[first_clash:]), on_main
    assert forgetful == checked

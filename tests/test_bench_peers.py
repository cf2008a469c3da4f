"""The load-speed bench's peers (bench/bench_vs_unwind.py) write what they claim to.

BENCHMARKS.md compares OrgTrace's loader with a hand-written UNWIND loader that writes
OrgTrace's graph (``hand-graph``): that comparison means something only while the peer's
graph has the same nodes and relationships, between the same ends, as OrgTrace's own load
of the file. Against the real server."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.bench_load import write_statements
from bench.bench_vs_unwind import run_hand
from graph.admin import wipe
from loaders.pipeline import load_file


def _graph(db) -> tuple[Counter, Counter]:
    """Nodes by label and key, relationships by type, ends and transaction key (each with
    how many times it is there: a doubled HOLDS counts)."""
    nodes = Counter((r["label"], r["key"]) for r in db.read(
        "MATCH (n) WHERE NOT n:LoadRun RETURN labels(n)[0] AS label, n.key AS key"))
    rels = Counter((r["type"], r["a"], r["b"], r["tx"]) for r in db.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, a.key AS a, b.key AS b, r.tx_key AS tx"))
    return nodes, rels


def _with_company_lines(path: Path) -> None:
    """Lines whose counterparty is a company (a credit code where a resident ID would be),
    in both directions, as bank statements print them."""
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write("6222099999999999999,,张三,110101199003077774,2023-02-01 10:00:00,-500.00,,出,"
                     "6217995384326055356,重庆博远物流有限公司,91500103MA8169210Q,中国邮政储蓄银行,货款,"
                     "C0000000001,渝中支行,\n")
        handle.write("6217995384326055356,,重庆博远物流有限公司,91500103MA8169210Q,2023-02-01 11:00:00,80.00,,进,"
                     "6222099999999999999,张三,110101199003077774,重庆农村商业银行,退款,C0000000002,渝中支行,\n")


def test_the_graph_writing_peer_writes_orgtraces_graph(clean_db, neo4j_server, tmp_path):
    path = tmp_path / "statements.csv"
    write_statements(path, 1500, 300, encoding="utf-8")
    _with_company_lines(path)
    report = load_file(clean_db, path, kind="bank", report_dir=tmp_path / "reports")
    assert report.status == "loaded" and report.rejected == 0, report.message
    ours = _graph(clean_db)
    wipe(clean_db)
    run_hand(path, neo4j_server, "utf-8", graph=True)
    theirs = _graph(clean_db)
    assert ("Organization", "91500103MA8169210Q") in ours[0]
    assert sum(n for r, n in ours[1].items() if r[0] == "TRANSFER") == 1502
    assert ("TRANSFER", "6222099999999999999", "6217995384326055356", "id:C0000000001") in ours[1]
    assert theirs == ours


def test_the_bare_peer_writes_accounts_and_transfers_only(clean_db, neo4j_server, tmp_path):
    path = tmp_path / "statements.csv"
    write_statements(path, 500, 100, encoding="utf-8")
    run_hand(path, neo4j_server, "utf-8")
    nodes, rels = _graph(clean_db)
    assert {label for label, _ in nodes} == {"BankAccount"}
    assert {r[0] for r in rels} == {"TRANSFER"} and sum(rels.values()) == 500

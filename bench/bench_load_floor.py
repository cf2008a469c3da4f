"""What the database alone needs for a statement file's graph: the floor under any loader.

    python -m bench.bench_load_floor [--rows 200000] [--accounts 20000] [--repeat 3]
                                     [--demo DIR | --file CSV] [--lines N]

The issue on load speed compares ``cli.py load`` with a hand-written loader that writes less
(accounts and transfers only). This bench separates the database's share from the loader's:
every statement is prepared in memory first, then only the sending, the server's work and
the commits are timed, each time into a freshly emptied database with all of OrgTrace's
constraints and indexes, on one throwaway local server:

- **hand-written (bare)**: the issue's ``UNWIND $rows … MERGE`` statement
  (``bench.bench_vs_unwind.UNWIND``), batches of 10,000 rows;
- **hand-written (same graph)**: what an engineer writes by hand for the graph OrgTrace
  keeps: the same statement plus each account's holder (a Person, or an Organization by its
  credit code) and HOLDS, and run and row provenance lists on every node and relationship
  (a transfer seen again appends its run and row). No checks at all;
- **OrgTrace's statements**: every transaction ``cli.py load`` sent for this file (recorded
  during one real load), replayed as they were, one after another.

Prints each one's seconds (median of --repeat), rows/s and the ratios. With ``--lines N``
only the first N lines of the file are used (the statements of a demo case in one piece
need a few GB for the recording). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import neo4j  # noqa: E402
import psutil  # noqa: E402

from bench.bench_vs_unwind import BATCH, UNWIND, add_file_arguments, file_options, statement_file  # noqa: E402
from bench.peers import SAME_GRAPH, same_graph_row, statement_lines  # noqa: E402
from core.settings import load_settings  # noqa: E402
from graph import admin  # noqa: E402
from graph.connection import connect  # noqa: E402
from graph.server import LocalServer, free_port  # noqa: E402
from loaders.pipeline import load_file  # noqa: E402

def bare_rows(path: Path, encoding: str) -> list[dict]:
    """The rows of the bare hand-written statement (as ``bench_vs_unwind``'s loader makes them)."""
    rows = []
    for n, r, when, out in statement_lines(path, encoding):
        own, other = r["交易卡号"], r["交易对手账卡号"] or "CASH:" + r["交易卡号"]
        a, b = (own, other) if out else (other, own)
        an, bn = (r["账户开户名称"], r["对手户名"]) if out else (r["对手户名"], r["账户开户名称"])
        rows.append({"a": a, "b": b, "an": an, "bn": bn, "s": "id:" + r["交易流水号"],
                     "m": abs(float(r["交易金额"])), "t": when, "memo": r["摘要说明"], "row": n})
    return rows


def same_graph_rows(path: Path, encoding: str) -> list[dict]:
    """The rows of the same-graph hand-written statement (bench.peers), every line's."""
    return [same_graph_row(*line) for line in statement_lines(path, encoding)]


def record_orgtrace(db, path: Path, reports: Path) -> list[list[tuple[str, dict]]]:
    """Every transaction (its statements and parameters) one ``load_file`` sends."""
    transactions: list[list[tuple[str, dict]]] = []
    current: dict[int, list[tuple[str, dict]]] = {}
    alive: list[object] = []       # (a finished transaction's id could be reused by the next)
    original = neo4j.ManagedTransaction.run

    def recording(tx, query, parameters=None, **kwargs):
        statements = current.get(id(tx))
        if statements is None:
            statements = current[id(tx)] = []
            transactions.append(statements)
            alive.append(tx)
        # (the lists copied: the loader empties its parameter lists once a statement has
        # answered, graph.connection.release)
        statements.append((str(query), {k: list(v) if isinstance(v, list) else v
                                        for k, v in {**(parameters or {}), **kwargs}.items()}))
        return original(tx, query, parameters, **kwargs)

    neo4j.ManagedTransaction.run = recording
    try:
        load_file(db, path, kind="bank", report_dir=reports)
    finally:
        neo4j.ManagedTransaction.run = original
    return transactions      # (in the order they began)


def timed(db, transactions: list[list[tuple[str, dict]]]) -> float:
    """Seconds to run and commit these transactions, one after another."""
    def work(tx, statements):
        for query, params in statements:
            tx.run(query, params).consume()

    start = time.perf_counter()
    with db.driver.session(database=db.database) as session:
        for statements in transactions:
            session.execute_write(work, statements)
    return time.perf_counter() - start


def _counts(db) -> str:
    """Nodes per label and relationships per type, in one line."""
    nodes = db.read("MATCH (n) RETURN labels(n)[0] AS k, count(*) AS n ORDER BY k")
    rels = db.read("MATCH ()-[r]->() RETURN type(r) AS k, count(*) AS n ORDER BY k")
    return ", ".join(f"{r['k']} {r['n']:,}" for r in nodes + rels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_file_arguments(parser)
    parser.add_argument("--lines", type=int, help="only the first N lines of the file")
    parser.add_argument("--statements", default="bare,same,orgtrace",
                        help="which to time, comma-separated (bare, same, orgtrace)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="orgtrace-bench-floor-"))
    source, encoding = statement_file(args, work)
    path = source
    if args.lines:
        path = work / f"first-{args.lines}.csv"
        with open(source, "rb") as src, open(path, "wb") as dst:
            dst.writelines(islice(src, args.lines + 1))
    with open(path, "rb") as handle:
        lines = sum(1 for _ in handle) - 1
    prepare = {}            # seconds a hand-written loader spends reading the file into its rows
    start = time.perf_counter()
    bare = bare_rows(path, encoding)
    prepare["bare"] = time.perf_counter() - start
    start = time.perf_counter()
    same = same_graph_rows(path, encoding)
    prepare["same"] = time.perf_counter() - start
    settings = load_settings().with_local_server(data_dir=work / "neo4j", bolt_port=free_port())
    server = LocalServer(settings)
    server.start()
    seconds: dict[str, list[float]] = {n: [] for n in ("bare", "same", "orgtrace") if n in args.statements.split(",")}
    server_cpu: dict[str, list[float]] = {n: [] for n in seconds}     # the Java process's CPU seconds
    graphs: dict[str, str] = {}
    try:
        java = psutil.Process(server.pid())
        with connect(settings, start_local=False) as db:
            admin.wipe(db)
            admin.init_db(db)
            recorded = record_orgtrace(db, path, work / "reports")     # (also the server's warm-up)
            batches = {
                "bare": [[(UNWIND, {"rows": bare[i:i + BATCH], "run": "hand"})] for i in range(0, len(bare), BATCH)],
                "same": [[(SAME_GRAPH, {"rows": same[i:i + BATCH], "run": "hand"})] for i in range(0, len(same), BATCH)],
                "orgtrace": recorded,
            }
            for attempt in range(args.repeat):
                names = list(seconds)
                for name in names[attempt % len(names):] + names[:attempt % len(names)]:   # alternate who goes first
                    admin.wipe(db)
                    admin.init_db(db)
                    before = java.cpu_times()
                    spent = timed(db, batches[name])
                    after = java.cpu_times()
                    cpu = after.user - before.user + after.system - before.system
                    seconds[name].append(spent)
                    server_cpu[name].append(cpu)
                    graphs[name] = _counts(db)
                    print(f"run {attempt + 1} {name:<9} {spent:7.1f} s {lines / spent:10,.0f} rows/s  "
                          f"server CPU {cpu:6.1f} s", flush=True)
    finally:
        server.stop()
    median = {name: statistics.median(values) for name, values in seconds.items()}
    labels = {"bare": "hand-written, bare (the issue's peer)", "same": "hand-written, the same graph as OrgTrace",
              "orgtrace": f"OrgTrace's own statements, replayed ({len(recorded)} transactions)"}
    print("\n| statements (prepared beforehand) | database s (median) | rows/s | server CPU s (median) "
          "| + reading the file (hand-written: one after the other) |")
    print("|---|---|---|---|---|")
    for name in seconds:
        whole = f"{prepare[name] + median[name]:.1f} s ({lines / (prepare[name] + median[name]):,.0f} rows/s)" \
            if name in prepare else "-"
        print(f"| {labels[name]} | {median[name]:.1f} | {lines / median[name]:,.0f} | "
              f"{statistics.median(server_cpu[name]):.1f} | {whole} |")
    print("\nwhat each wrote: " + "; ".join(f"{name}: {graph}" for name, graph in graphs.items()))
    print(f"\nfile: {lines:,} statement lines ({source.name}{f', first {args.lines:,}' if args.lines else ''}); "
          f"{args.repeat} runs each")
    for name in ("bare", "same"):
        if name in median and "orgtrace" in median:
            print(f"OrgTrace's statements against {labels[name]}: {median[name] / median['orgtrace']:.2f}x the speed")
    where = file_options(args)
    print(f"\ncommand: python -m bench.bench_load_floor {where}{f' --lines {args.lines}' if args.lines else ''} "
          f"--repeat {args.repeat}{'' if len(seconds) == 3 else ' --statements ' + ','.join(seconds)}")


if __name__ == "__main__":
    main()

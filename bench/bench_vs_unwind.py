"""OrgTrace's loader against the loader a Neo4j engineer writes by hand (issue: load speed).

    python -m bench.bench_vs_unwind [--rows 200000] [--accounts 20000] [--repeat 3] [--demo DIR | --file CSV]
                                    [--warmup 50000]

Same server, same file, same run, alternating, each load into a freshly emptied database
with all of OrgTrace's constraints and indexes (the full-text index included), after each
loader has loaded the file's first ``--warmup`` lines once, untimed (the server's warm-up):
- **OrgTrace**: `python cli.py load FILE --kind bank` (a child process): every check,
  duplicate rule, warning, reject, provenance and idempotence;
- **hand-written**: Python's `csv` module, the direction resolved from the flag, rows sent in
  batches of 10,000 through one `UNWIND $rows … MERGE` statement, amounts and times parsed by
  `float()` and the server's `localdatetime()`, no validation and no provenance beyond run
  and row (the peer named in the issue);
- **hand-written, OrgTrace's graph** (``--loaders orgtrace,hand,hand-graph``): the same
  way, writing what `cli.py load` writes (holders, HOLDS, provenance lists; bench.peers).
Prints rows/s per run, medians, the ratio OrgTrace / hand-written and each loader's peak
RSS. The file is UTF-8 (or a demo case's GBK statements with ``--demo``, or any statement
file with the hand-written loader's columns with ``--file``: the check from outside).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_load import write_statements  # noqa: E402
from core.settings import load_settings  # noqa: E402
from graph import admin  # noqa: E402
from graph.connection import connect  # noqa: E402
from graph.server import LocalServer, free_port  # noqa: E402

BATCH = 10_000
#: Lines each loader loads once, untimed, before the timed runs: a fresh server compiles
#: (JIT) its query and store paths during its first load, which would otherwise count
#: against whichever loader happens to go first (a third of a first demo run's server CPU).
WARMUP_LINES = 50_000

# The hand-written statement, with the holder relationship a real one would add.
UNWIND = """
UNWIND $rows AS r
MERGE (a:BankAccount {key: r.a}) ON CREATE SET a.number = r.a, a.holder_name = r.an
MERGE (b:BankAccount {key: r.b}) ON CREATE SET b.number = r.b, b.holder_name = r.bn
MERGE (a)-[t:TRANSFER {tx_key: r.s}]->(b)
ON CREATE SET t.tx_id = r.s, t.amount = r.m, t.time = localdatetime(r.t), t.memo = r.memo,
              t.run = $run, t.row = r.row
"""

HAND_LOADER = r'''
import csv, sys, time, resource
from datetime import datetime
sys.path.insert(0, sys.argv[4])
from graph.connection import connect
from core.settings import load_settings
path, data_dir, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = load_settings().with_local_server(data_dir=data_dir, bolt_port=port)
UNWIND = sys.stdin.read()
OUT = {"出", "支出", "付", "借", "D", "DR"}
start = time.perf_counter()
rows, n = [], 0
with connect(settings, start_local=False) as db, open(path, encoding=sys.argv[5], newline="") as handle:
    def flush():
        db.write(UNWIND, {"rows": rows, "run": "hand"})
        rows.clear()
    for n, r in enumerate(csv.DictReader(handle), start=2):
        try:   # the one check a first crash on real data teaches: a time the server can parse
            when = datetime.strptime(r["交易时间"], "%%Y-%%m-%%d %%H:%%M:%%S").isoformat()
        except ValueError:
            continue
        own, other = r["交易卡号"], r["交易对手账卡号"] or "CASH:" + r["交易卡号"]
        out = r["收付标志"].strip().upper() in OUT
        a, b = (own, other) if out else (other, own)
        an, bn = (r["账户开户名称"], r["对手户名"]) if out else (r["对手户名"], r["账户开户名称"])
        rows.append({"a": a, "b": b, "an": an, "bn": bn, "s": "id:" + r["交易流水号"],
                     "m": abs(float(r["交易金额"])), "t": when,
                     "memo": r["摘要说明"], "row": n})
        if len(rows) >= %d:
            flush()
    if rows:
        flush()
print(n - 1, time.perf_counter() - start)
''' % BATCH


# The same job's graph written the hand-written way, as a whole loader (``--loaders
# hand-graph``): bench.peers' statement (each line's accounts, their holders as Person or
# Organization, HOLDS, run and row provenance lists), batches of 10,000 lines, no checks.
# It writes the same nodes and relationships between the same ends as `cli.py load`
# (tests/test_bench_peers.py).
HAND_GRAPH_LOADER = r'''
import sys, time
sys.path.insert(0, sys.argv[4])
from graph.connection import connect
from core.settings import load_settings
from bench.peers import SAME_GRAPH, same_graph_row, statement_lines
path, data_dir, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = load_settings().with_local_server(data_dir=data_dir, bolt_port=port)
start = time.perf_counter()
rows, n = [], 0
with connect(settings, start_local=False) as db:
    for line in statement_lines(path, sys.argv[5]):
        n += 1
        rows.append(same_graph_row(*line))
        if len(rows) >= %d:
            db.write(SAME_GRAPH, {"rows": rows, "run": "hand"})
            rows.clear()
    if rows:
        db.write(SAME_GRAPH, {"rows": rows, "run": "hand"})
print(n, time.perf_counter() - start)
''' % BATCH


def run_orgtrace(csv_path: Path, server: LocalServer, work: Path, columnar: bool = True) -> tuple[float, float, float]:
    """(seconds, peak MB, CPU seconds) of `cli.py load` as a child process; ``columnar``
    False: the row-by-row reference path (ORGTRACE_COLUMNAR_LOAD=0)."""
    cmd = [sys.executable, str(ROOT / "cli.py"), "load", str(csv_path), "--kind", "bank", "--report-dir",
           str(work / "reports"), "--data-dir", str(server.data_dir), "--bolt-port", str(server.bolt_port)]
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WITH_PEAK, *cmd], capture_output=True, text=True,
                          env={**os.environ, "ORGTRACE_DATA_DIR": str(server.data_dir),
                               "ORGTRACE_COLUMNAR_LOAD": "1" if columnar else "0"})
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
    peak, cpu = proc.stdout.strip().splitlines()[-1].split()
    return elapsed, float(peak), float(cpu)


# Runs a command and prints its peak RSS (MB) last: each loader's memory measured alone.
_WITH_PEAK = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, stdin=sys.stdin)
sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-2000:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)
sys.exit(proc.returncode)
"""


def run_hand(csv_path: Path, server: LocalServer, encoding: str, graph: bool = False) -> tuple[float, float, float]:
    """(seconds, peak MB, CPU seconds) of the hand-written loader, timed as a whole process like
    ours; ``graph``: the one that writes OrgTrace's graph (HAND_GRAPH_LOADER)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WITH_PEAK, sys.executable, "-c",
                           HAND_GRAPH_LOADER if graph else HAND_LOADER, str(csv_path),
                           str(server.data_dir), str(server.bolt_port), str(ROOT), encoding],
                          input="" if graph else UNWIND, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
    elapsed = time.perf_counter() - start
    peak, cpu = proc.stdout.strip().splitlines()[-1].split()
    return elapsed, float(peak), float(cpu)


def add_file_arguments(parser: argparse.ArgumentParser) -> None:
    """The options naming the statement file (generated, or a demo case's) and the repeats."""
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--demo", type=Path, help="a demo case folder: its bank statements are the file")
    parser.add_argument("--file", type=Path,
                        help="any statement file with the columns the hand-written loader reads "
                             "(交易卡号, 账户开户名称, 交易时间, 交易金额, 收付标志, 交易对手账卡号, "
                             "对手户名, 摘要说明, 交易流水号)")
    parser.add_argument("--encoding", help="the --file's encoding (default: OrgTrace's detection)")


def statement_file(args: argparse.Namespace, work: Path) -> tuple[Path, str]:
    """(path, encoding) of the file: the one named by --file, a demo case's GBK statements, or
    one written into ``work``."""
    if args.file:
        from loaders.read import iter_table
        return args.file, args.encoding or iter_table(args.file).encoding
    if args.demo:
        return args.demo / "bank_statements_gbk.csv", "gb18030"
    path = work / "statements.csv"
    write_statements(path, args.rows, args.accounts, encoding="utf-8")
    return path, "utf-8"


def file_options(args: argparse.Namespace) -> str:
    """The options that named the file, as the command line to repeat the run shows them."""
    if args.file:
        return f"--file {args.file}" + (f" --encoding {args.encoding}" if args.encoding else "")
    return f"--demo {args.demo}" if args.demo else f"--rows {args.rows} --accounts {args.accounts}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_file_arguments(parser)
    parser.add_argument("--loaders", default="orgtrace,hand",
                        help="which loaders to run, comma-separated (orgtrace, hand, hand-graph: the "
                             "hand-written way, writing the graph OrgTrace writes)")
    parser.add_argument("--warmup", type=int, default=WARMUP_LINES,
                        help="before the timed runs, each loader loads the file's first N lines once, untimed "
                             f"(the server's JIT warm-up, else paid by whoever goes first; default {WARMUP_LINES:,}; "
                             "0: none)")
    parser.add_argument("--reference", action="store_true",
                        help="also load with the row-by-row reference path (ORGTRACE_COLUMNAR_LOAD=0)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="orgtrace-bench-unwind-"))
    csv_path, encoding = statement_file(args, work)
    with open(csv_path, "rb") as handle:
        rows = sum(1 for _ in handle) - 1
    settings = load_settings().with_local_server(data_dir=work / "neo4j", bolt_port=free_port())
    server = LocalServer(settings)
    server.start()
    names = [n for n in args.loaders.split(",") if n in ("orgtrace", "hand", "hand-graph")] + (["row-wise"] if args.reference else [])
    rates = {name: [] for name in names}
    peaks = {name: [] for name in names}
    client = {name: [] for name in names}
    server_cpu = {name: [] for name in names}
    try:
        java = psutil.Process(server.pid())
        with connect(settings, start_local=False) as db:
            admin.init_db(db)
            if args.warmup:
                warm = work / f"warm-up-{args.warmup}.csv"
                with open(csv_path, "rb") as src, open(warm, "wb") as dst:
                    dst.writelines(islice(src, args.warmup + 1))
                for name in names:
                    admin.wipe(db)
                    admin.init_db(db)
                    if name.startswith("hand"):
                        run_hand(warm, server, encoding, graph=name == "hand-graph")
                    else:
                        run_orgtrace(warm, server, work, columnar=name == "orgtrace")
            for attempt in range(args.repeat):
                order = names[attempt % len(names):] + names[:attempt % len(names)]   # alternate who goes first
                for name in order:
                    admin.wipe(db)
                    admin.init_db(db)
                    before = java.cpu_times()
                    if name.startswith("hand"):
                        seconds, peak, cpu = run_hand(csv_path, server, encoding, graph=name == "hand-graph")
                    else:
                        seconds, peak, cpu = run_orgtrace(csv_path, server, work, columnar=name == "orgtrace")
                    after = java.cpu_times()
                    spent = after.user - before.user + after.system - before.system
                    rates[name].append(rows / seconds)
                    peaks[name].append(peak)
                    client[name].append(cpu)
                    server_cpu[name].append(spent)
                    print(f"run {attempt + 1} {name:<9} {seconds:7.1f} s {rows / seconds:10,.0f} rows/s "
                          f"peak {peak:,.0f} MB  CPU: loader {cpu:5.1f} s, server {spent:5.1f} s  "
                          f"(load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        server.stop()
    median = statistics.median
    print()
    print("| loader | rows/s (median) | peak RSS | loader CPU s (median) | server CPU s (median) |")
    print("|---|---|---|---|---|")
    labels = {"orgtrace": "OrgTrace `cli.py load --kind bank` (columnar)", "hand": "hand-written UNWIND loader",
              "hand-graph": "hand-written UNWIND loader writing OrgTrace's graph (bench.peers)",
              "row-wise": "OrgTrace, row-by-row reference (`ORGTRACE_COLUMNAR_LOAD=0`)"}
    for name in names:
        print(f"| {labels[name]} | {median(rates[name]):,.0f} | {max(peaks[name]):,.0f} MB | "
              f"{median(client[name]):.1f} | {median(server_cpu[name]):.1f} |")
    print(f"\nfile: {rows:,} statement lines ({csv_path.name}, {encoding}); {args.repeat} runs each"
          + (f", after an untimed warm-up of the first {args.warmup:,} lines by each loader" if args.warmup else
             ", no warm-up"))
    total = {name: median(client[name]) + median(server_cpu[name]) for name in names}
    if "orgtrace" in names and "hand" in names:
        print(f"ratio OrgTrace / hand-written (rows/s medians): {median(rates['orgtrace']) / median(rates['hand']):.2f}x")
        print(f"ratio of CPU seconds, hand-written / OrgTrace (loader + server): {total['hand'] / total['orgtrace']:.2f}x")
    if "orgtrace" in names and "hand-graph" in names:
        print(f"ratio OrgTrace / hand-written writing OrgTrace's graph (rows/s medians): "
              f"{median(rates['orgtrace']) / median(rates['hand-graph']):.2f}x")
    if args.reference and "orgtrace" in names:
        print(f"ratio columnar / row-wise (rows/s medians): {median(rates['orgtrace']) / median(rates['row-wise']):.2f}x")
    source = file_options(args)
    print(f"\ncommand: python -m bench.bench_vs_unwind {source} --repeat {args.repeat} --warmup {args.warmup}"
          f"{'' if args.loaders == 'orgtrace,hand' else ' --loaders ' + args.loaders}"
          f"{' --reference' if args.reference else ''}")


if __name__ == "__main__":
    main()

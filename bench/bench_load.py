"""Loader benchmark: bank-statement rows per second into a fresh local Neo4j.

    python -m bench.bench_load [--rows 1000000] [--accounts 100000] [--naive-rows 20000]

In one run, on a throwaway server (own data directory, free port):
1. writes a GBK bank-statement CSV of N rows (one statement line per transfer, ~A
   accounts with their holders) — the file generation is not timed;
2. the OrgTrace loader (`python cli.py load`, a child process) loads it: wall time, rows
   per second, and the loader's peak resident memory;
3. the baseline: a naive loader (one row per transaction, MERGE by MERGE) on the first
   20,000 rows into an emptied database: rows per second, and the ratio;
4. the offline bulk path end to end: `neo4j-admin database import full` of the same data
   from the cached jars into a stopped server's store, restart, constraints and indexes
   (seconds per phase).
Repeat the loader step with --repeat K to quote a median.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.settings import load_settings  # noqa: E402
from graph import admin  # noqa: E402
from graph.connection import connect  # noqa: E402
from graph.server import LocalServer, free_port  # noqa: E402

HEADER = ["交易卡号", "交易账号", "账户开户名称", "开户人证件号码", "交易时间", "交易金额", "交易余额", "收付标志",
          "交易对手账卡号", "对手户名", "对手身份证号", "对手开户银行", "摘要说明", "交易流水号", "交易网点", "现金标志"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def resident_id(rng: random.Random) -> str:
    from stdnum.cn import ric
    body = f"5001{rng.randint(1, 19):02d}{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def write_statements(path: Path, rows: int, accounts: int, seed: int = 1, encoding: str = "gbk") -> None:
    rng = random.Random(seed)
    holders = [(f"62220{i:014d}", rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), resident_id(rng))
               for i in range(accounts)]
    base = time.mktime((2023, 1, 1, 0, 0, 0, 0, 0, -1))
    with open(path, "w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for n in range(rows):
            a, b = rng.randrange(accounts), rng.randrange(accounts)
            if a == b:
                b = (b + 1) % accounts
            card, name, pid = holders[a]
            cp_card, cp_name, cp_id = holders[b]
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(base + n * 30))
            cash = n % 50 == 0
            out.writerow([card, "", name, pid, when, f"{rng.uniform(10, 20000):.2f}", "", "出",
                          "" if cash else cp_card, "" if cash else cp_name, "" if cash else cp_id,
                          "" if cash else "重庆农村商业银行", "取现" if cash else "转账", f"B{n:010d}", "渝中支行",
                          "现金" if cash else ""])


NAIVE_NODE = "MERGE (p:Person {key: $pid}) SET p.name = $name MERGE (a:BankAccount {key: $card}) MERGE (p)-[:HOLDS]->(a)"
NAIVE_TRANSFER = ("MERGE (a:BankAccount {key: $payer}) MERGE (b:BankAccount {key: $payee}) "
                  "MERGE (a)-[t:TRANSFER {tx_key: $tx}]->(b) SET t.amount = $amount, t.time = $time")


def parse_datetime_or_none(text: str):
    from loaders.clean import parse_datetime
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def naive_load(db, path: Path, limit: int) -> float:
    """One row per transaction, as a first script would do it. Returns rows/s."""
    from loaders.clean import parse_datetime

    with open(path, encoding="gb18030", newline="") as handle:
        rows = [r for _, r in zip(range(limit), csv.DictReader(handle))
                if parse_datetime_or_none(r["交易时间"])]
    start = time.perf_counter()
    with db.driver.session(database=db.database) as session:
        for r in rows:
            def work(tx, r=r):
                tx.run(NAIVE_NODE, pid=r["开户人证件号码"], name=r["账户开户名称"], card=r["交易卡号"]).consume()
                ends = [r["交易卡号"], r["交易对手账卡号"] or "CASH:" + r["交易卡号"]]
                payer, payee = ends[::-1] if r["收付标志"] == "进" else ends
                tx.run(NAIVE_TRANSFER, payer=payer, payee=payee, tx="id:" + r["交易流水号"],
                       amount=float(r["交易金额"]), time=parse_datetime(r["交易时间"])).consume()
            session.execute_write(work)
    return len(rows) / (time.perf_counter() - start)


def admin_import(csv_path: Path, work: Path, settings) -> dict[str, float]:
    """The offline bulk path end to end, from the cached jars: write neo4j-admin's CSVs
    from the statements, `neo4j-admin database import full` into the store of a stopped
    local server, start it again, create OrgTrace's constraints and indexes. Seconds per
    phase. (No MERGE with existing data, no provenance, no validation beyond the date: a
    lower bound for any bulk mode of the loader.)"""
    from graph.server import check_prerequisites, install_dir

    java, _ = check_prerequisites(settings)
    out = work / "admin-import"
    (out / "conf").mkdir(parents=True, exist_ok=True)
    (out / "conf" / "neo4j.conf").write_text("")
    bulk_settings = settings.with_local_server(data_dir=work / "bulk-neo4j", bolt_port=free_port())
    bulk = LocalServer(bulk_settings)
    bulk.start()   # makes the store and sets the password; not timed
    bulk.stop()
    times: dict[str, float] = {}
    start = time.perf_counter()
    people, accounts, held, seen_tx = {}, set(), set(), set()
    with open(csv_path, encoding="gb18030", newline="") as src, \
            open(out / "transfers.csv", "w", newline="", encoding="utf-8") as tx_out, \
            open(out / "holds.csv", "w", newline="", encoding="utf-8") as holds_out:
        tx = csv.writer(tx_out)
        holds = csv.writer(holds_out)
        tx.writerow([":START_ID(Account)", ":END_ID(Account)", "tx_key", "amount:double", "time:localdatetime", "memo"])
        holds.writerow([":START_ID(Person)", ":END_ID(Account)"])
        for r in csv.DictReader(src):
            when = parse_datetime_or_none(r["交易时间"])
            if when is None:
                continue
            card, cp = r["交易卡号"], r["交易对手账卡号"] or "CASH:" + r["交易卡号"]
            payer, payee = (cp, card) if r["收付标志"] == "进" else (card, cp)
            accounts.update((card, cp))
            holder = r["开户人证件号码"]
            if holder and card not in held:
                held.add(card)
                people.setdefault(holder, r["账户开户名称"])
                holds.writerow([holder, card])
            key = "id:" + r["交易流水号"]
            if key not in seen_tx:
                seen_tx.add(key)
                tx.writerow([payer, payee, key, r["交易金额"], when.isoformat(), r["摘要说明"]])
    with open(out / "accounts.csv", "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["key:ID(Account)"])
        w.writerows([a] for a in accounts)
    with open(out / "people.csv", "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["key:ID(Person)", "name"])
        w.writerows(people.items())
    times["prepare CSVs (Python)"] = time.perf_counter() - start
    lib = install_dir(settings) / "lib"
    env = {**os.environ, "NEO4J_HOME": str(bulk.home), "NEO4J_CONF": str(out / "conf")}
    start = time.perf_counter()
    proc = subprocess.run([java, "-Xmx2g", "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool", "database", "import", "full",
                           f"--nodes=BankAccount={out / 'accounts.csv'}", f"--nodes=Person={out / 'people.csv'}",
                           f"--relationships=TRANSFER={out / 'transfers.csv'}", f"--relationships=HOLDS={out / 'holds.csv'}",
                           f"--report-file={out / 'import.report'}", "--overwrite-destination", "neo4j"],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit("neo4j-admin import failed: " + proc.stdout[-2000:] + proc.stderr[-2000:])
    times["neo4j-admin import (offline store)"] = time.perf_counter() - start
    try:
        start = time.perf_counter()
        bulk.start()
        times["start the server on the imported store"] = time.perf_counter() - start
        with connect(bulk_settings, start_local=False) as db:
            start = time.perf_counter()
            admin.init_db(db)
            admin.refresh_search_index(db)
            times["constraints and indexes built"] = time.perf_counter() - start
            times["transfers"] = admin.stats(db)["relationships"]["TRANSFER"]
    finally:
        bulk.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1, help="loader runs (each into an emptied database)")
    parser.add_argument("--keep", type=Path, help="keep the work folder here instead of a temporary one")
    parser.add_argument("--demo", type=Path, help="a demo case folder (python cli.py demo --no-load --out DIR): "
                        "its other files are loaded first (untimed), then its bank CSV is the timed load")
    parser.add_argument("--keep-server", action="store_true",
                        help="leave the loaded server running (for bench/bench_queries.py)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="orgtrace-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.demo:
        csv_path = args.demo / "bank_statements_gbk.csv"
        with open(csv_path, "rb") as handle:
            args.rows = sum(1 for _ in handle) - 1
        before = [args.demo / n for n in ("registry.csv", "roster.csv", "events.csv", "leads.csv", "blacklist.csv")]
    else:
        csv_path, before = work / "statements.csv", []
        if not csv_path.exists():
            print(f"writing {args.rows:,} rows to {csv_path} …", flush=True)
            write_statements(csv_path, args.rows, args.accounts)
    settings = load_settings().with_local_server(data_dir=work / "neo4j", bolt_port=free_port())
    server = LocalServer(settings)
    server.start()
    env = {**os.environ, "ORGTRACE_DATA_DIR": str(server.data_dir)}

    def cli_load(*files: Path) -> None:
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "load", *map(str, files), "--report-dir",
                               str(work / "reports"), "--data-dir", str(server.data_dir)],
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(proc.stdout + proc.stderr)

    try:
        with connect(settings, start_local=False) as db:
            admin.init_db(db)
            admin.wipe(db)
            naive = naive_load(db, csv_path, args.naive_rows)
            print(f"naive: {naive:,.1f} rows/s", flush=True)
            rates, seconds = [], []
            for attempt in range(args.repeat):
                admin.wipe(db)
                if before:
                    cli_load(*before)
                start = time.perf_counter()
                cli_load(csv_path)
                elapsed = time.perf_counter() - start
                seconds.append(elapsed)
                rates.append(args.rows / elapsed)
                print(f"run {attempt + 1}: {elapsed:.1f} s, {args.rows / elapsed:,.0f} rows/s", flush=True)
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            counts = admin.stats(db)
    except BaseException:
        server.stop()   # a failed run never leaves a server behind, --keep-server or not
        raise
    if not args.keep_server:
        server.stop()
    bulk = admin_import(csv_path, work, settings)
    bulk_transfers = int(bulk.pop("transfers"))
    bulk_total = sum(bulk.values())
    rate = statistics.median(rates)
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| bank statement rows | {args.rows:,} ({csv_path.name}) |")
    print(f"| OrgTrace loader (`cli.py load`), median of {len(rates)} | {statistics.median(seconds):.1f} s, "
          f"{rate:,.0f} rows/s |")
    print(f"| loader peak memory (RSS of the loading process) | {peak_mb:,.0f} MB |")
    print(f"| naive loader, first {args.naive_rows:,} rows, 1 row per transaction | {naive:,.1f} rows/s |")
    print(f"| ratio OrgTrace / naive | {rate / naive:.1f}x |")
    for phase, seconds in bulk.items():
        print(f"| bulk path: {phase} | {seconds:.1f} s |")
    print(f"| bulk path end to end ({bulk_transfers:,} transfers) | {bulk_total:.1f} s: "
          f"{args.rows / bulk_total:,.0f} rows/s |")
    print(f"| graph after load | {counts['relationships']['TRANSFER']:,} transfers, "
          f"{counts['nodes']['BankAccount']:,} accounts, {counts['nodes']['Person']:,} people |")
    demo = f" --demo {args.demo}" if args.demo else f" --rows {args.rows} --accounts {args.accounts}"
    print(f"\ncommand: python -m bench.bench_load{demo} --naive-rows {args.naive_rows} --repeat {args.repeat}")
    if args.keep_server:
        print(f"server left running: --data-dir {server.data_dir} --bolt-port {server.bolt_port}")


if __name__ == "__main__":
    main()

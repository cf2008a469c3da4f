"""What the database side of a transactional load can reach on this machine, with no
file reading or cleaning at all: the ceiling any Bolt loader works under.

    python -m bench.bench_write_ceiling [--accounts 100000] [--rows 20000] [--repeat 5]

On a throwaway local server (own data directory, free port, the OrgTrace schema with its
constraints and indexes), with rows made in memory beforehand:
1. parameter transport: 20,000 transfer rows sent to a query that only counts them, with
   the time as a Python ``datetime`` (the driver converts it) and as ISO text (what the
   loader now sends; the server parses it) — the ratio;
2. bare relationships: 20,000 ``CREATE (a)-[:T]->(b)`` between existing accounts, one
   transaction;
3. transfers as the loader writes them: the same with the loader's properties
   (amount, time, memo, channel, branch, tx ids, provenance lists), one transaction.
Medians of --repeat runs; nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
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

COUNT = "UNWIND $rows AS row RETURN count(row) AS c"
BARE = ("UNWIND $rows AS row MATCH (a:BankAccount {key: row.source}) MATCH (b:BankAccount {key: row.target}) "
        "CREATE (a)-[:CEILING_BARE]->(b)")
TRANSFER = ("UNWIND $rows AS row MATCH (a:BankAccount {key: row.source}) MATCH (b:BankAccount {key: row.target}) "
            "CREATE (a)-[r:TRANSFER]->(b) SET r = row.props, r.time = localdatetime(row.time)")


def make_rows(n: int, accounts: list[str], rng: random.Random, tag: str, *, as_text: bool) -> list[dict]:
    base = dt.datetime(2023, 1, 1)
    rows = []
    for i in range(n):
        when = base + dt.timedelta(seconds=rng.randrange(10 ** 7))
        rows.append({"source": rng.choice(accounts), "target": rng.choice(accounts),
                     "time": when.isoformat() if as_text else when,
                     "props": {"tx_key": f"id:{tag}{i}", "tx_id": f"{tag}{i}", "amount": round(rng.uniform(10, 20000), 2),
                               "memo": "会费", "channel": "网银", "branch": "渝中支行", "cash": False,
                               # provenance by reference (graph.provenance): one sighting = run + row
                               "load_runs": ["0123456789abcdef01234567"], "src_rows": [i + 2]}})
    return rows


def timed_write(db, cypher: str, rows: list[dict]) -> float:
    start = time.perf_counter()
    with db.driver.session(database=db.database) as session:
        session.execute_write(lambda tx: tx.run(cypher, rows=rows).consume())
    return time.perf_counter() - start


def timed_read(db, cypher: str, rows: list[dict]) -> float:
    start = time.perf_counter()
    db.read(cypher, {"rows": rows})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=20_000, help="rows per transaction")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="orgtrace-ceiling-"))
    settings = load_settings().with_local_server(data_dir=work / "neo4j", bolt_port=free_port())
    server = LocalServer(settings)
    server.start()
    rng = random.Random(7)
    results: dict[str, list[float]] = {"send_datetime": [], "send_text": [], "bare": [], "transfer": []}
    try:
        with connect(settings, start_local=False) as db:
            admin.init_db(db)
            accounts = [f"62220{i:014d}" for i in range(args.accounts)]
            for i in range(0, len(accounts), 20_000):
                db.write("UNWIND $keys AS k CREATE (:BankAccount {key: k, number: k, kind: 'account'})",
                         {"keys": accounts[i:i + 20_000]})
            for run in range(args.repeat + 1):   # the first round warms the JVM up and is dropped
                as_objects = make_rows(args.rows, accounts, rng, f"D{run}-", as_text=False)
                as_text = make_rows(args.rows, accounts, rng, f"T{run}-", as_text=True)
                measured = {"send_datetime": timed_read(db, COUNT, as_objects),
                            "send_text": timed_read(db, COUNT, as_text),
                            "bare": timed_write(db, BARE, as_text),
                            "transfer": timed_write(db, TRANSFER, as_text)}
                if run:
                    for name, seconds in measured.items():
                        results[name].append(args.rows / seconds)
                print(f"round {run}: " + ", ".join(f"{k} {args.rows / v:,.0f}/s" for k, v in measured.items()),
                      flush=True)
    finally:
        server.stop()
    med = {k: statistics.median(v) for k, v in results.items()}
    print()
    print(f"| measure ({args.rows:,} rows per transaction, median of {args.repeat}) | rows/s |")
    print("|---|---|")
    print(f"| send transfer rows, time as Python datetime (driver converts) | {med['send_datetime']:,.0f} |")
    print(f"| send transfer rows, time as ISO text (server parses) | {med['send_text']:,.0f} "
          f"({med['send_text'] / med['send_datetime']:.1f}x) |")
    print(f"| CREATE bare relationships between existing accounts | {med['bare']:,.0f} |")
    print(f"| CREATE transfers with the loader's properties | {med['transfer']:,.0f} |")
    print(f"\ncommand: python -m bench.bench_write_ceiling --accounts {args.accounts} --rows {args.rows} "
          f"--repeat {args.repeat}")


if __name__ == "__main__":
    main()

"""Benchmark the money-trail reports against a naive baseline.

Needs a running server loaded with a (large) demo case, e.g.::

    python cli.py demo --scale 20 --data-dir /tmp/bench-neo --bolt-port 7720
    python bench/bench_queries.py --data-dir /tmp/bench-neo --bolt-port 7720

(or NEO4J_URI / NEO4J_PASSWORD in the environment). It times, in one run:

* ``fund-flow-downstream`` (bounded quantified path pattern, time-ordered, up to ``--hops``)
  from ``--seeds`` accounts picked at random (fixed seed) among accounts that sent money;
* the same trace written the naive way: an unbounded variable-length path
  ``-[ts:TRANSFER*]->`` filtered afterwards (length, amounts, time order, window), each run
  stopped after ``--naive-timeout`` seconds so it cannot hang;
* ``collection-accounts`` over the whole graph (``--repeat`` times).

Both traces go through the same runner (guard, read transaction, row cap). It prints a
markdown table (p50, p95, timeouts), the ratio of the medians, and the command used.
"""

from __future__ import annotations

import argparse
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.errors import QueryError  # noqa: E402
from core.settings import load_settings  # noqa: E402
from graph.connection import connect  # noqa: E402
from queries.registry import coerce_params, load_reports  # noqa: E402
from queries.runner import run_cypher, run_report  # noqa: E402

NAIVE = """
MATCH trail = (a:BankAccount {key: $start})-[ts:TRANSFER*]->(b:BankAccount)
WHERE length(trail) <= $max_hops
  AND all(r IN ts WHERE r.amount >= $min_amount
          AND ts[0].time <= r.time <= ts[0].time + duration({days: $within_days}))
  AND localdatetime({date: $from}) <= ts[0].time < localdatetime({date: $to}) + duration('P1D')
  AND all(i IN range(0, size(ts) - 2) WHERE ts[i].time <= ts[i + 1].time)
RETURN a.key AS source, b.key AS account, length(trail) AS hop_count,
       [n IN nodes(trail) | n.key] AS path, [r IN ts | r.amount] AS amounts
ORDER BY hop_count, path
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def timed(call) -> tuple[float, object | None]:
    started = time.perf_counter()
    try:
        result = call()
    except QueryError as exc:
        if "stopped after" not in str(exc):
            raise
        result = None
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="local server data directory")
    parser.add_argument("--bolt-port", type=int, help="local server Bolt port")
    parser.add_argument("--seeds", type=int, default=100, help="start accounts (default 100)")
    parser.add_argument("--hops", type=int, default=6, help="longest chain (default 6)")
    parser.add_argument("--within-days", type=int, default=30, help="days after the first hop (default 30)")
    parser.add_argument("--min-amount", type=float, default=0.0, help="smallest transfer followed")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per bounded trace (default 120)")
    parser.add_argument("--naive-timeout", type=float, default=10, help="seconds per naive trace (default 10)")
    parser.add_argument("--repeat", type=int, default=5, help="collection-accounts runs (default 5)")
    parser.add_argument("--random-seed", type=int, default=7)
    args = parser.parse_args(argv)

    settings = load_settings()
    if args.data_dir or args.bolt_port:
        settings = settings.with_local_server(data_dir=args.data_dir, bolt_port=args.bolt_port)
    reports = load_reports()
    flow, collect = reports["fund-flow-downstream"], reports["collection-accounts"]
    with connect(settings, start_local=False) as db:
        counts = db.read("MATCH (a:BankAccount) WITH count(a) AS accounts "
                         "RETURN accounts, COUNT { ()-[:TRANSFER]->() } AS transfers")[0]
        senders = [r["key"] for r in db.read(
            "MATCH (a:BankAccount) WHERE coalesce(a.kind, 'account') = 'account' "
            "AND EXISTS { (a)-[:TRANSFER]->() } RETURN a.key AS key ORDER BY key")]
        seeds = random.Random(args.random_seed).sample(senders, min(args.seeds, len(senders)))
        raw = {"max_hops": args.hops, "within_days": args.within_days, "min_amount": args.min_amount}

        bounded, naive, agree, compared, naive_timeouts, bounded_timeouts = [], [], 0, 0, 0, 0
        warm = seeds[0]
        run_report(db, flow, {"start": warm, **raw}, timeout=args.timeout)  # plan once
        for n, start in enumerate(seeds, 1):
            params = {"start": start, **raw}
            t_qpp, r_qpp = timed(lambda: run_report(db, flow, params, timeout=args.timeout))
            values = coerce_params(flow, params)
            t_naive, r_naive = timed(lambda: run_cypher(db, NAIVE, values, limit=flow.row_cap,
                                                        timeout=args.naive_timeout))
            bounded.append(t_qpp)
            naive.append(t_naive)
            bounded_timeouts += r_qpp is None
            naive_timeouts += r_naive is None
            if r_qpp is not None and r_naive is not None and not (r_qpp.truncated or r_naive.truncated):
                compared += 1
                agree += sorted(map(str, (r["path"] for r in r_qpp.rows))) == \
                    sorted(map(str, (r["path"] for r in r_naive.rows)))
            print(f"  {n}/{len(seeds)} {start}: bounded {t_qpp:.3f} s, naive "
                  f"{'timeout' if r_naive is None else f'{t_naive:.3f} s'}", file=sys.stderr)

        run_report(db, collect, {}, timeout=args.timeout)  # plan once
        whole = [timed(lambda: run_report(db, collect, {}, timeout=args.timeout))[0]
                 for _ in range(args.repeat)]
        version = db.server_version()

    def row(name: str, values: list[float], timeouts: int) -> str:
        mark = "≥ " if timeouts else ""
        return (f"| {name} | {len(values)} | {mark}{statistics.median(values):.3f} | "
                f"{mark}{percentile(values, 0.95):.3f} | {timeouts} |")

    ratio = statistics.median(naive) / max(statistics.median(bounded), 1e-9)
    print(f"\nNeo4j {version}; {counts['accounts']:,} accounts, {counts['transfers']:,} transfers; "
          f"{len(seeds)} seed accounts, up to {args.hops} hops, within {args.within_days} days, "
          f"min amount {args.min_amount:g}.\n")
    print("| query | runs | p50 (s) | p95 (s) | timeouts |\n|---|---|---|---|---|")
    print(row(f"fund-flow-downstream: bounded quantified path {{0,{args.hops - 1}}}", bounded, bounded_timeouts))
    print(row(f"naive: unbounded `[:TRANSFER*]` filtered afterwards (timeout {args.naive_timeout:g} s)",
              naive, naive_timeouts))
    print(row("collection-accounts, whole graph", whole, 0))
    print(f"\nMedian ratio naive / bounded: {ratio:.1f}x"
          f"{' (a lower bound: naive runs timed out)' if naive_timeouts else ''}. "
          + (f"Same paths in {agree} of {compared} traces where both finished untruncated."
             if compared else "No naive trace finished untruncated, so none could be compared."))
    print(f"\nCommand: {shlex.join([Path(sys.executable).name, *sys.argv])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

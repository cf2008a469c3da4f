"""Benchmark of the analytics (issue 11) on the graph in the configured database.

    python -m bench.bench_analytics [--data-dir DIR --bolt-port N] [--repeat 3] [--run-repeat 3]
        [--skip-run] [--skip-steps] [--ratio-sources 10] [--exact-max-nodes 5000]
        [--nx-louvain-timeout 600] [--pull-overlap K]

Load the graph first, e.g. ``python cli.py demo --scale 50``. Prints Markdown tables:

1. the steps, each the median of ``--repeat`` runs with the peak resident memory of this
   process during the step (the networkx Louvain on the large projection runs in a forked
   child with a time limit, its own peak memory measured there): the projection pull (Neo4j
   to records), the graph builds, the conversion to igraph, PageRank, betweenness and
   Louvain with networkx and with python-igraph on the same graphs (the ratio
   networkx / igraph), the hub scoring;
2. the whole ``python cli.py analyze run --json`` (a child process: wall time, CPU time, peak
   memory and the seconds of each step it reports), ``--run-repeat`` times with the load
   average before each run, and the median.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

from analytics import api, engine, groups as G, projection as P  # noqa: E402
from analytics.config import analytics_settings  # noqa: E402
from core.settings import load_settings  # noqa: E402
from graph.connection import connect  # noqa: E402


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 20 ms)."""

    def __enter__(self):
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def timed(fn, repeat: int):
    """Median seconds, peak MB and the result of ``fn``, run as `analyze run` runs it (the
    cyclic garbage collector paused: analytics.api.without_cyclic_gc)."""
    secs, peaks, out = [], [], None
    for _ in range(repeat):
        out = None
        gc.collect()
        with PeakRSS() as m:
            t = time.perf_counter()
            out = api.without_cyclic_gc(fn)()
            secs.append(time.perf_counter() - t)
        peaks.append(m.peak / 2**20)
    return statistics.median(secs), max(peaks), out


def load1() -> float:
    return os.getloadavg()[0]


def _child_louvain(g, seed, queue):
    t = time.perf_counter()
    found = nx.community.louvain_communities(g, weight="weight", seed=seed)
    queue.put((time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(found)))


def nx_louvain_limited(g, seed: int, limit: float):
    """networkx's Louvain in a forked child (the graph is shared, not copied): (seconds,
    peak MB, communities), or None when it takes longer than ``limit`` seconds."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_louvain, args=(g, seed, queue))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return queue.get()


def graph_counts(db) -> tuple[dict[str, int], dict[str, int]]:
    labels = {r["l"]: r["c"] for r in db.read("MATCH (n) RETURN labels(n)[0] AS l, count(*) AS c ORDER BY c DESC")}
    types = {r["t"]: r["c"] for r in db.read("MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS c ORDER BY c DESC")}
    return labels, types


RESULT_DIGEST = ("MATCH (p:Person) WHERE p.hub_rank IS NOT NULL RETURN collect([p.key, p.hub_score, p.hub_rank]) AS rows")


def written_digest(conn) -> str:
    """sha256 of every written (key, hub_score, hub_rank), in key order: two runs' results compared."""
    import hashlib

    with connect(conn) as db:
        rows = sorted(P._rows(db, RESULT_DIGEST, {}))
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def analyze_run(args) -> dict:
    """``python cli.py analyze run --json`` as a user runs it: wall, CPU, peak memory, steps."""
    command = [sys.executable, str(ROOT / "cli.py"), "analyze", "run", "--json"]
    if args.data_dir:
        command += ["--data-dir", str(args.data_dir)]
    if args.bolt_port:
        command += ["--bolt-port", str(args.bolt_port)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    la = load1()
    t = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"analyze run failed: {done.stderr.strip()[-2000:]}")
    summary = json.loads(done.stdout)
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "rss": after.ru_maxrss / 1024, "load": la, "steps": summary["seconds"],
            "ranked": summary["people_ranked"], "top": [r["key"] for r in summary["top"]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, help="local server data directory (default: the configured one)")
    ap.add_argument("--bolt-port", type=int, help="local server Bolt port")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each step (median)")
    ap.add_argument("--run-repeat", type=int, default=3, help="runs of `analyze run` (median)")
    ap.add_argument("--skip-run", action="store_true", help="do not time `analyze run` (it writes back)")
    ap.add_argument("--skip-steps", action="store_true", help="only time `analyze run`")
    ap.add_argument("--skip-money", action="store_true",
                    help="skip the money graph (projection 3: not part of `analyze run`)")
    ap.add_argument("--ratio-sources", type=int, default=10,
                    help="sampled sources for the networkx/igraph betweenness comparison (networkx is slow)")
    ap.add_argument("--exact-max-nodes", type=int, default=5000,
                    help="largest projection on which exact betweenness is timed (igraph; networkx up to 3,000)")
    ap.add_argument("--pull-overlap", type=int, default=0, metavar="K",
                    help="K alternating runs of the pull as it is (the transfers in a second session) "
                         "and of its queries one after the other")
    ap.add_argument("--nx-louvain-timeout", type=float, default=600,
                    help="seconds networkx's Louvain on the people-organizations projection may take")
    args = ap.parse_args(argv)
    settings = analytics_settings()
    conn = load_settings()
    if args.data_dir or args.bolt_port:
        conn = conn.with_local_server(data_dir=args.data_dir, bolt_port=args.bolt_port)
    rows: list[tuple[str, str, float | None, float | None, float]] = []

    def rec(step, eng, s, mb):
        la = load1()
        rows.append((step, eng, s, mb, la))
        shown = f"{s:9.2f} s" if s is not None else "   (limit)"
        print(f"  {step:<60} {eng:<9} {shown} {mb or 0:8.0f} MB  load {la:.2f}", file=sys.stderr, flush=True)

    runs: list[dict] = []
    notes: list[str] = []
    with connect(conn) as db:
        labels, types = graph_counts(db)
        total_nodes, total_rels = sum(labels.values()), sum(types.values())
        print(f"graph: {total_nodes:,} nodes, {total_rels:,} relationships", file=sys.stderr)
        sizes = {}
        overlap: dict[str, list[float]] = {"second session": [], "one after the other": []}
        if args.pull_overlap:
            def one_by_one():
                snap = P._pull_parties(db, P.scope_keys(db, None), settings)
                snap.flows = P.pull_flows(db, None)
                return snap
            ways = [("second session", lambda: P.pull(db, None, settings)), ("one after the other", one_by_one)]
            for i in range(args.pull_overlap):
                for name, fn in (ways if i % 2 == 0 else ways[::-1]):
                    s, _, _ = timed(fn, 1)
                    overlap[name].append(s)
                    print(f"  pull, {name}: {s:.2f} s, load {load1():.2f}", file=sys.stderr, flush=True)
        if not args.skip_steps:
            s, mb, snap = timed(lambda: P.pull(db, None, settings), args.repeat)
            rec(f"projection pull (Neo4j -> records; {len(snap.flows):,} account pairs)", "-", s, mb)
            s, mb, g1 = timed(lambda: P.people_org_graph(snap, settings), args.repeat)
            rec(f"build people-organizations graph ({g1.number_of_nodes():,} n, {g1.number_of_edges():,} e)",
                "networkx", s, mb)
            s, mb, flows = timed(lambda: P.account_flows(snap), args.repeat)
            rec(f"money per account ({len(flows):,} accounts)", "-", s, mb)
            s, mb, g2 = timed(lambda: P.org_org_graph(snap, settings, flows), args.repeat)
            rec(f"build organization-organization graph ({g2.number_of_nodes():,} n, {g2.number_of_edges():,} e)",
                "networkx", s, mb)
            g3 = nx.DiGraph()
            if not args.skip_money:
                s, mb, tsnap = timed(lambda: P.Snapshot(holds=snap.holds,
                                                        flows=P.pull_flows(db, None, flow_times=True)), 1)
                rec("pull of the account pairs with first/last time (money graph only)", "-", s, mb)
                s, mb, g3 = timed(lambda: P.money_graph(tsnap), 1)
                rec(f"build money graph ({g3.number_of_nodes():,} n, {g3.number_of_edges():,} e)", "networkx", s, mb)
                del tsnap
            sizes = {"people_org": (g1.number_of_nodes(), g1.number_of_edges()),
                     "org_org": (g2.number_of_nodes(), g2.number_of_edges()),
                     "money": (g3.number_of_nodes(), g3.number_of_edges()), "account pairs": (len(snap.flows), 0)}
            s, mb, _ = timed(lambda: engine._convert(g1, "weight"), args.repeat)
            rec("convert people_org to igraph (once per run, shared)", "igraph", s, mb)
            engine._to_igraph(g1, weight="weight")
            alpha = float(settings["hubs"]["pagerank_alpha"])
            n1 = g1.number_of_nodes()
            for eng in ("networkx", "igraph"):
                s, mb, _ = timed(lambda: engine.pagerank(g1, alpha=alpha, engine=eng), args.repeat)
                rec(f"PageRank people_org ({n1:,} n)", eng, s, mb)
            if not args.skip_money:
                gm = nx.Graph()
                pairs: dict = {}
                for u, v, d in g3.edges(data=True):
                    if u != v:
                        k = (u, v) if (v, u) not in pairs else (v, u)
                        pairs[k] = pairs.get(k, 0.0) + d["total"]
                gm.add_edges_from((u, v, {"weight": w}) for (u, v), w in pairs.items())
                step = f"PageRank money graph as undirected ({gm.number_of_nodes():,} n), igraph incl. conversion"
                for eng in ("networkx", "igraph"):
                    s, mb, _ = timed(lambda: (engine._CONVERTED.pop(gm, None),
                                              engine.pagerank(gm, alpha=alpha, engine=eng))[1], args.repeat)
                    rec(step, eng, s, mb)
                del gm, pairs
            k = min(int(settings["hubs"]["betweenness_samples"]), n1)
            seed = int(settings["hubs"]["seed"])
            kr = min(args.ratio_sources, n1)
            for eng in ("networkx", "igraph"):
                s, mb, _ = timed(lambda: engine.betweenness(g1, k=kr, seed=seed, engine=eng), 1)
                rec(f"betweenness people_org, {kr} sampled sources", eng, s, mb)
            if k != kr:
                s, mb, _ = timed(lambda: engine.betweenness(g1, k=k, seed=seed, engine="igraph"), args.repeat)
                rec(f"betweenness people_org, {k} sampled sources (the settings)", "igraph", s, mb)
            if n1 <= args.exact_max_nodes:
                s, mb, _ = timed(lambda: engine.betweenness(g1, k=None, engine="igraph"), 1)
                rec(f"betweenness people_org, exact ({n1:,} n)", "igraph", s, mb)
            if n1 <= 3000:
                s, mb, _ = timed(lambda: engine.betweenness(g1, k=None, engine="networkx"), 1)
                rec(f"betweenness people_org, exact ({n1:,} n)", "networkx", s, mb)
            gs = settings["groups"]
            s, mb, found = timed(lambda: G.find_groups(g2, min_weight=float(gs["min_link_weight"]),
                                                       seed=int(gs["seed"]), engine="networkx"), args.repeat)
            rec(f"linked groups: Louvain org_org ({g2.number_of_nodes():,} n, {g2.number_of_edges():,} e)",
                "networkx", s, mb)
            s, mb, _ = timed(lambda: G.find_groups(g2, min_weight=float(gs["min_link_weight"]),
                                                   seed=int(gs["seed"]), engine="igraph"), args.repeat)
            rec(f"linked groups: Louvain org_org ({g2.number_of_nodes():,} n, {g2.number_of_edges():,} e)",
                "igraph", s, mb)
            step = f"Louvain people_org ({n1:,} n, {g1.number_of_edges():,} e)"
            s, mb, parts = timed(lambda: engine.louvain(g1, seed=seed, engine="igraph"), args.repeat)
            rec(step, "igraph", s, mb)
            notes.append(f"Louvain people_org: igraph {len(parts):,} communities")
            got = nx_louvain_limited(g1, seed, args.nx_louvain_timeout)
            if got is None:
                rec(step, "networkx", None, None)
                notes.append(f"Louvain people_org: networkx stopped after {args.nx_louvain_timeout:.0f} s")
            else:
                rec(step, "networkx", got[0], got[1])
                notes.append(f"Louvain people_org: networkx {got[2]:,} communities (peak RSS of the child)")
            a = api.Analysis(settings, snap, g1, g2, flows, found)
            s, mb, _ = timed(lambda: (setattr(a, "_hubs", None), a.hubs()), args.repeat)
            rec(f"hub scores ({len(a.hubs()):,} people; all components, settings' engine)",
                settings["engine"]["engine"], s, mb)
            del snap, g1, g2, g3, a, flows
            gc.collect()
    if not args.skip_run:
        for _ in range(args.run_repeat):
            runs.append(analyze_run(args))
            r = runs[-1]
            r["digest"] = written_digest(conn)
            print(f"  analyze run: {r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU, {r['rss']:.0f} MB, "
                  f"load {r['load']:.2f}; steps {r['steps']}", file=sys.stderr, flush=True)
    print(f"\ngraph: {total_nodes:,} nodes, {total_rels:,} relationships")
    print("nodes: " + ", ".join(f"{k} {v:,}" for k, v in labels.items()))
    print("relationships: " + ", ".join(f"{k} {v:,}" for k, v in types.items()))
    if sizes:
        print("projections: " + "; ".join(f"{k}: {n:,}" + (f" nodes, {e:,} edges" if e else " rows")
                                          for k, (n, e) in sizes.items()))
    if rows:
        print("\n| step | engine | median s | peak RSS MB | load (1 min) |\n|---|---|---|---|---|")
        for step, eng, s, mb, la in rows:
            print(f"| {step} | {eng} | {'–' if s is None else f'{s:.2f}'} | {'–' if mb is None else f'{mb:.0f}'} "
                  f"| {la:.2f} |")
        by = {}
        for step, eng, s, _, _ in rows:
            by.setdefault(step, {})[eng] = s
        ratios = [(step, e["networkx"] / e["igraph"]) for step, e in by.items()
                  if e.get("networkx") and e.get("igraph")]
        if ratios:
            print("\n| algorithm | networkx / igraph |\n|---|---|")
            for step, ratio in ratios:
                print(f"| {step} | {ratio:.1f}x |")
    for note in notes:
        print(note)
    for name, secs in overlap.items():
        if secs:
            print(f"pull, {name}: " + ", ".join(f"{x:.2f}" for x in secs) + f" s (median {statistics.median(secs):.2f})")
    if runs:
        steps = sorted({k for r in runs for k in r["steps"]}, key=list(runs[0]["steps"]).index)
        print("\n`python cli.py analyze run --json`:\n")
        print("| run | load (1 min) before | wall s | CPU s | peak RSS MB | " + " | ".join(steps) + " |")
        print("|---|---|---|---|---|" + "---|" * len(steps))
        for i, r in enumerate(runs, 1):
            print(f"| {i} | {r['load']:.2f} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['rss']:.0f} | "
                  + " | ".join(f"{r['steps'].get(k, 0):.2f}" for k in steps) + " |")
        med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
        print(f"| median | {med('load'):.2f} | {med('wall'):.2f} | {med('cpu'):.2f} | {med('rss'):.0f} | "
              + " | ".join(f"{statistics.median(r['steps'].get(k, 0) for r in runs):.2f}" for k in steps) + " |")
        print(f"\npeople ranked: {runs[-1]['ranked']:,}; top 5: {', '.join(runs[-1]['top'])}")
        same = all(r["digest"] == runs[0]["digest"] for r in runs)
        print(f"written scores and ranks of every person (sha256 {runs[0]['digest']}) identical in every run: {same}")
    cmd = "python -m bench.bench_analytics " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"\ncommand: {cmd}")
    return 0


if __name__ == "__main__":
    random.seed(0)
    sys.exit(main())

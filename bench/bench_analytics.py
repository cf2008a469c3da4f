"""Benchmark of the analytics (issue 11) on the graph in the configured database.

    python -m bench.bench_analytics [--repeat 3] [--skip-run] [--nx-exact-max-nodes 3000]

Times, each the median of ``--repeat`` runs with the peak resident memory of this process
during the step: the projection pull (Neo4j to records), the graph builds, PageRank,
betweenness and Louvain with networkx and with python-igraph on the same graphs (the
ratio networkx / igraph), and the whole ``analyze run`` (compute + write back). Load the
graph first, e.g. ``python cli.py demo --scale 50``. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

from analytics import api, engine, projection as P  # noqa: E402
from analytics.config import analytics_settings  # noqa: E402
from graph.connection import connect  # noqa: E402


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 20 ms)."""

    def __enter__(self):
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self.start = self.peak
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
    secs, peaks, out = [], [], None
    for _ in range(repeat):
        gc.collect()
        with PeakRSS() as m:
            t = time.perf_counter()
            out = fn()
            secs.append(time.perf_counter() - t)
        peaks.append(m.peak / 2**20)
    return statistics.median(secs), max(peaks), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-run", action="store_true", help="do not time `analyze run` (it writes back)")
    ap.add_argument("--nx-exact-max-nodes", type=int, default=3000,
                    help="largest graph on which networkx's exact betweenness is attempted")
    args = ap.parse_args(argv)
    settings = analytics_settings()
    rows: list[tuple[str, str, float, float]] = []

    def rec(step, eng, s, mb):
        rows.append((step, eng, s, mb))
        print(f"  {step:<40} {eng:<9} {s:9.2f} s {mb:8.0f} MB", file=sys.stderr, flush=True)

    with connect() as db:
        stats = db.read("MATCH (n) RETURN count(n) AS n")[0]["n"], db.read("MATCH ()-[r]->() RETURN count(r) AS r")[0]["r"]
        print(f"graph: {stats[0]:,} nodes, {stats[1]:,} relationships", file=sys.stderr)
        s, mb, snap = timed(lambda: P.pull(db, None, settings), args.repeat)
        rec("projection pull (Neo4j -> records)", "-", s, mb)
        s, mb, g1 = timed(lambda: P.people_org_graph(snap, settings), args.repeat)
        rec("build people-organizations graph", "networkx", s, mb)
        s, mb, g2 = timed(lambda: P.org_org_graph(snap, settings), args.repeat)
        rec("build organization-organization graph", "networkx", s, mb)
        s, mb, g3 = timed(lambda: P.money_graph(snap), args.repeat)
        rec("build money graph", "networkx", s, mb)
        sizes = {"people_org": (g1.number_of_nodes(), g1.number_of_edges()),
                 "org_org": (g2.number_of_nodes(), g2.number_of_edges()),
                 "money": (g3.number_of_nodes(), g3.number_of_edges()),
                 "transfer pairs": (len(snap.flows), 0)}
        alpha = float(settings["hubs"]["pagerank_alpha"])
        for name, g in (("people_org", g1), ("money (as undirected, weight=total)", None)):
            if g is None:
                g = nx.Graph()
                for u, v, d in g3.edges(data=True):
                    if u != v:
                        w = g.edges[u, v]["weight"] if g.has_edge(u, v) else 0.0
                        g.add_edge(u, v, weight=w + d["total"])
            for eng in ("networkx", "igraph"):
                s, mb, _ = timed(lambda: engine.pagerank(g, alpha=alpha, engine=eng), args.repeat)
                rec(f"PageRank {name} ({g.number_of_nodes():,} n)", eng, s, mb)
        k = int(settings["hubs"]["betweenness_samples"])
        seed = int(settings["hubs"]["seed"])
        n1 = g1.number_of_nodes()
        for eng in ("networkx", "igraph"):
            s, mb, _ = timed(lambda: engine.betweenness(g1, k=min(k, n1), seed=seed, engine=eng), 1)
            rec(f"betweenness people_org, {min(k, n1)} sampled sources", eng, s, mb)
        s, mb, _ = timed(lambda: engine.betweenness(g1, k=None, engine="igraph"), 1)
        rec(f"betweenness people_org, exact ({n1:,} n)", "igraph", s, mb)
        if n1 <= args.nx_exact_max_nodes:
            s, mb, _ = timed(lambda: engine.betweenness(g1, k=None, engine="networkx"), 1)
            rec(f"betweenness people_org, exact ({n1:,} n)", "networkx", s, mb)
        gs = settings["groups"]
        from analytics import groups as G
        s, mb, _ = timed(lambda: G.find_groups(g2, min_weight=float(gs["min_link_weight"]), seed=int(gs["seed"])), args.repeat)
        rec(f"Louvain org_org ({g2.number_of_nodes():,} n, {g2.number_of_edges():,} e)", "networkx", s, mb)
        s, mb, _ = timed(lambda: nx.community.louvain_communities(g1, weight="weight", seed=seed), 1)
        rec(f"Louvain people_org ({n1:,} n, {g1.number_of_edges():,} e)", "networkx", s, mb)

        def ig_louvain():
            import igraph as ig
            random.seed(seed)
            ig.set_random_number_generator(random)
            h, nodes, _ = engine._to_igraph(g1, weight="weight")
            return h.community_multilevel(weights="weight")
        s, mb, _ = timed(ig_louvain, 1)
        rec(f"Louvain people_org ({n1:,} n, {g1.number_of_edges():,} e)", "igraph", s, mb)
        a = api.Analysis(settings, snap, g1, g2, P.account_flows(snap), G.find_groups(
            g2, min_weight=float(gs["min_link_weight"]), seed=int(gs["seed"])))
        s, mb, _ = timed(lambda: (setattr(a, "_hubs", None), a.hubs()), 1)
        rec("hub scores (all components, settings' engine)", settings["engine"]["engine"], s, mb)
        del snap, g1, g2, g3, a
        gc.collect()
        if not args.skip_run:
            s, mb, summary = timed(lambda: api.run_all(db), args.repeat)
            rec("analyze run (pull + compute + write back)", settings["engine"]["engine"], s, mb)
            print(f"  steps of the last run: {summary['seconds']}", file=sys.stderr)
    print(f"\ngraph: {stats[0]:,} nodes, {stats[1]:,} relationships; " +
          "; ".join(f"{k}: {n:,}" + (f" nodes, {e:,} edges" if e else " rows") for k, (n, e) in sizes.items()))
    print("\n| step | engine | median s | peak RSS MB |\n|---|---|---|---|")
    for step, eng, s, mb in rows:
        print(f"| {step} | {eng} | {s:.2f} | {mb:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

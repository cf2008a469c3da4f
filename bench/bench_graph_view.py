"""How long a graph picture of about 1,000 nodes takes to settle in a real browser.

Builds a graph shaped like a capped neighbourhood (``--nodes`` nodes of the demo's labels,
``--edges`` edges: a few hubs with fans, accounts with transfers, people linked to
organizations; fixed seed), renders it with :func:`visual.network.network_html`, opens the
page in Debian's headless Chromium (Playwright, executable path; outside traffic blocked)
and reads ``window.orgtraceStabilizedMs``: the time from building the vis-network to its
``stabilizationIterationsDone`` event, after which the page switches physics off. Also
reports the time until the page's ``load`` event plus settling (what a user waits for) and
the page size. Prints a markdown table (each run, median) and the command::

    python bench/bench_graph_view.py --nodes 1000 --edges 1500 --runs 5
"""

from __future__ import annotations

import argparse
import random
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from visual.network import network_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LABELS = (("Person", 0.45), ("BankAccount", 0.35), ("Organization", 0.06), ("Phone", 0.06),
          ("Address", 0.04), ("Event", 0.04))


def synthetic_graph(n_nodes: int, n_edges: int, seed: int = 1) -> dict:
    """A connected graph like a neighbourhood at its cap: preferential attachment (hubs)."""
    rng = random.Random(seed)
    labels = [label for label, share in LABELS for _ in range(round(share * 100))]
    nodes = [{"id": str(i), "label": rng.choice(labels), "caption": f"节点{i}",
              **({"size": rng.random()} if rng.random() < 0.3 else {}),
              **({"group": rng.randrange(8)} if rng.random() < 0.1 else {})} for i in range(n_nodes)]
    edges, targets = [], [0]
    for i in range(1, n_nodes):  # a tree first, so the graph is connected
        j = rng.choice(targets)
        edges.append({"source": str(i), "target": str(j), "type": "TRANSFER", "caption": f"¥{rng.randrange(100, 99999)}"})
        targets += [i, j]
    while len(edges) < n_edges:
        a, b = rng.choice(targets), rng.choice(targets)
        if a != b:
            edges.append({"source": str(a), "target": str(b), "type": "MEMBER_OF", "caption": "成员"})
    return {"nodes": nodes, "edges": edges}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--edges", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    graph = synthetic_graph(args.nodes, args.edges, args.seed)
    started = time.perf_counter()
    html = network_html(graph, height="800px")
    render_s = time.perf_counter() - started
    path = Path(tempfile.mkdtemp(prefix="orgtrace-bench-graph-")) / "graph.html"
    path.write_text(html, encoding="utf-8")
    outside: list[str] = []

    def only_file(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    settle, total = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.runs):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", only_file)
            page = context.new_page()
            opened = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function("window.orgtraceStabilizedMs !== null && window.orgtraceStabilizedMs !== undefined",
                                   timeout=120_000)
            total.append(time.perf_counter() - opened)
            settle.append(page.evaluate("window.orgtraceStabilizedMs") / 1000)
            assert page.evaluate("window.orgtraceNetwork.physics.physicsEnabled") is False
            context.close()
        browser.close()
    if outside:
        print(f"outside requests: {outside}", file=sys.stderr)
        return 1
    print(f"graph: {args.nodes:,} nodes, {len(graph['edges']):,} edges; page {len(html) / 1e6:.2f} MB, "
          f"built in {render_s:.2f} s")
    print("| run | settled (stabilizationIterationsDone) | page open to settled |")
    print("|---|---|---|")
    for i, (s, t) in enumerate(zip(settle, total), 1):
        print(f"| {i} | {s:.2f} s | {t:.2f} s |")
    print(f"| **median** | **{statistics.median(settle):.2f} s** | **{statistics.median(total):.2f} s** |")
    print(f"\ncommand: python bench/bench_graph_view.py {shlex.join(argv if argv is not None else sys.argv[1:])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

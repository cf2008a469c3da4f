"""Which engine computes the heavy algorithms: networkx always works; python-igraph (C),
when installed, computes betweenness, PageRank and Louvain communities on graphs from
``engine.igraph_min_nodes`` nodes up -- betweenness and Louvain measured 20-130x faster on
the demo's projections, PageRank about as fast (BENCHMARKS.md).

networkx stays the interface: graphs come and results go as networkx graphs and
``{node: value}`` dicts (Louvain: a list of sets of nodes). For betweenness and PageRank both
engines give the same numbers (same normalisation, same seeded sample of sources); Louvain is
seeded in both (the same graph and seed give the same communities run after run) but the
two implementations move nodes in different orders, so on a graph without a clear community
structure they may split it differently: ``tests/test_analytics_pure.py`` checks that they
agree where the answer is clear.
"""

from __future__ import annotations

import random
import threading
import weakref

import networkx as nx

try:  # optional: the analytics work without it, only slower on large graphs
    import igraph as _ig
except ImportError:  # pragma: no cover - depends on the environment
    _ig = None


def igraph_available() -> bool:
    return _ig is not None


# the conversions of live graphs (PageRank, betweenness and Louvain of one graph convert it
# once); weakly held, so a graph's conversion goes when the graph goes
_CONVERTED: "weakref.WeakKeyDictionary[nx.Graph, tuple]" = weakref.WeakKeyDictionary()


def _to_igraph(g: nx.Graph, weight: str | None = None):
    """The graph in igraph form: ``(igraph graph, nodes in order, node -> index)``, edge
    attribute ``weight`` from ``weight`` (1.0 where missing). Converted once per graph and
    weight (again if nodes or edges were added or removed since)."""
    key = (g.number_of_nodes(), g.number_of_edges(), weight)
    cached = _CONVERTED.get(g)
    if cached is not None and cached[0] == key:
        return cached[1]
    value = _convert(g, weight)
    _CONVERTED[g] = (key, value)
    return value


def _convert(g: nx.Graph, weight: str | None):
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    if weight:
        edges, weights = [], []
        for u, v, w in g.edges(data=weight, default=1.0):
            edges.append((index[u], index[v]))
            weights.append(float(w))
    else:
        edges, weights = [(index[u], index[v]) for u, v in g.edges()], None
    h = _ig.Graph(n=len(nodes), edges=edges, directed=g.is_directed())
    if weights is not None:
        h.es["weight"] = weights
    return h, nodes, index


def use_igraph(g: nx.Graph, min_nodes: int, engine: str = "auto") -> bool:
    if engine == "networkx" or _ig is None:
        return False
    if engine == "igraph":
        return True
    return g.number_of_nodes() >= min_nodes


def betweenness(g: nx.Graph, *, k: int | None = None, seed: int = 42, engine: str = "auto",
                min_nodes: int = 500) -> dict:
    """Normalised betweenness of an undirected graph, hop counts; ``k`` sources sampled with
    ``seed`` (the same sample networkx draws) or exact when ``k`` is None.

    Examples
    --------
    >>> g = nx.path_graph(4)
    >>> b1 = betweenness(g, engine="networkx"); b2 = betweenness(g, engine="igraph")
    >>> [round(b1[v], 6) for v in g] == [round(b2[v], 6) for v in g]
    True
    """
    n = g.number_of_nodes()
    if not use_igraph(g, min_nodes, engine):
        if k is None or k >= n:
            return nx.betweenness_centrality(g, normalized=True)
        return nx.betweenness_centrality(g, k=k, normalized=True, seed=seed)
    h, nodes, index = _to_igraph(g, weight="weight")
    if n <= 2:
        return {v: 0.0 for v in nodes}
    if k is None or k >= n:
        raw = h.betweenness(directed=False)
        scale = 2.0 / ((n - 1) * (n - 2))
    else:
        sources = random.Random(seed).sample(nodes, k)
        # networkx (3.5 on) accumulates the ordered paths from each sampled source to every
        # target and divides by the number of (source, target) pairs that can pass through a
        # node: k(n-2), or (k-1)(n-2) for a sampled source itself. igraph halves the paths of
        # an undirected graph, so twice its figure.
        raw = h.betweenness(directed=g.is_directed(), sources=[index[s] for s in sources])
        factor = 1.0 if g.is_directed() else 2.0
        is_source = set(sources)
        other = factor / (k * (n - 2))
        source = factor / ((k - 1) * (n - 2)) if k > 1 else 0.0
        return {v: raw[i] * (source if v in is_source else other) for i, v in enumerate(nodes)}
    return {v: raw[i] * scale for i, v in enumerate(nodes)}


def pagerank(g: nx.Graph, *, alpha: float = 0.85, engine: str = "auto", min_nodes: int = 500) -> dict:
    """Weighted PageRank (``weight``); igraph's PRPACK or networkx's power iteration.

    Examples
    --------
    >>> g = nx.star_graph(3)
    >>> p1 = pagerank(g, engine="networkx"); p2 = pagerank(g, engine="igraph")
    >>> all(abs(p1[v] - p2[v]) < 1e-6 for v in g)
    True
    """
    if g.number_of_nodes() == 0:
        return {}
    if not use_igraph(g, min_nodes, engine):
        return nx.pagerank(g, alpha=alpha, weight="weight", max_iter=200, tol=1e-10)
    h, nodes, _ = _to_igraph(g, weight="weight")
    values = h.pagerank(directed=g.is_directed(), damping=alpha, weights="weight")
    return {v: values[i] for i, v in enumerate(nodes)}


_IGRAPH_RNG = threading.Lock()


def louvain(g: nx.Graph, *, weight: str = "weight", resolution: float = 1.0, seed: int = 42,
            engine: str = "auto", min_nodes: int = 500) -> list[set]:
    """Louvain communities of an undirected graph, seeded: networkx's
    ``louvain_communities`` or igraph's ``community_multilevel`` (the same method, in C; its
    random node order drawn from ``random.Random(seed)``; igraph's generator is the
    interpreter's ``random`` again afterwards, and its state untouched). Communities are sets
    of nodes, largest first, ties by their smallest node as text.

    Examples
    --------
    >>> g = nx.barbell_graph(5, 0)
    >>> [sorted(c) for c in louvain(g, engine="networkx")] == [sorted(c) for c in louvain(g, engine="igraph")]
    True
    >>> [sorted(c) for c in louvain(g, engine="igraph")]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    """
    if g.number_of_nodes() == 0:
        return []
    if not use_igraph(g, min_nodes, engine):
        found = nx.community.louvain_communities(g, weight=weight, resolution=resolution, seed=seed)
    else:
        h, nodes, _ = _to_igraph(g, weight=weight)
        with _IGRAPH_RNG:       # igraph's generator is global: one seeded run at a time
            _ig.set_random_number_generator(random.Random(seed))
            try:
                membership = h.community_multilevel(weights="weight", resolution=resolution).membership
            finally:
                _ig.set_random_number_generator(random)
        parts: dict[int, set] = {}
        for v, c in zip(nodes, membership):
            parts.setdefault(c, set()).add(v)
        found = list(parts.values())
    return sorted(found, key=lambda c: (-len(c), min(str(v) for v in c)))

"""Which engine computes the heavy algorithms: networkx always works; python-igraph (C),
when installed, computes betweenness and PageRank on graphs from ``engine.igraph_min_nodes``
nodes up -- measured about 50-100x faster on the demo's projections (BENCHMARKS.md).

networkx stays the interface: graphs come and results go as networkx graphs and
``{node: value}`` dicts, and both engines give the same numbers (same normalisation, same
seeded sample of sources), which ``tests/test_analytics_pure.py`` checks.
"""

from __future__ import annotations

import random

import networkx as nx

try:  # optional: the analytics work without it, only slower on large graphs
    import igraph as _ig
except ImportError:  # pragma: no cover - depends on the environment
    _ig = None


def igraph_available() -> bool:
    return _ig is not None


_LAST: dict = {}


def _to_igraph(g: nx.Graph, weight: str | None = None):
    """The graph in igraph form (the last conversion is kept: PageRank and betweenness of one
    graph convert it once)."""
    key = (id(g), g.number_of_nodes(), g.number_of_edges(), weight)
    if _LAST.get("key") == key:
        return _LAST["value"]
    value = _convert(g, weight)
    _LAST.clear()
    _LAST.update(key=key, value=value)
    return value


def _convert(g: nx.Graph, weight: str | None):
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    h = _ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in g.edges()], directed=g.is_directed())
    if weight:
        h.es["weight"] = [float(d.get(weight, 1.0)) for _, _, d in g.edges(data=True)]
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
        # networkx accumulates the ordered paths from each sampled source to every target
        # (the undirected graph as both directions) and rescales by n/k
        h = h.as_directed(mode="mutual")
        raw = h.betweenness(directed=True, sources=[index[s] for s in sources])
        scale = (1.0 / ((n - 1) * (n - 2))) * (n / k)
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

"""Provenance by reference: the one place that turns load-run keys into file names and SHA-256.

A loaded element does not carry its file's name and checksum; it names the ``LoadRun`` that
wrote it, and the ``LoadRun`` node (key = the run key) holds the file name, its SHA-256,
the user and the times:

- a node: ``src_run`` (the run that first wrote it), ``src_row`` (that file's row) and
  ``load_runs`` (every run that wrote it, distinct);
- a relationship: ``load_runs`` and ``src_rows``, aligned lists of *sightings*: sighting
  ``i`` is row ``src_rows[i]`` of the file of run ``load_runs[i]`` (a run may repeat: a
  transfer read from two lines of one file is two sightings).

Readers resolve references here: :func:`run_sources` (Python, one query for any number of
run keys), :func:`resolve_records` (screening evidence items), or the Cypher expressions
:func:`node_source_cypher` and :func:`rel_sightings_cypher` inside a query.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple

#: Run keys -> file name and SHA-256 (one index seek per key).
RUN_SOURCES = ("UNWIND $keys AS k MATCH (l:LoadRun {key: k}) "
               "RETURN l.key AS key, l.file AS file, l.sha256 AS sha256")


class RunSource(NamedTuple):
    file: str | None
    sha256: str | None


def node_source_cypher(var: str) -> str:
    """A Cypher expression: the map ``{file, sha256}`` of the run that first wrote node
    ``var`` (null when it names none)."""
    return (f"head(COLLECT {{ MATCH (prov_run:LoadRun {{key: {var}.src_run}}) "
            f"RETURN prov_run {{.file, .sha256}} }})")


def rel_sightings_cypher(var: str) -> str:
    """A Cypher expression: relationship ``var``'s sightings as a list of maps ``{run, row,
    file, sha256}`` in the order they were recorded (file and SHA-256 null when the run is
    not found)."""
    return (f"[i IN range(0, size(coalesce({var}.load_runs, [])) - 1) | "
            f"head(COLLECT {{ OPTIONAL MATCH (prov_run:LoadRun {{key: {var}.load_runs[i]}}) "
            f"RETURN {{run: {var}.load_runs[i], row: {var}.src_rows[i], file: prov_run.file, "
            f"sha256: prov_run.sha256}} }})]")


def sightings(load_runs: Iterable[str] | None, src_rows: Iterable[int] | None) -> list[tuple[str, int]]:
    """A relationship's (run key, row) pairs from its aligned ``load_runs`` and ``src_rows``."""
    return list(zip(load_runs or (), src_rows or ()))


def _fetch(runner: Any, keys: list[str]) -> list[Any]:
    if hasattr(runner, "read"):          # graph.connection.GraphDB
        return runner.read(RUN_SOURCES, {"keys": keys})
    return list(runner.run(RUN_SOURCES, keys=keys))   # a transaction


def run_sources(runner: Any, keys: Iterable[str | None]) -> dict[str, RunSource]:
    """Run key -> (file name, SHA-256) for every key that names a ``LoadRun``, in one
    query. ``runner``: a :class:`graph.connection.GraphDB` or an open transaction."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return {}
    return {r["key"]: RunSource(r["file"], r["sha256"]) for r in _fetch(runner, wanted)}


def files_of(runs: Iterable[str], sources: dict[str, RunSource]) -> list[str]:
    """The distinct file names of these runs, in the order the runs are given."""
    return list(dict.fromkeys(sources[k].file or k if k in sources else k for k in runs))


def resolve_records(runner: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence items with their references resolved: an item that names a node's
    ``src_run`` and ``src_row`` gets ``src_file``, ``src_row``, ``src_sha256``; one that names
    a relationship's ``load_runs`` and ``src_rows`` gets the aligned lists ``src_file``,
    ``src_row``, ``src_sha256`` (one entry per sighting). The references themselves are
    dropped; any other field is kept as it is."""
    keys: set[str] = set()
    for item in records:
        if item.get("src_run"):
            keys.add(item["src_run"])
        keys.update(k for k in item.get("load_runs") or () if k)
    sources = run_sources(runner, keys)
    out = []
    for item in records:
        item = dict(item)
        if "load_runs" in item or "src_rows" in item:
            pairs = sightings(item.pop("load_runs", None), item.pop("src_rows", None))
            found = [sources.get(run, RunSource(None, None)) for run, _ in pairs]
            item["src_file"] = [s.file for s in found]
            item["src_row"] = [row for _, row in pairs]
            item["src_sha256"] = [s.sha256 for s in found]
        elif "src_run" in item:
            found = sources.get(item.pop("src_run") or "", RunSource(None, None))
            item["src_file"], item["src_sha256"] = found.file, found.sha256
        out.append(item)
    return out

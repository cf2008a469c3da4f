"""Database administration derived from the schema: init, stats, wipe."""

from __future__ import annotations

from graph import schema
from graph.connection import GraphDB


def init_db(db: GraphDB, *, wait_seconds: int = 300) -> list[str]:
    """Create every constraint and index of the schema and bring data written by an earlier
    version to the current model (both idempotent). Returns the schema statements."""
    statements = schema.constraint_statements() + schema.index_statements()
    _drop_outdated_fulltext(db)
    db.write_many(statements)
    db.write(f"CALL db.awaitIndexes({int(wait_seconds)})")
    migrate_provenance(db)
    return statements


# ------------------------------------------------------------------ provenance by reference
# Earlier versions copied the file name and SHA-256 onto every element: nodes ``src_file``,
# ``src_sha256`` (text), ``src_row``, ``load_runs``; relationships lists ``src_file``,
# ``src_sha256``, ``src_rows`` ('<first 12 hex of the SHA-256>:<row>') and distinct
# ``load_runs``. Now elements name their LoadRun (``graph.provenance``). Such a database is
# migrated once, here, rather than every reader coalescing two shapes: readers stay one
# query each, the old strings stop taking room, and a later load cannot mix a row number
# into a list of 'sha:row' strings (Neo4j stores only lists of one type). The LoadRun
# nodes of those loads exist (the loader writes them first); a file whose run is missing
# gets a LoadRun 'legacy:<sha256>' (status 'migrated') holding its name and checksum, so
# nothing loses its trace. Batched (CALL … IN TRANSACTIONS); run again, it finds nothing.

#: Is anything in the old shape? (Relationships are migrated before nodes, so an old one
#: never outlives every old node.)
_OLD_PROVENANCE = "MATCH (n) WHERE n.src_file IS NOT NULL OR n.src_sha256 IS NOT NULL RETURN 1 AS old LIMIT 1"

_LEGACY_RUNS = """
CALL () {
  MATCH (n) WHERE n.src_file IS NOT NULL OR n.src_sha256 IS NOT NULL
  RETURN DISTINCT n.src_sha256 AS sha, n.src_file AS file
  UNION
  MATCH ()-[r]->() WHERE r.src_file IS NOT NULL OR r.src_sha256 IS NOT NULL
  UNWIND range(0, size(coalesce(r.src_sha256, [])) - 1) AS i
  RETURN DISTINCT r.src_sha256[i] AS sha,
         CASE WHEN size(r.src_file) = size(r.src_sha256) THEN r.src_file[i] ELSE r.src_file[0] END AS file
}
WITH sha, file
WHERE (sha IS NOT NULL OR file IS NOT NULL)
  AND NOT EXISTS { MATCH (l:LoadRun) WHERE l.sha256 = sha OR (sha IS NULL AND l.file = file) }
WITH sha, collect(file)[0] AS file, 'legacy:' + coalesce(sha, 'file:' + file) AS key
MERGE (l:LoadRun {key: key})
ON CREATE SET l.sha256 = sha, l.file = file, l.status = 'migrated',
              l.attempts = ['migrated from the provenance an earlier version copied onto the elements']
"""

#: The run a node's old (file, SHA-256) names: one it lists in load_runs first, else any.
_RUN_OF = """
coalesce(
  head(COLLECT {{ MATCH (l:LoadRun) WHERE {sha} IS NOT NULL AND l.sha256 = {sha}
                 RETURN l.key ORDER BY CASE WHEN l.key IN {runs} THEN 0 ELSE 1 END, l.started_at }}),
  head(COLLECT {{ MATCH (l:LoadRun) WHERE {sha} IS NULL AND l.file = {file}
                 RETURN l.key ORDER BY CASE WHEN l.key IN {runs} THEN 0 ELSE 1 END, l.started_at }}))
"""

_MIGRATE_RELS = """
MATCH ()-[r]->() WHERE r.src_file IS NOT NULL OR r.src_sha256 IS NOT NULL
CALL (r) {
  WITH r, coalesce(r.load_runs, []) AS runs, [ref IN coalesce(r.src_rows, []) | split(toString(ref), ':')] AS refs
  // each 'sha12:row' names the run (of those listed first) whose file has that checksum
  WITH r, runs, [p IN refs | [coalesce(
      CASE WHEN size(p) = 2 AND size(p[0]) >= 8 THEN head(COLLECT {
        MATCH (l:LoadRun) WHERE l.sha256 STARTS WITH p[0]
        RETURN l.key ORDER BY CASE WHEN l.key IN runs THEN 0 ELSE 1 END, l.started_at }) END,
      """ + _RUN_OF.format(sha="r.src_sha256[0]", file="r.src_file[0]", runs="runs") + """,
      head(runs)), toInteger(p[-1])]] AS pairs
  WITH r, [p IN pairs WHERE p[0] IS NOT NULL AND p[1] IS NOT NULL] AS pairs
  SET r.load_runs = [p IN pairs | p[0]], r.src_rows = [p IN pairs | p[1]]
  REMOVE r.src_file, r.src_sha256
} IN TRANSACTIONS OF $batch ROWS
"""

_MIGRATE_NODES = """
MATCH (n) WHERE n.src_file IS NOT NULL OR n.src_sha256 IS NOT NULL
CALL (n) {
  WITH n, coalesce(n.load_runs, []) AS runs
  WITH n, runs, """ + _RUN_OF.format(sha="n.src_sha256", file="n.src_file", runs="runs") + """ AS run
  SET n.src_run = coalesce(n.src_run, run),
      n.load_runs = CASE WHEN run IS NULL OR run IN runs THEN n.load_runs ELSE runs + run END
  REMOVE n.src_file, n.src_sha256
} IN TRANSACTIONS OF $batch ROWS
"""


def migrate_provenance(db: GraphDB, *, batch: int = 10000) -> bool:
    """Rewrite elements that carry provenance as copied strings (an earlier version) to
    provenance by reference. Returns whether there was anything to migrate."""
    if not db.read(_OLD_PROVENANCE):
        return False
    db.run_autocommit(_LEGACY_RUNS)
    db.run_autocommit(_MIGRATE_RELS, {"batch": batch})
    db.run_autocommit(_MIGRATE_NODES, {"batch": batch})
    return True


def _drop_outdated_fulltext(db: GraphDB) -> None:
    """Drop the full-text index when it covers other labels or properties than the schema
    declares (a label added to the model, e.g. LegalEntity), so init recreates it."""
    labels = sorted(n.label for n in schema.NODES if n.fulltext)
    props = sorted({p for n in schema.NODES for p in n.fulltext})
    rows = db.read("SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties WHERE name = $name "
                   "RETURN labelsOrTypes, properties", {"name": schema.FULLTEXT_INDEX})
    if rows and (sorted(rows[0]["labelsOrTypes"]) != labels or sorted(rows[0]["properties"]) != props):
        db.write(f"DROP INDEX {schema.FULLTEXT_INDEX} IF EXISTS")


def refresh_search_index(db: GraphDB) -> None:
    """Wait until the full-text index shows every committed write. The index is eventually
    consistent (see ``graph.schema``): Lucene is updated after the commit, not inside it,
    which takes about half the commit time of a bank-statement chunk off the load. Loaders
    call this when a file is done, so a search right after a load finds what it loaded."""
    db.run_autocommit("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()")


def stats(db: GraphDB) -> dict[str, dict[str, int]]:
    """Counts per label and relationship type of the schema (zeros included)."""
    label_counts = {}
    for node in schema.NODES:
        rows = db.read(f"MATCH (n:{node.label}) RETURN count(n) AS c")
        label_counts[node.label] = rows[0]["c"]
    rel_counts = {}
    for rel in schema.RELATIONSHIPS:
        rows = db.read(f"MATCH ()-[r:{rel.type}]->() RETURN count(r) AS c")
        rel_counts[rel.type] = rows[0]["c"]
    nodes = db.read("MATCH (n) RETURN count(n) AS c")[0]["c"]
    rels = db.read("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]
    return {"nodes": label_counts, "relationships": rel_counts,
            "total": {"nodes": nodes, "relationships": rels}}


def is_empty(db: GraphDB) -> bool:
    """True when the database holds no investigation data (bookkeeping records ignored)."""
    labels = schema.investigation_labels()
    rows = db.read("MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) RETURN n LIMIT 1",
                   {"labels": labels})
    return not rows


def wipe(db: GraphDB, *, batch: int = 50000) -> None:
    """Delete every relationship, then every node, in batches of separate transactions
    (a hub with a million transfers never lands in one transaction). Schema stays."""
    db.run_autocommit("MATCH ()-[r]->() CALL { WITH r DELETE r } IN TRANSACTIONS OF $batch ROWS",
                      {"batch": batch})
    db.run_autocommit("MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS OF $batch ROWS",
                      {"batch": batch})

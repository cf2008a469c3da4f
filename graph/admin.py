"""Database administration derived from the schema: init, stats, wipe."""

from __future__ import annotations

from graph import schema
from graph.connection import GraphDB


def init_db(db: GraphDB, *, wait_seconds: int = 300) -> list[str]:
    """Create every constraint and index of the schema (idempotent). Returns the statements."""
    statements = schema.constraint_statements() + schema.index_statements()
    _drop_outdated_fulltext(db)
    db.write_many(statements)
    db.write(f"CALL db.awaitIndexes({int(wait_seconds)})")
    return statements


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

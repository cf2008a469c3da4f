"""analytics/writeback.py: a run's values are written once per node, and an earlier run's
values leave the nodes this run does not rank or group (one consistent set per run)."""

from __future__ import annotations

import datetime as dt

from analytics import writeback

GRAPH = """
UNWIND ['P1', 'P2', 'P3'] AS k CREATE (:Person {key: k, name: k})
WITH count(*) AS _
UNWIND ['O1', 'O2', 'O3'] AS k CREATE (:Organization {key: k, name: k})
"""
PEOPLE = "MATCH (p:Person) RETURN p.key AS key, p.hub_score AS score, p.hub_rank AS rank, p.analytics_at AS at ORDER BY key"
ORGS = "MATCH (o:Organization) RETURN o.key AS key, o.group_id AS g, o.analytics_at AS at ORDER BY key"


def test_a_run_replaces_the_previous_values(clean_db):
    db = clean_db
    db.write(GRAPH)
    first = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
    writeback.write_all(db, hubs=[{"key": "P1", "score": 0.9, "rank": 1}, {"key": "P2", "score": 0.5, "rank": 2}],
                        groups=[{"group": 1, "members": ["O1", "O2"]}], pairs=[], at=first)
    people = {r["key"]: r for r in db.read(PEOPLE)}
    assert (people["P1"]["score"], people["P1"]["rank"]) == (0.9, 1)
    assert (people["P2"]["score"], people["P2"]["rank"]) == (0.5, 2)
    assert people["P1"]["at"].to_native() == first and people["P3"]["score"] is None
    assert [(r["key"], r["g"]) for r in db.read(ORGS)] == [("O1", 1), ("O2", 1), ("O3", None)]

    # the second run ranks P2 and P3 only and groups O2 and O3: P1 and O1 lose their values
    second = first + dt.timedelta(hours=1)
    writeback.write_all(db, hubs=[{"key": "P3", "score": 1.0, "rank": 1}, {"key": "P2", "score": 0.25, "rank": 2}],
                        groups=[{"group": 1, "members": ["O3", "O2"]}], pairs=[], at=second)
    people = {r["key"]: r for r in db.read(PEOPLE)}
    assert people["P1"] == {"key": "P1", "score": None, "rank": None, "at": None}
    assert (people["P2"]["score"], people["P2"]["rank"], people["P2"]["at"].to_native()) == (0.25, 2, second)
    assert (people["P3"]["score"], people["P3"]["rank"]) == (1.0, 1)
    orgs = {r["key"]: r for r in db.read(ORGS)}
    assert orgs["O1"] == {"key": "O1", "g": None, "at": None}
    assert orgs["O2"]["g"] == 1 and orgs["O3"]["g"] == 1 and orgs["O3"]["at"].to_native() == second


def test_batches_cover_every_row(clean_db, monkeypatch):
    db = clean_db
    db.write("UNWIND range(1, 7) AS i CREATE (:Person {key: 'K' + i, name: 'K' + i})")
    monkeypatch.setattr(writeback, "BATCH", 3)
    hubs = [{"key": f"K{i}", "score": 1.0 / i, "rank": i} for i in range(1, 8)]
    writeback.write_all(db, hubs=hubs, groups=[], pairs=[], at=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    got = {r["key"]: r["rank"] for r in db.read(PEOPLE)}
    assert got == {f"K{i}": i for i in range(1, 8)}


def test_analyze_run_on_an_empty_graph_writes_nothing_and_says_so(clean_db):
    from analytics import api

    summary = api.run_all(clean_db)
    assert (summary["people_ranked"], summary["groups"], summary["reformed_pairs"]) == (0, 0, 0)
    assert summary["top"] == []

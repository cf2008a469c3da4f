"""Provenance by reference (issue 15): elements name their LoadRun and rows; readers resolve
the file name and SHA-256 through graph.provenance; db init migrates the old copied shape."""

from __future__ import annotations

import json
import zipfile

import pytest

from graph import admin
from graph.provenance import rel_sightings_cypher, resolve_records, run_sources
from loaders.pipeline import load_file
from tests.conftest import FIXTURES

LOADS = FIXTURES / "loads"
PAYER, PAYEE = LOADS / "both_sides_payer.csv", LOADS / "both_sides_payee.csv"
HOLDER, OTHER = "6217000010099990001", "6217000010099990002"

pytestmark = pytest.mark.timeout(600)


def _both_sides(db, tmp_path):
    payer = load_file(db, PAYER, report_dir=tmp_path)
    payee = load_file(db, PAYEE, report_dir=tmp_path)
    assert (payer.status, payee.status) == ("loaded", "loaded") and payee.duplicates == 5
    return payer, payee


def _transfers(db) -> dict[str, tuple[list, list]]:
    return {r["k"]: (r["runs"], r["rows"]) for r in db.read(
        "MATCH ()-[t:TRANSFER]->() RETURN t.tx_id AS k, t.load_runs AS runs, t.src_rows AS rows")}


def _snapshot(db) -> dict:
    """Every loaded element's provenance properties (and that nothing else is stored)."""
    nodes = {r["k"]: r["p"] for r in db.read(
        "MATCH (n) WHERE NOT n:LoadRun RETURN labels(n)[0] + ' ' + n.key AS k, "
        "[p IN ['src_run', 'src_row', 'load_runs', 'src_file', 'src_sha256', 'src_rows'] | n[p]] AS p")}
    rels = {r["k"]: r["p"] for r in db.read(
        "MATCH (a)-[r]->(b) RETURN type(r) + ' ' + a.key + ' ' + b.key + ' ' + coalesce(r.tx_key, '') AS k, "
        "[p IN ['load_runs', 'src_rows', 'src_file', 'src_sha256', 'src_run'] | r[p]] AS p")}
    return {"nodes": nodes, "rels": rels}


def test_transfer_from_both_statements_has_two_sightings_resolved_everywhere(clean_db, tmp_path):
    payer, payee = _both_sides(clean_db, tmp_path)
    seen = _transfers(clean_db)
    assert sorted(seen) == ["BS001", "BS002", "BS003", "BS004", "BS005"]
    for tx, (runs, rows) in seen.items():
        # one (run, row) per statement line: the payer's row n and the payee's row n
        assert runs == [payer.run_key, payee.run_key], tx
        assert rows[0] == rows[1] == int(tx[-1]) + 1, tx
    sightings = clean_db.read(f"MATCH ()-[t:TRANSFER {{tx_id: 'BS003'}}]->() RETURN {rel_sightings_cypher('t')} AS s")
    assert sightings[0]["s"] == [
        {"run": payer.run_key, "row": 4, "file": "both_sides_payer.csv", "sha256": payer.sha256},
        {"run": payee.run_key, "row": 4, "file": "both_sides_payee.csv", "sha256": payee.sha256}]
    assert len(payer.sha256) == 64 and payer.sha256 != payee.sha256

    # any other relationship: the first row per run that showed it; nodes: distinct runs
    others = clean_db.read("MATCH ()-[r]->() WHERE type(r) <> 'TRANSFER' RETURN type(r) AS t, "
                           "r.load_runs AS runs, r.src_rows AS rows")
    assert others and {o["t"] for o in others} >= {"HOLDS"}
    for o in others:
        assert o["runs"] and len(set(o["runs"])) == len(o["runs"]) == len(o["rows"]), o
        assert set(o["runs"]) <= {payer.run_key, payee.run_key} and all(row >= 2 for row in o["rows"]), o
    holder = clean_db.read("MATCH (a:BankAccount {key: $k}) RETURN a.src_run AS run, a.src_row AS row, "
                           "a.load_runs AS runs", {"k": HOLDER})
    assert holder == [{"run": payer.run_key, "row": 2, "runs": [payer.run_key, payee.run_key]}]
    snapshot = _snapshot(clean_db)

    # a reload of either file adds no sighting (same run, same rows)
    for path in (PAYEE, PAYER):
        again = load_file(clean_db, path, report_dir=tmp_path)
        assert again.status == "loaded" and again.rejected == 0
    assert _transfers(clean_db) == seen and _snapshot(clean_db) == snapshot

    # the evidence package: each transfer shown, its runs and rows; each run, its file and SHA-256
    from access.users import local_actor
    from exports.evidence import build_package, verify_package
    from queries.registry import load_reports

    out = tmp_path / "both-sides.zip"
    build_package(clean_db, case="测试案件", report=load_reports()["fund-flow-downstream"],
                  params={"start": HOLDER, "max_hops": 1}, actor=local_actor("侦查员甲"), out=out,
                  state_dir=tmp_path / "state")
    assert verify_package(out, state_dir=tmp_path / "state").ok
    with zipfile.ZipFile(out) as z:
        prov = json.loads(z.read("provenance.json"))
    runs = {r["key"]: (r["file"], r["sha256"]) for r in prov["load_runs"]}
    assert runs == {payer.run_key: ("both_sides_payer.csv", payer.sha256),
                    payee.run_key: ("both_sides_payee.csv", payee.sha256)}
    shown = [r for r in prov["relationships"] if r["type"] == "TRANSFER"]
    assert len(shown) == 5
    for rel in shown:
        assert rel["load_runs"] == [payer.run_key, payee.run_key] and len(rel["src_rows"]) == 2, rel
        assert [runs[k][0] for k in rel["load_runs"]] == ["both_sides_payer.csv", "both_sides_payee.csv"]
    account = next(n for n in prov["nodes"] if n["key"] == HOLDER)
    assert runs[account["src_run"]] == ("both_sides_payer.csv", payer.sha256) and account["src_row"] == 2
    assert account["load_runs"] == [payer.run_key, payee.run_key]

    # screening evidence: a revoked organization holding the account, still moving money
    from screening import engine
    from screening.config import load_config

    clean_db.write("CREATE (o:Organization {key: 'name:测试协会', name: '测试协会', status: '撤销', "
                   "revoked_on: date('2024-01-01')}) WITH o MATCH (a:BankAccount {key: $a}) CREATE (o)-[:HOLDS]->(a)",
                   {"a": HOLDER})
    rule = next(r for r in load_config().rules if r.id == "revoked-active")
    [finding] = engine._raw_findings(clean_db, rule)
    items = [r for r in finding.evidence if r["record"] == "TRANSFER"]
    assert len(items) == 5
    for item in items:
        assert item["src_file"] == ["both_sides_payer.csv", "both_sides_payee.csv"], item
        assert item["src_sha256"] == [payer.sha256, payee.sha256] and len(item["src_row"]) == 2, item
        assert "load_runs" not in item and "src_rows" not in item


def test_resolve_records_names_files_and_keeps_other_fields(clean_db, tmp_path):
    payer, payee = _both_sides(clean_db, tmp_path)
    got = resolve_records(clean_db, [
        {"record": "BankAccount", "key": HOLDER, "src_run": payer.run_key, "src_row": 2},
        {"record": "TRANSFER", "key": "x", "load_runs": [payee.run_key, payer.run_key, payee.run_key],
         "src_rows": [3, 3, 9]},
        {"record": "Organization", "key": "made by hand", "src_run": None, "src_row": None},
        {"record": "LEADS", "key": "y", "load_runs": ["no-such-run"], "src_rows": [5]}])
    assert got[0] == {"record": "BankAccount", "key": HOLDER, "src_row": 2, "src_file": "both_sides_payer.csv",
                      "src_sha256": payer.sha256}
    assert got[1] == {"record": "TRANSFER", "key": "x", "src_row": [3, 3, 9],
                      "src_file": ["both_sides_payee.csv", "both_sides_payer.csv", "both_sides_payee.csv"],
                      "src_sha256": [payee.sha256, payer.sha256, payee.sha256]}
    assert (got[2]["src_file"], got[2]["src_sha256"]) == (None, None)
    assert (got[3]["src_file"], got[3]["src_row"]) == ([None], [5])   # an unknown run is not made up
    assert run_sources(clean_db, []) == {}


#: The shape the previous version wrote, made from the current one: nodes carry the first
#: run's file and SHA-256 as text; relationships the distinct files, distinct SHA-256, rows
#: as '<first 12 hex of the SHA-256>:<row>' and the distinct runs.
_DOWNGRADE_NODES = """
MATCH (n) WHERE n.src_run IS NOT NULL
MATCH (l:LoadRun {key: n.src_run})
SET n.src_file = l.file, n.src_sha256 = l.sha256
REMOVE n.src_run
"""
_DOWNGRADE_RELS = """
MATCH ()-[r]->() WHERE r.load_runs IS NOT NULL
WITH r, [k IN r.load_runs | head(COLLECT { MATCH (l:LoadRun {key: k}) RETURN l })] AS ls
SET r.src_file = reduce(a = [], l IN ls | CASE WHEN l.file IN a THEN a ELSE a + l.file END),
    r.src_sha256 = reduce(a = [], l IN ls | CASE WHEN l.sha256 IN a THEN a ELSE a + l.sha256 END),
    r.src_rows = [i IN range(0, size(ls) - 1) | substring(ls[i].sha256, 0, 12) + ':' + toString(r.src_rows[i])],
    r.load_runs = reduce(a = [], k IN r.load_runs | CASE WHEN k IN a THEN a ELSE a + k END)
"""


def _downgrade(db) -> None:
    db.write(_DOWNGRADE_RELS)
    db.write(_DOWNGRADE_NODES)


def test_db_init_migrates_the_old_shape(clean_db, tmp_path):
    payer, payee = _both_sides(clean_db, tmp_path)
    holders = load_file(clean_db, LOADS / "zhangsan_lisi.csv", report_dir=tmp_path)   # HOLDS and more
    assert holders.status == "loaded"
    expected = _snapshot(clean_db)
    _downgrade(clean_db)
    old = _snapshot(clean_db)
    transfer = next(v for k, v in old["rels"].items() if k.startswith("TRANSFER") and k.endswith("BS002"))
    assert transfer[2] == ["both_sides_payer.csv", "both_sides_payee.csv"]
    assert transfer[1] == [f"{payer.sha256[:12]}:3", f"{payee.sha256[:12]}:3"]
    assert old != expected

    admin.init_db(clean_db)
    assert _snapshot(clean_db) == expected        # back to references, nothing lost or left over
    assert admin.migrate_provenance(clean_db) is False   # idempotent: nothing old is left
    admin.init_db(clean_db)
    assert _snapshot(clean_db) == expected

    # a file whose LoadRun is gone keeps its name and checksum, on a 'legacy:' run
    _downgrade(clean_db)
    clean_db.write("MATCH (l:LoadRun {key: $k}) DELETE l", {"k": payer.run_key})
    assert admin.migrate_provenance(clean_db, batch=3) is True    # small batches: several transactions
    legacy = "legacy:" + payer.sha256
    assert clean_db.read("MATCH (l:LoadRun {key: $k}) RETURN l.file AS f, l.sha256 AS s, l.status AS st",
                         {"k": legacy}) == [{"f": "both_sides_payer.csv", "s": payer.sha256, "st": "migrated"}]
    got = _snapshot(clean_db)
    for key, props in expected["rels"].items():
        assert got["rels"][key] == [[legacy if k == payer.run_key else k for k in props[0]], *props[1:]], key
    for key, props in expected["nodes"].items():
        if props[0] == payer.run_key:
            assert got["nodes"][key][0] == legacy and legacy in got["nodes"][key][2], key
        else:
            assert got["nodes"][key] == props, key

    # loading on the migrated graph appends run keys and row numbers as before
    before = _transfers(clean_db)
    again = load_file(clean_db, PAYEE, report_dir=tmp_path)
    assert again.status == "loaded" and again.rejected == 0 and _transfers(clean_db) == before


def test_relationships_written_without_provenance_take_the_first_sighting(clean_db, tmp_path):
    """A database the workbench is pointed at may hold transfers and HOLDS written by another
    tool, with no load_runs or src_rows: a load that shows them again appends its sighting
    (before, the append read size(null) and the whole load failed)."""
    payer = load_file(clean_db, PAYER, report_dir=tmp_path)
    assert payer.status == "loaded"
    clean_db.write("MATCH ()-[r]->() REMOVE r.load_runs, r.src_rows")
    payee = load_file(clean_db, PAYEE, report_dir=tmp_path)
    assert (payee.status, payee.loaded, payee.rejected) == ("loaded", 5, 0), payee.message
    seen = _transfers(clean_db)
    assert sorted(seen) == ["BS001", "BS002", "BS003", "BS004", "BS005"]
    for tx, (runs, rows) in seen.items():
        assert runs == [payee.run_key] and rows == [int(tx[-1]) + 1], tx
    for r in clean_db.read("MATCH (:Person)-[h:HOLDS]->(a:BankAccount) RETURN a.key AS a, h.load_runs AS runs"):
        assert r["runs"] in ([payee.run_key], None), r     # (the payer's holder is not in the payee's file)
    # the same transfer id with another amount: rejected, and the reason says where the first came from
    clean_db.write("MATCH ()-[t:TRANSFER {tx_id: 'BS001'}]->() SET t.amount = 999.0 REMOVE t.load_runs, t.src_rows")
    again = load_file(clean_db, PAYER, report_dir=tmp_path)
    assert again.status == "loaded" and again.rejected == 1
    reasons = (tmp_path / again.rejects_file).read_text(encoding="utf-8-sig") if again.rejects_file else ""
    assert "written by no OrgTrace load" in reasons, reasons

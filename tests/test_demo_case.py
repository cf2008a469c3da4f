"""The default demo case loads with only its deliberate rejects, and the loaded graph
agrees with the generator's ground truth."""

from __future__ import annotations

import json

import pytest

from demo.case import load_files
from demo.generate import generate_case
from graph import admin

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def demo(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    generate_case(out, scale=1.0, seed=7)
    admin.wipe(db)
    reports = load_files(db, out, user="测试", report_dir=out / "load-reports")
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    return db, reports, truth


def test_loads_with_only_the_deliberate_rejects(demo):
    db, reports, truth = demo
    assert all(r.status == "loaded" for r in reports), [(r.file, r.message) for r in reports]
    bad = truth["deliberate_bad_rows"]
    rejected = {(r.file, r.rejected) for r in reports if r.rejected}
    expected_rejects = {}
    for b in bad:
        if b["reason"] == "bad_date":
            expected_rejects[b["file"]] = expected_rejects.get(b["file"], 0) + 1
    assert rejected == set(expected_rejects.items())
    bank = next(r for r in reports if r.file == "bank_statements_gbk.csv")
    assert bank.reasons == {"bad_date": 3}
    roster = next(r for r in reports if r.file == "roster.csv")
    assert roster.warning_reasons.get("bad_id_checksum") == sum(b["reason"] == "bad_id_checksum" for b in bad)


def test_counts_match_ground_truth(demo):
    db, _, truth = demo
    stats = admin.stats(db)
    assert stats["relationships"]["TRANSFER"] == truth["counts"]["transfers"]
    assert stats["nodes"]["Event"] == truth["counts"]["events"]
    assert stats["nodes"]["Lead"] == truth["counts"]["leads"]
    assert stats["nodes"]["BlacklistEntry"] == truth["counts"]["blacklist"]
    cash = db.read("MATCH ()-[t:TRANSFER {cash: true}]->() RETURN count(t) AS c")[0]["c"]
    assert cash > 0
    people = db.read("MATCH (p:Person) WHERE p.id_valid RETURN count(p) AS c")[0]["c"]
    assert people == truth["counts"]["people"]


def test_collection_accounts_have_the_planted_payers(demo):
    db, _, truth = demo
    for planted in truth["collection_accounts"]:
        rows = db.read("MATCH (src:BankAccount)-[:TRANSFER]->(a:BankAccount {key: $k}) "
                       "RETURN count(DISTINCT src) AS payers", {"k": planted["account"]})
        assert rows[0]["payers"] == planted["distinct_payer_accounts"], planted["account"]


def test_cycles_and_layering_chains_exist(demo):
    db, _, truth = demo
    for cycle in truth["cycles"]:
        hops = list(zip(cycle, cycle[1:] + cycle[:1]))
        for a, b in hops:
            found = db.read("MATCH (:BankAccount {key: $a})-[t:TRANSFER]->(:BankAccount {key: $b}) RETURN count(t) AS c",
                            {"a": a, "b": b})
            assert found[0]["c"] >= 1, (a, b)
    for chain in truth["layering_chains"]:
        for mule in chain["mules"]:
            assert db.read("MATCH (:BankAccount {key: $s})-[:TRANSFER]->(:BankAccount {key: $m})-[:TRANSFER]->"
                           "(:BankAccount {key: $t}) RETURN count(*) AS c",
                           {"s": chain["source"], "m": mule, "t": chain["sink"]})[0]["c"] >= 1, mule


def test_reformed_organizations_share_leaders_and_account(demo):
    db, _, truth = demo
    for planted in truth["reformed_organizations"]:
        rows = db.read(
            "MATCH (old:Organization {name: $old}), (new:Organization {name: $new}) "
            "OPTIONAL MATCH (p:Person)-[:LEADS]->(old) WHERE (p)-[:LEADS]->(new) "
            "RETURN old.status AS status, collect(DISTINCT p.key) AS shared",
            {"old": planted["old_name"], "new": planted["new_name"]})
        assert rows and rows[0]["status"] == "撤销"
        assert set(planted["shared_leaders"]) <= set(rows[0]["shared"])
        holders = db.read("MATCH (o:Organization)-[:HOLDS]->(:BankAccount {key: $a}) RETURN o.name AS n",
                          {"a": planted["shared_account"]})
        assert planted["old_name"] in {h["n"] for h in holders}


def test_blacklisted_people_lead_new_organizations(demo):
    db, _, truth = demo
    for person, org in truth["blacklist_hits"].items():
        rows = db.read("MATCH (:BlacklistEntry)-[:LISTS]->(p:Person {key: $p})-[:LEADS]->(o:Organization {name: $o}) "
                       "RETURN count(*) AS c", {"p": person, "o": org})
        assert rows[0]["c"] >= 1, (person, org)


def test_revoked_but_active_events_after_revocation(demo):
    db, _, truth = demo
    for planted in truth["revoked_but_active"]:
        rows = db.read("MATCH (o:Organization {name: $n})-[:ORGANIZED]->(e:Event) WHERE e.date > o.revoked_on "
                       "RETURN collect(toString(e.date)) AS dates", {"n": planted["org"]})
        assert set(planted["event_dates_after"]) <= set(rows[0]["dates"])

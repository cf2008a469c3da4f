"""Analytics on the demo case (issue 11): the planted ringleaders rank in the top 5, each
planted linked group falls inside one found group and no found group merges two, the
re-formed pair is found, two runs agree, ``analyze run`` writes back, and the
``reformed-organizations`` report (the Cypher twin of analytics/reformed.py) agrees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analytics import api
from demo.case import load_files
from demo.generate import generate_case
from graph import admin

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def demo(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-analytics")
    generate_case(out, scale=1.0, seed=7)
    admin.wipe(db)
    load_files(db, out, user="测试", report_dir=out / "load-reports")
    truth = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    return db, truth


@pytest.fixture(scope="module")
def analysis(demo):
    db, _ = demo
    return api.analyse(db)


def test_planted_ringleaders_rank_in_the_top_five(demo, analysis):
    _, truth = demo
    rows = api.hub_rows(analysis, top=5, lang="zh")
    top = [r["key"] for r in rows]
    for r in truth["ringleaders"]:
        assert r["id_number"] in top, (r, [(x["name"], x["score"]) for x in rows])
    for row in rows:
        assert set(api.HUB_COLUMNS) <= set(row)
        assert row["label"] == "Person" and row["explanation"]


def test_explanations_state_the_facts_and_the_relatives(demo, analysis):
    _, truth = demo
    rows = {r["key"]: r for r in api.hub_rows(analysis, top=None, lang="zh")}
    en = {r["key"]: r for r in api.hub_rows(analysis, top=None, lang="en")}
    by_id = {r["id_number"]: r for r in truth["ringleaders"]}
    for rid, relatives in truth["relatives"].items():
        text = rows[rid]["explanation"]
        assert f"领导{len(by_id[rid]['orgs'])}个组织" in text, text
        for rel in relatives:
            if rel["account"] in {a for a in analysis.flows}:
                assert rel["name"] in text and "共用电话" in text, (rel, text)
        assert "shares a phone" in en[rid]["explanation"]
    # the collection accounts' payers are counted toward the ringleader who controls them
    collections = {c["account"]: c for c in truth["collection_accounts"]}
    r1 = next(r for r in truth["ringleaders"] if r["key"] == "R1")["id_number"]
    rel_accounts = set(truth["relative_accounts"][r1])
    planted_payers = sum(collections[a]["distinct_payer_accounts"] for a in rel_accounts if a in collections)
    hub = next(h for h in analysis.hubs() if h["key"] == r1)
    assert hub["payer_count"] >= planted_payers > 0


def test_each_planted_group_lies_in_one_found_group_and_none_merges_two(demo, analysis):
    _, truth = demo
    rows = api.group_rows(analysis, lang="zh")
    group_of = {}
    for r in rows:
        group_of.setdefault(r["name"], r["group"])
    found = []
    for planted in truth["linked_groups"]:
        ids = {group_of.get(name) for name in planted["orgs"]}
        assert len(ids) == 1 and None not in ids, (planted["orgs"], ids)
        found.append(ids.pop())
    assert len(set(found)) == len(found), found
    for r in rows:
        if r["group"] in found:
            assert r["shared"] and r["group_size"] >= 3


def test_the_reformed_pair_is_found_with_its_evidence(demo, analysis):
    _, truth = demo
    rows = api.reformed_rows(analysis, lang="zh")
    for planted in truth["reformed_organizations"]:
        hit = [r for r in rows if r["old_name"] == planted["old_name"] and r["new_name"] == planted["new_name"]]
        assert hit, rows
        assert {"leader", "account", "address"} <= set(hit[0]["shared"])
        assert planted["shared_account"] in hit[0]["evidence"]
        for pid in planted["shared_leaders"]:
            assert pid in hit[0]["evidence"]


def test_possible_matches_propose_the_registry_name_for_the_identified_leader(demo, analysis):
    _, truth = demo
    rows = api.match_rows(analysis, lang="en")
    r4 = next(r for r in truth["ringleaders"] if r["key"] == "R4")
    hit = [m for m in rows if m["identified_key"] == r4["id_number"] and m["name_only_key"].startswith("ns:")]
    assert hit and "organization" in hit[0]["evidence"]
    db, _ = demo
    # never merged: both people are still there
    assert db.read("MATCH (p:Person {key: $k}) RETURN count(p) AS c", {"k": hit[0]["name_only_key"]})[0]["c"] == 1


def test_two_runs_give_identical_output(demo, analysis):
    db, _ = demo
    again = api.analyse(db)
    assert api.hub_rows(again, top=None) == api.hub_rows(analysis, top=None)
    assert api.group_rows(again) == api.group_rows(analysis)
    assert api.reformed_rows(again) == api.reformed_rows(analysis)
    assert api.match_rows(again) == api.match_rows(analysis)


def test_scoped_hubs_stay_inside_the_scope(demo):
    db, truth = demo
    org = db.read("MATCH (o:Organization {name: $n}) RETURN o.key AS k", {"n": truth["reformed_organizations"][0]["old_name"]})[0]["k"]
    rows = api.hub_figures(db, scope=api.P.Scope(org=org, hops=1), top=100)
    keys = {r["key"] for r in rows}
    leaders = {r["k"] for r in db.read("MATCH (p:Person)-[:LEADS|MEMBER_OF]->(:Organization {key: $k}) RETURN p.key AS k", {"k": org})}
    assert keys and keys <= leaders
    r4 = next(r for r in truth["ringleaders"] if r["key"] == "R4")["id_number"]
    assert r4 in keys
    # a list of keys: those nodes and what is directly attached (the organization's people)
    listed = api.hub_figures(db, scope=[org], top=100)
    assert {r["key"] for r in listed} == keys


def test_analyze_run_writes_back_and_replaces(demo, test_settings):
    db, truth = demo

    def cli(*args):
        command = [sys.executable, str(ROOT / "cli.py"), "analyze", *args,
                   "--data-dir", str(test_settings.data_dir), "--bolt-port", str(test_settings.bolt_port)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout

    before = db.read("MATCH (p:Person) WHERE p.hub_score IS NOT NULL RETURN count(p) AS c")[0]["c"]
    assert before == 0          # the other analyze commands write nothing
    summary = json.loads(cli("run", "--json"))
    assert summary["reformed_pairs"] >= 1 and summary["groups"] >= 3
    for r in truth["ringleaders"]:
        row = db.read("MATCH (p:Person {key: $k}) RETURN p.hub_rank AS rank, p.hub_score AS score, "
                      "p.analytics_at AS at", {"k": r["id_number"]})[0]
        assert row["rank"] <= 5 and 0 < row["score"] <= 1 and row["at"] is not None
    for planted in truth["linked_groups"]:
        ids = db.read("MATCH (o:Organization) WHERE o.name IN $names RETURN collect(DISTINCT o.group_id) AS g",
                      {"names": planted["orgs"]})[0]["g"]
        assert len(ids) == 1 and ids[0] is not None
    pair = truth["reformed_organizations"][0]
    q = ("MATCH (:Organization {name: $old})-[r:REFORMED_AS]->(:Organization {name: $new}) "
         "RETURN r.shared AS shared, r.analytics_at AS at")
    first = db.read(q, {"old": pair["old_name"], "new": pair["new_name"]})
    assert len(first) == 1 and "leader" in first[0]["shared"]
    cli("run", "--json")
    second = db.read(q, {"old": pair["old_name"], "new": pair["new_name"]})
    assert len(second) == 1 and second[0]["at"] >= first[0]["at"]
    # the CLI contract: hubs columns in csv, --lang en
    out = cli("hubs", "--top", "5", "--format", "csv", "--lang", "en")
    header = out.splitlines()[0].split(",")
    assert header[:5] == ["rank", "key", "label", "name", "score"] and header[-1] == "explanation"
    assert len(out.splitlines()) == 6 and "leads" in out
    groups = json.loads(cli("groups", "--format", "json"))
    assert {"group", "key", "label", "name", "group_size", "shared"} <= set(groups[0])
    reformed = json.loads(cli("reformed", "--format", "json"))
    assert set(reformed[0]) == {"old_key", "old_name", "new_key", "new_name", "shared", "evidence"}


def test_the_reformed_report_is_the_twin_of_the_analytics(demo, analysis):
    from analytics.config import analytics_settings
    from queries.registry import load_reports
    from queries.runner import run_report

    db, _ = demo
    min_shared = analytics_settings()["reformed"]["min_shared_leaders"]
    rows = run_report(db, load_reports()["reformed-organizations"], {"min_shared": min_shared}).rows
    mine = {(p["old_key"], p["new_key"]) for p in api.reformed_records(analysis)}
    assert mine and {(r["old_key"], r["new_key"]) for r in rows} == mine

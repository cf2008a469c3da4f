"""The graph pages (Explore, Organization structure, Fund flow, Hubs and groups) and the
queries behind them (visual/graphs.py) on the demo case, against the real test server."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.test_app import app_env  # noqa: F401  (the app pointed at the test server)
from tests.test_demo_case import demo  # noqa: F401  (the demo case, loaded once for this module)
from visual import graphs
from visual.network import collapse_fans

pytestmark = pytest.mark.timeout(900)


def _page(path: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def _pictures(at: AppTest) -> list[str]:
    """The graph pages drawn on this run (the HTML handed to st.iframe)."""
    return [e.proto.srcdoc for e in at.get("iframe") if "vis.Network" in getattr(e.proto, "srcdoc", "")]


def _drawn(html: str) -> list[dict]:
    """The nodes a graph page hands to vis-network."""
    return json.loads(re.search(r"var nodes = new vis\.DataSet\((.*?)\);\n", html).group(1))


def _nodes_drawn(html: str) -> int:
    return len(_drawn(html))


# ------------------------------------------------------------------ visual/graphs.py

def test_search_finds_exact_keys_and_chinese_names(demo):
    db, _, truth = demo
    account = truth["collection_accounts"][0]["account"]
    hits = graphs.search_entities(db, account)
    assert hits[0]["key"] == account and hits[0]["label"] == "BankAccount"
    leader = truth["ringleaders"][0]
    hits = graphs.search_entities(db, leader["name"], labels=["Person"])
    assert leader["id_number"] in {h["key"] for h in hits}
    assert all(h["label"] == "Person" for h in hits)
    assert graphs.search_entities(db, "   ") == []


def test_profile_carries_provenance(demo):
    db, reports, truth = demo
    profile = graphs.entity_profile(db, truth["ringleaders"][0]["id_number"])
    assert profile["label"] == "Person" and profile["properties"]["name"] == truth["ringleaders"][0]["name"]
    prov = profile["provenance"]
    assert prov["src_file"] in {r.file for r in reports} and int(prov["src_row"]) >= 1
    # by reference: the first run names the file, and its SHA-256 is that file's
    assert prov["src_run"] in prov["load_runs"]
    assert prov["src_sha256"] == {r.file: r.sha256 for r in reports}[prov["src_file"]]
    assert {r["file"] for r in profile["runs"]} <= {r.file for r in reports} and profile["runs"]
    assert "load_runs" not in profile["properties"] and "src_run" not in profile["properties"]
    assert graphs.entity_profile(db, "no-such-key") is None


def test_neighbourhood_filters_and_fans(demo):
    db, reports, truth = demo
    org = "name:" + truth["collection_accounts"][0]["org"]
    members = db.read("MATCH (:Organization {key: $k})<-[:MEMBER_OF]-(p) RETURN count(DISTINCT p) AS c", {"k": org})[0]["c"]
    graph, cut = graphs.neighbourhood(db, [org])
    assert not cut and any(n.get("key") == org for n in graph["nodes"])
    # tooltips name the file each node was first read from, and each link's files (by their runs)
    files = {r.file for r in reports}
    sources = [line[5:].rsplit(" #", 1)[0] for n in graph["nodes"] for line in n.get("title", "").split("\n")
               if line.startswith("src: ")]
    assert sources and set(sources) <= files, sources
    linked = [e["title"].rsplit("src: ", 1)[1] for e in graph["edges"] if "src: " in (e.get("title") or "")]
    assert linked and all(set(x.split(", ")) <= files for x in linked), linked
    only_people, _ = graphs.neighbourhood(db, [org], labels=["Person"])
    assert {n["label"] for n in only_people["nodes"] if n.get("key") != org} == {"Person"}
    only_members, _ = graphs.neighbourhood(db, [org], rel_types=["MEMBER_OF"])
    assert {e["type"] for e in only_members["edges"]} == {"MEMBER_OF"}
    assert len(only_members["edges"]) == members
    folded = collapse_fans(only_members, keep=[n["id"] for n in only_members["nodes"] if n.get("key") == org])
    if members > 25:
        assert len(folded["nodes"]) < len(only_members["nodes"])
        assert any(n["label"] == "Aggregate" and n["members"] > 25 for n in folded["nodes"])
    # a time window before any transfer leaves the account with its holder only
    account = truth["collection_accounts"][0]["account"]
    import datetime as dt
    early, _ = graphs.neighbourhood(db, [account], since=dt.date(1990, 1, 1), until=dt.date(1990, 12, 31))
    assert {e["type"] for e in early["edges"]} == {"HOLDS"}
    everything, _ = graphs.neighbourhood(db, [account])
    transfers = [e for e in everything["edges"] if e["type"] == "TRANSFER"]
    payers = db.read("MATCH (s:BankAccount)-[:TRANSFER]->(:BankAccount {key: $k}) RETURN count(DISTINCT s) AS c",
                     {"k": account})[0]["c"]
    assert sum(1 for e in transfers if e["target"] == next(n["id"] for n in everything["nodes"]
                                                           if n.get("key") == account)) == payers


def test_trace_from_a_planted_collection_account(demo):
    db, _, truth = demo
    planted = truth["collection_accounts"][0]
    result, _ = graphs.trace(db, planted["account"], direction="upstream", max_hops=1)
    assert len({row["account"] for row in result.rows}) == planted["distinct_payer_accounts"]
    chain = next(c for c in truth["layering_chains"] if c["source"] == planted["account"])
    result, graph = graphs.trace(db, chain["source"], direction="downstream", max_hops=2, within_days=3650)
    moves = graphs.transfers_of(result)
    reached = {m["payee"] for m in moves}
    assert set(chain["mules"]) <= reached and chain["sink"] in reached
    assert {n.get("key") for n in graph["nodes"]} >= set(chain["mules"])
    who = graphs.holders(db, {m["payer"] for m in moves} | reached)
    flows = graphs.holder_flows(moves, who)
    assert any(f["source"] == planted["holder_name"] for f in flows)
    assert all(f["source"] != f["target"] and f["amount"] > 0 for f in flows)


def test_org_structure_and_money(demo):
    db, _, truth = demo
    org = "name:" + truth["collection_accounts"][0]["org"]
    result, graph = graphs.org_structure(db, org)
    parts = {r["part"] for r in result.rows}
    assert "领导 leader" in parts and "成员 member" in parts
    assert any(n.get("key") == org for n in graph["nodes"])
    money = graphs.org_money(db, org, leaders=True)
    assert {m["direction"] for m in money} == {"in", "out"}
    own_only = graphs.org_money(db, org, leaders=False)
    assert len(own_only) <= len(money)


# ------------------------------------------------------------------ pages (AppTest)

def test_explore_searches_opens_a_profile_and_expands(app_env, demo):
    db, _, truth = demo
    leader = truth["ringleaders"][0]
    at = _page("views/explore.py")
    assert at.text_input(key="explore_search") is not None
    at.text_input(key="explore_search").input(leader["name"])
    _click(at, "检索")
    options = at.selectbox(key="explore_pick").options
    assert any(leader["name"] in o for o in options)
    index = next(i for i, o in enumerate(options) if leader["id_number"][-6:] in o)
    at.selectbox(key="explore_pick").set_value(index).run()
    at.button(key="explore_open").click().run()
    assert not at.exception, at.exception
    assert leader["name"] in at.subheader[0].value
    assert any("roster.csv" in c.value or "registry.csv" in c.value for c in at.caption)  # provenance
    assert any(e.label == "固定证据" for e in at.expander)  # a person: their money trail as evidence
    pictures = _pictures(at)
    assert len(pictures) == 1 and leader["name"] in {n["label"] for n in _drawn(pictures[0])}
    before = _nodes_drawn(pictures[0])
    # expand one hop from the first organization the leader leads
    picker = at.selectbox(key="explore_expand_pick")
    org_key = db.read("MATCH (o:Organization {name: $n}) RETURN o.key AS k", {"n": leader["orgs"][0]})[0]["k"]
    assert any(leader["orgs"][0] in o for o in picker.options)
    picker.set_value(org_key).run()
    at.button(key="explore_expand").click().run()
    assert not at.exception, at.exception
    after = _nodes_drawn(_pictures(at)[0])
    assert after > before
    assert at.session_state["explore_expanded"] == [org_key]
    assert not any(leader["orgs"][0] + " · " in o for o in at.selectbox(key="explore_expand_pick").options)


def test_explore_filters_and_english(app_env, demo):
    _, _, truth = demo
    at = _page("views/explore.py", explore_focus="name:" + truth["collection_accounts"][0]["org"],
               lang_choice="English")
    assert at.header[0].value == "Explore"
    assert any(e.label == "Evidence package" for e in at.expander)  # an organization: its structure
    at.multiselect(key="explore_labels").set_value(["Event"]).run()
    assert not at.exception, at.exception
    html = _pictures(at)[0]
    assert {n["shape"] for n in _drawn(html)} == {"star", "square"}  # the org and only its events
    assert any("showing" in c.value for c in at.caption)


def test_structure_page(app_env, demo):
    _, _, truth = demo
    org = truth["collection_accounts"][0]["org"]
    at = _page("views/structure.py")
    at.text_input(key="structure_filter").input(org).run()
    assert org in at.selectbox(key="structure_pick").options[0] or org in str(at.selectbox(key="structure_pick").value)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["负责人"]) > 0 and int(metrics["成员"]) > 0
    pictures = _pictures(at)
    assert pictures and '"hierarchical"' in pictures[0]
    assert org in {n["title"].split("\n")[0].split(": ", 1)[-1] for n in _drawn(pictures[0])}
    assert len(at.dataframe) >= 3  # leaders, members, accounts … and the money table
    money = at.dataframe[-1].value
    assert set(money["方向"]) == {"流入", "流出"} and (money["金额（元）"] > 0).all()


def test_fund_flow_page_traces_a_collection_account(app_env, demo):
    _, _, truth = demo
    planted = truth["collection_accounts"][0]
    at = _page("views/fund_flow.py")
    at.text_input(key="flow_search").input(planted["account"])
    _click(at, "检索")
    assert planted["account"][-6:] in at.selectbox(key="flow_start").options[0]
    at.slider(key="flow_hops").set_value(2)
    at.number_input(key="flow_within").set_value(3650)
    _click(at, "追踪")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["资金链路"]) > 0 and int(metrics["转账笔数"]) > 0
    assert len(_pictures(at)) == 1
    charts = at.get("plotly_chart")
    sankey = json.loads(charts[0].proto.spec)["data"][0]
    assert len(charts) == 2 and sankey["type"] == "sankey"
    assert planted["holder_name"] in sankey["node"]["label"]
    table = at.dataframe[0].value
    assert planted["account"] in set(table["付款账户"])
    # the same trace as an evidence package (local mode: every permission)
    assert any(e.label == "固定证据" for e in at.expander)
    at.text_input(key="case-fund-flow-downstream").input("渝公（经）2024-001").run()
    at.button(key="evidence-fund-flow-downstream").click().run(timeout=600)
    assert not at.exception, at.exception
    from core.settings import load_settings
    from exports.evidence import verify_package
    package = at.session_state["evidence-pkg-fund-flow-downstream"]
    verdict = verify_package(package.path, state_dir=load_settings().state_dir)
    assert verdict.ok and package.rows > 0, verdict.problems


def test_hubs_page_lists_and_opens_explore(app_env, demo):
    pytest.importorskip("analytics.api", reason="the analytics branch provides analytics.api")
    _, _, truth = demo
    at = _page("views/hubs.py")
    assert _pictures(at), "the key figures are drawn"
    ranked = at.dataframe[0].value
    assert {r["name"] for r in truth["ringleaders"]} & set(ranked["名称"])
    first = ranked["标识"].iloc[0]
    at.radio(key="hubs_section").set_value("groups").run()
    assert not at.exception, at.exception
    assert _pictures(at) and len(at.dataframe[0].value) > 0
    at.radio(key="hubs_section").set_value("reformed").run()
    assert not at.exception, at.exception
    pair = truth["reformed_organizations"][0]
    assert pair["new_name"] in set(at.dataframe[0].value["新组织"])
    at.radio(key="hubs_section").set_value("hubs").run()
    at.button(key="hubs_open").click().run()
    assert not at.exception, at.exception
    assert at.session_state["explore_focus"] == first

"""The analytics' pure functions on hand-made graphs whose answers are known by hand, and
their doctests (no database)."""

from __future__ import annotations

import doctest

import networkx as nx
import pytest

from analytics import engine, groups, hubs, matches, projection as P, reformed
from analytics.config import analytics_settings


@pytest.mark.parametrize("module", [engine, groups, hubs, matches, P, reformed])
def test_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.fixture()
def settings():
    return analytics_settings()


def _snap():
    """Two organizations A, B led by R (会长 of both) and S; C led by T alone; a relative Q
    shares R's phone and holds account q, which members of A pay into."""
    s = P.Snapshot()
    for o, status in (("A", None), ("B", "撤销"), ("C", "正常")):
        s.orgs[o] = {"name": o, "status": status, "registered_on": None, "revoked_on": None, "blacklisted": False}
    for p in ("R", "S", "T", "Q", "M1", "M2", "M3", "M4", "M5", "M6"):
        s.people[p] = {"name": p, "identified": True, "blacklisted": False, "name_only": False}
    s.rels = [("R", "Person", "R", "LEADS", "A", "Organization", "A", "会长"),
              ("R", "Person", "R", "LEADS", "B", "Organization", "B", "会长"),
              ("S", "Person", "S", "LEADS", "A", "Organization", "A", "理事"),
              ("S", "Person", "S", "LEADS", "B", "Organization", "B", "理事"),
              ("T", "Person", "T", "LEADS", "C", "Organization", "C", "会长"),
              ("Q", "Person", "Q", "LEADS", "C", "Organization", "C", "财务")]
    s.rels += [(m, "Person", m, "MEMBER_OF", "A", "Organization", "A", None) for m in ("M1", "M2", "M3", "M4", "M5")]
    s.contacts = [("R", "phone", "138", "138"), ("Q", "phone", "138", "138"), ("T", "phone", "139", "139")]
    s.holds = {"q": ("Q", "Person", "Q"), "r": ("R", "Person", "R"), "b": ("B", "Organization", "B")}
    s.holds.update({f"m{i}": (f"M{i}", "Person", f"M{i}") for i in range(1, 7)})
    s.flows = [(f"m{i}", "q", 100.0 * i, 1, "2024-01-0%d" % i, "2024-01-0%d" % i) for i in range(1, 6)]
    s.flows += [("m6", "q", 50.0, 2, "2024-02-01", "2024-03-01"), ("q", "x", 1000.0, 1, "2024-04-01", "2024-04-01")]
    return s


def test_people_org_graph_weights_leads_by_role(settings):
    g = P.people_org_graph(_snap(), settings)
    assert g.edges["R", "A"]["weight"] == pytest.approx(3.0 * 1.0)      # LEADS 3.0 x 会长 1.0
    assert g.edges["S", "A"]["weight"] == pytest.approx(3.0 * 0.4)      # x 理事 0.4
    assert g.edges["M1", "A"]["weight"] == pytest.approx(0.5)
    assert g.nodes["A"]["label"] == "Organization" and g.nodes["R"]["label"] == "Person"


def test_collectors_need_enough_members_and_share(settings):
    got = P.collectors(_snap(), settings)
    # five members of A paid into q, out of six payers: q collects for A
    assert got == {"q": {"A": 5}}
    settings["org_org"]["collector_min_share"] = 0.9
    assert P.collectors(_snap(), settings) == {}


def test_org_org_graph_links_by_shared_leaders_phone_and_account(settings):
    g = P.org_org_graph(_snap(), settings)
    # A and B share leaders R and S (phones reached through the same person add nothing)
    assert g.edges["A", "B"]["shared"] == {"leader": ["R R", "S S"]}
    assert g.edges["A", "B"]["weight"] == pytest.approx(2.0)
    # A and C: R's phone is on Q's row (Q leads C); q collects for A, and Q's phone... only the phone
    assert g.edges["A", "C"]["shared"] == {"phone": ["138"]}
    assert not g.has_edge("B", "C") or "leader" not in g.edges["B", "C"]["shared"]


def test_name_only_leaders_link_nothing(settings):
    s = _snap()
    s.people["ns:f:张三"] = {"name": "张三", "identified": False, "blacklisted": False, "name_only": True}
    s.rels += [("ns:f:张三", "Person", "张三", "LEADS", "C", "Organization", "C", "法定代表人"),
               ("ns:f:张三", "Person", "张三", "LEADS", "A", "Organization", "A", "法定代表人")]
    g = P.org_org_graph(s, settings)
    assert "leader" not in g.edges["A", "C"]["shared"]


def test_money_graph_aggregates_per_holder_pair_and_keeps_unheld_accounts():
    g = P.money_graph(_snap())
    e = g.edges["M6", "Q"]
    assert (e["total"], e["count"], e["first"], e["last"]) == (50.0, 2, "2024-02-01", "2024-03-01")
    assert g.nodes["x"]["label"] == "BankAccount"          # no known holder: stays itself
    assert g.edges["Q", "x"]["total"] == 1000.0


def test_controllers_credit_the_relative_account_to_the_leader(settings):
    s = _snap()
    g = P.people_org_graph(s, settings)
    # R (two 会长 roles) and Q (one 财务 role) share a phone: R controls Q's accounts; B is
    # revoked and R is its 会长: B's account counts toward R
    assert P.controllers(s, g, settings) == {"Q": ("R", "phone"), "B": ("R", "head")}
    s.orgs["B"]["status"] = "正常"
    assert P.controllers(s, g, settings) == {"Q": ("R", "phone")}


def test_hub_scores_rank_the_controller_first_and_explain(settings):
    s = _snap()
    g = P.people_org_graph(s, settings)
    held = {}
    for acct, (holder, _, _) in sorted(s.holds.items()):
        held.setdefault(holder, []).append(acct)
    accounts_of = hubs.controlled_accounts(held, P.controllers(s, g, settings))
    recs = hubs.hub_scores(g, accounts_of=accounts_of, flows=P.account_flows(s), org_group={"A": 1, "B": 1, "C": 2},
                           people=s.people, settings=settings, org_facts=s.orgs)
    assert recs[0]["key"] == "R"
    r = recs[0]
    assert r["orgs_led"] == 2 and r["payer_count"] == 6 and r["money_in_total"] == pytest.approx(1550.0)
    assert r["relatives"] == {"B": "head", "Q": "phone"}
    assert r["groups"] == [1]
    assert [x["rank"] for x in recs] == list(range(1, len(recs) + 1))
    assert all(0.0 <= x["score"] <= 1.0 for x in recs)
    zh = hubs.explain(r, {"Q": "秦"}, "zh")
    en = hubs.explain(r, {"Q": "Qin"}, "en")
    assert zh.startswith("领导2个组织（1个撤销、1个未登记）") and "共用电话的秦" in zh and "6个账户" in zh
    assert "其任负责人的B" in zh
    assert "leads 2 organizations" in en and "Qin, who shares a phone" in en and "from 6 accounts" in en


def test_find_groups_two_cliques_and_a_weak_bridge_are_two_groups():
    g = nx.Graph()
    for clique in (["a", "b", "c", "d"], ["w", "x", "y", "z"]):
        for i, u in enumerate(clique):
            for v in clique[i + 1:]:
                g.add_edge(u, v, weight=4.0, shared={"leader": [u + v]})
    g.add_edge("d", "w", weight=2.5, shared={"phone": ["1"]})     # strong enough to connect
    g.add_node("lonely")
    found = groups.find_groups(g, min_weight=2.0, seed=1)
    assert [f["members"] for f in found] == [["a", "b", "c", "d"], ["w", "x", "y", "z"]]
    assert {f["component"] for f in found} == {1}
    assert groups.find_groups(g, min_weight=2.0, seed=1) == found       # deterministic


def test_reformed_needs_an_old_status_a_newer_one_and_enough_evidence():
    g = nx.Graph()
    g.add_node("old", name="旧", status="撤销", registered_on="2012-01-01", revoked_on="2022-09-15")
    g.add_node("new", name="新", status=None, registered_on=None, revoked_on=None)
    g.add_node("older", name="更早", status="正常", registered_on="2010-01-01", revoked_on=None)
    g.add_node("addr", name="同址", status="正常", registered_on="2023-01-01", revoked_on=None)
    g.add_edge("old", "new", shared={"leader": ["甲 1", "乙 2"]})
    g.add_edge("old", "older", shared={"leader": ["甲 1", "乙 2"], "account": ["6222"]})   # not newer
    g.add_edge("old", "addr", shared={"address": ["某路1号"]})
    pairs = reformed.reformed_pairs(g, old_statuses=["撤销"])
    assert [(p["old_key"], p["new_key"]) for p in pairs] == [("old", "addr"), ("old", "new")]
    assert reformed.reformed_pairs(g, old_statuses=["撤销"], min_shared_leaders=3) == [pairs[0]]
    # a blacklisted organization is old whatever its status
    g.nodes["old"]["status"] = "正常"
    assert len(reformed.reformed_pairs(g, old_statuses=["撤销"], blacklisted={"old"})) == 2


def test_possible_matches_need_a_common_org_phone_or_address():
    g = nx.Graph()
    g.add_node("O", label="Organization", name="某会")
    g.add_node("E", label="Event", name="年会")
    g.add_edge("E", "O")                                      # ORGANIZED
    g.add_edge("ns:f:张三", "E")                              # attended an event of O
    g.add_edge("110", "O")                                    # the identified 张三 leads O
    people = {"ns:f:张三": {"name": "张三", "identified": False}, "110": {"name": "张三", "identified": True},
              "120": {"name": "张三", "identified": True}, "ns:f:李四": {"name": "李四", "identified": False},
              "130": {"name": "李四", "identified": True}}
    contacts = [("ns:f:李四", "phone", "139", "139"), ("130", "phone", "139", "139")]
    got = [(m["name_only_key"], m["identified_key"], m["evidence"]) for m in matches.possible_matches(g, people, contacts)]
    assert got == [("ns:f:张三", "110", ["organization"]), ("ns:f:李四", "130", ["phone"])]


def test_engines_agree_exactly_on_exact_betweenness_and_pagerank():
    g = nx.karate_club_graph()
    for u, v in g.edges:
        g.edges[u, v]["weight"] = 1.0 + (u + v) % 3
    a, b = engine.betweenness(g, engine="networkx"), engine.betweenness(g, engine="igraph")
    assert max(abs(a[v] - b[v]) for v in g) < 1e-9
    p, q = engine.pagerank(g, engine="networkx"), engine.pagerank(g, engine="igraph")
    assert max(abs(p[v] - q[v]) for v in g) < 1e-6


def test_sampled_betweenness_is_deterministic_and_finds_the_bridge():
    g = nx.barbell_graph(30, 3)                    # two cliques joined by a 3-node path
    for eng in ("networkx", "igraph"):
        a = engine.betweenness(g, k=20, seed=5, engine=eng)
        assert a == engine.betweenness(g, k=20, seed=5, engine=eng)
        assert max(a, key=a.get) == 31              # the middle of the bridge


def test_sampled_betweenness_engines_agree_on_the_same_sources():
    g = nx.gnm_random_graph(300, 900, seed=3)
    a = engine.betweenness(g, k=40, seed=9, engine="networkx")
    b = engine.betweenness(g, k=40, seed=9, engine="igraph")
    assert max(abs(a[v] - b[v]) for v in g) < 1e-9 and max(a.values()) > 0


def _by_sets(communities):
    return sorted(sorted(c) for c in communities)


@pytest.mark.parametrize("eng", ["networkx", "igraph"])
def test_louvain_finds_planted_blocks_with_either_engine(eng):
    # four blocks of 25: dense inside (p=0.5), almost nothing between (p=0.01)
    g = nx.planted_partition_graph(4, 25, 0.5, 0.01, seed=1)
    found = engine.louvain(g, seed=7, engine=eng)
    assert _by_sets(found) == [list(range(i, i + 25)) for i in range(0, 100, 25)]
    assert [len(c) for c in found] == [25, 25, 25, 25]
    assert engine.louvain(g, seed=7, engine=eng) == found                 # seeded: the same again


def test_louvain_engines_agree_and_follow_the_weights():
    # K6: heavy inside {0,1,2} and {3,4,5}, light across; unweighted it would be one block
    g = nx.complete_graph(6)
    for u, v in g.edges:
        g.edges[u, v]["weight"] = 5.0 if (u < 3) == (v < 3) else 0.1
    for eng in ("networkx", "igraph"):
        assert _by_sets(engine.louvain(g, engine=eng)) == [[0, 1, 2], [3, 4, 5]], eng
    ring = nx.ring_of_cliques(5, 6)
    assert _by_sets(engine.louvain(ring, engine="igraph")) == _by_sets(engine.louvain(ring, engine="networkx"))


def test_igraph_louvain_leaves_the_interpreters_random_state_alone():
    import random

    random.seed(123)
    expected = [random.random() for _ in range(3)]
    random.seed(123)
    engine.louvain(nx.ring_of_cliques(4, 5), seed=1, engine="igraph")
    assert [random.random() for _ in range(3)] == expected


def test_find_groups_is_the_same_with_igraph_above_the_threshold():
    g = nx.Graph()
    for clique in (["a", "b", "c", "d"], ["w", "x", "y", "z"]):
        for i, u in enumerate(clique):
            for v in clique[i + 1:]:
                g.add_edge(u, v, weight=4.0)
    g.add_edge("d", "w", weight=2.5)
    nx_found = groups.find_groups(g, min_weight=2.0, seed=1, engine="networkx")
    # min_nodes 4: the 8-organization component goes to igraph
    assert groups.find_groups(g, min_weight=2.0, seed=1, engine="auto", min_nodes=4) == nx_found
    assert [f["members"] for f in nx_found] == [["a", "b", "c", "d"], ["w", "x", "y", "z"]]


def test_results_do_not_depend_on_the_order_of_the_flows(settings):
    # the database returns the account pairs in no fixed order and they are not sorted
    import random

    s = _snap()
    s.flows += [(f"m{i}", "r", 0.1 * i, 1, None, None) for i in range(1, 7)]   # sums that round
    ref_flows, ref_coll = P.account_flows(s), P.collectors(s, settings)
    for seed in range(5):
        random.Random(seed).shuffle(s.flows)
        assert P.account_flows(s) == ref_flows
        assert P.collectors(s, settings) == ref_coll
        assert P.collectors(s, settings, P.account_flows(s)) == ref_coll
    assert list(ref_flows) == sorted(ref_flows)
    assert ref_flows["r"]["in"] == pytest.approx(2.1) and ref_flows["r"]["payers"] == {f"m{i}" for i in range(1, 7)}


def test_the_analysis_pauses_the_cyclic_collector_and_restores_it():
    import gc

    from analytics import api

    seen = []
    wrapped = api.without_cyclic_gc(lambda: seen.append(gc.isenabled()))
    assert gc.isenabled()
    wrapped()
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        wrapped()                       # left disabled by the caller: stays disabled
        assert not gc.isenabled()
    finally:
        gc.enable()

    def boom():
        raise ValueError("x")
    with pytest.raises(ValueError):
        api.without_cyclic_gc(boom)()
    assert gc.isenabled()

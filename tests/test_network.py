"""visual.network: the offline graph page and the shaping of big pictures (no database)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from visual.network import (LABEL_STYLE, cap_graph, collapse_fans, merge_parallel_edges,
                            network_html, showing_note)


class _Refs(HTMLParser):
    """Every src/href attribute and every tag name in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href", "srcset", "data") and v]


def _fan(n: int = 40) -> dict:
    nodes = [{"id": "org", "label": "Organization", "caption": "中华精准扶贫促进会"},
             {"id": "boss", "label": "Person", "caption": "王建国"}]
    nodes += [{"id": f"m{i}", "label": "Person", "caption": f"成员{i}"} for i in range(n)]
    edges = [{"source": "boss", "target": "org", "type": "LEADS", "caption": "会长"}]
    edges += [{"source": f"m{i}", "target": "org", "type": "MEMBER_OF", "caption": "成员"} for i in range(n)]
    return {"nodes": nodes, "edges": edges}


def _data(html: str, name: str) -> list[dict]:
    """The JSON handed to vis.DataSet for nodes or edges."""
    match = re.search(rf"var {name} = new vis\.DataSet\((.*?)\);\n", html)
    assert match, name
    return json.loads(match.group(1))


def test_page_has_no_outside_reference_at_all():
    html = network_html(_fan())
    parser = _Refs()
    parser.feed(html)
    assert "vis.Network" in html and "stabilizationIterationsDone" in html  # vis-network is inlined
    assert parser.refs == [], parser.refs  # nothing loaded by reference, so nothing from another host
    assert "link" not in parser.tags
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "bootstrap" not in html.lower()


def test_nodes_styled_by_label_sized_by_score_coloured_by_group():
    graph = {"nodes": [{"id": "a", "label": "Person", "caption": "张三", "size": 0.9, "group": 3},
                       {"id": "b", "label": "Person", "caption": "李四", "size": 0.1, "group": 3},
                       {"id": "c", "label": "BankAccount", "caption": "6222"},
                       {"id": "d", "label": "Person", "caption": "赵六", "size": 0.5, "group": 8}],
             "edges": [{"source": "a", "target": "c", "type": "HOLDS", "caption": "持有"}]}
    html = network_html(graph, lang="zh")
    nodes = {n["id"]: n for n in _data(html, "nodes")}
    assert nodes["a"]["size"] > nodes["d"]["size"] > nodes["b"]["size"]
    assert nodes["c"]["shape"] == LABEL_STYLE["BankAccount"]["shape"]
    assert nodes["c"]["color"]["background"] == LABEL_STYLE["BankAccount"]["color"]
    assert nodes["a"]["color"]["background"] == nodes["b"]["color"]["background"] != nodes["d"]["color"]["background"]
    assert nodes["a"]["color"]["border"] == LABEL_STYLE["Person"]["color"]
    assert "人员" in html and "账户" in html  # the legend names labels in Chinese
    english = network_html(graph, lang="en")
    assert "BankAccount" in english and "账户" not in english


def test_captions_cannot_break_out_of_the_page():
    graph = {"nodes": [{"id": "x", "label": "Organization", "caption": "</script><script>alert(1)</script>"}],
             "edges": []}
    html = network_html(graph, note="<b>note</b>")
    assert "<script>alert(1)" not in html and "<b>note</b>" not in html
    assert _data(html, "nodes")[0]["title"].endswith("</script><script>alert(1)</script>")


def test_bounded_stabilisation_then_physics_off():
    big = {"nodes": [{"id": str(i), "label": "Person", "caption": str(i)} for i in range(1000)],
           "edges": [{"source": str(i), "target": str(i // 2), "type": "ASSOCIATE_OF"} for i in range(1, 1000)]}
    html = network_html(big)
    options = json.loads(re.search(r"var options = (.*?);\n", html).group(1))
    assert options["physics"]["stabilization"]["enabled"] is True
    assert options["physics"]["stabilization"]["iterations"] <= 100
    assert options["layout"]["improvedLayout"] is False
    assert "setOptions({physics: false})" in html
    assert "label" not in _data(html, "edges")[0]  # too many edges for captions: tooltips only
    tree = network_html(_fan(3), hierarchical=True)
    options = json.loads(re.search(r"var options = (.*?);\n", tree).group(1))
    assert options["layout"]["hierarchical"]["enabled"] and options["physics"] == {"enabled": False}


def test_large_fan_collapses_into_one_aggregate_node():
    graph = collapse_fans(_fan(40), keep=["org"])
    ids = {n["id"] for n in graph["nodes"]}
    assert "boss" in ids and "org" in ids and not any(i.startswith("m") for i in ids)
    agg = next(n for n in graph["nodes"] if n["label"] == "Aggregate")
    assert agg["members"] == 40 and agg["caption"] == "40 人员"
    assert "成员0" in agg["title"]
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {("boss", "org"), (agg["id"], "org")}
    # a small fan stays as it is
    assert collapse_fans(_fan(10)) == _fan(10)


def test_fan_members_with_other_links_are_not_folded():
    graph = _fan(40)
    graph["edges"].append({"source": "m1", "target": "boss", "type": "FAMILY_OF"})
    folded = collapse_fans(graph)
    ids = {n["id"] for n in folded["nodes"]}
    assert "m1" in ids and "m2" not in ids
    assert next(n for n in folded["nodes"] if n["label"] == "Aggregate")["members"] == 39


def test_cap_keeps_the_nearest_nodes_and_says_so():
    graph = _fan(40)
    capped, shown, total = cap_graph(graph, 10, focus=["boss"])
    assert (shown, total) == (10, 42)
    ids = [n["id"] for n in capped["nodes"]]
    assert ids[:2] == ["boss", "org"] and len(ids) == 10
    assert all(e["source"] in ids and e["target"] in ids for e in capped["edges"])
    assert showing_note(shown, total, "en") == "showing 10 of 42 nodes"
    assert showing_note(42, 42) is None
    assert cap_graph(graph, 100) == (graph, 42, 42)


def test_parallel_transfers_merge_into_one_edge():
    graph = {"nodes": [{"id": "a", "label": "BankAccount"}, {"id": "b", "label": "BankAccount"}],
             "edges": [{"source": "a", "target": "b", "type": "TRANSFER", "amount": 100.0, "caption": "x"},
                       {"source": "a", "target": "b", "type": "TRANSFER", "amount": 250.0, "caption": "y"},
                       {"source": "b", "target": "a", "type": "TRANSFER", "amount": 5.0, "caption": "z"}]}
    merged = merge_parallel_edges(graph)
    assert len(merged["edges"]) == 2
    forward = next(e for e in merged["edges"] if e["source"] == "a")
    assert forward["count"] == 2 and forward["amount"] == 350.0 and forward["caption"] == "¥350 (2笔)"

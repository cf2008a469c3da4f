"""The report library, the safe runner, saved reports and the ``query`` CLI, on the demo case.

The module loads the demo case (scale 1, seed 7) once into the session's test server and
checks every report against the demo's ground truth.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.errors import QueryError, QueryRefused  # noqa: E402
from queries.registry import coerce_params, load_reports, render  # noqa: E402
from core.auth import Actor  # noqa: E402
from queries.runner import export_meta, run_cypher, run_report  # noqa: E402

REQUIRED_IDS = {
    "entity-search", "org-profile", "org-structure", "fund-flow-downstream", "fund-flow-upstream",
    "flow-between", "collection-accounts", "dispersal-accounts", "fund-cycles", "shared-identifiers",
    "multi-org-leaders", "blacklist-hits", "revoked-but-active", "shortest-path",
    "regional-distribution", "large-scale-orgs", "leads-by-org"}
DEMO_FILES = ("registry.csv", "roster.csv", "events.csv", "leads.csv", "blacklist.csv",
              "bank_statements_gbk.csv", "bank_statements.xlsx")
ORG = "中华精准扶贫促进会"


@pytest.fixture(scope="module")
def demo(db, tmp_path_factory):
    """The demo case loaded into an emptied database; yields its ground truth."""
    from demo.generate import generate_case
    from graph.admin import wipe
    from loaders.pipeline import load_file

    folder = tmp_path_factory.mktemp("demo-reports")
    generate_case(folder, scale=1, seed=7)
    wipe(db)
    for name in DEMO_FILES:
        report = load_file(db, folder / name, report_dir=folder / "load-reports")
        assert report.status == "loaded", (name, report.message)
    return json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reports():
    return load_reports()


def demo_params(gt: dict) -> dict[str, dict[str, str]]:
    """Values for the parameters that have no default, taken from the ground truth."""
    chain = gt["layering_chains"][0]
    leaders = gt["ringleaders"]
    return {
        "entity-search": {"text": "扶贫"},
        "org-profile": {"org": "name:" + ORG},
        "org-structure": {"org": ORG},
        "fund-flow-downstream": {"start": chain["source"]},
        "fund-flow-upstream": {"target": chain["sink"]},
        "flow-between": {"a": chain["source"], "b": chain["sink"]},
        "shortest-path": {"from": leaders[0]["id_number"], "to": leaders[1]["id_number"]},
    }


def column(result, name):
    return [row[name] for row in result.rows]


# ------------------------------------------------------------------ library and parameters

def test_library_has_every_report_with_valid_headers(reports):
    assert REQUIRED_IDS <= set(reports)
    for report in reports.values():
        assert report.title["zh"] and report.title["en"] and report.description
        assert 0 < report.row_cap <= 10_000 and report.timeout_s > 0


def test_money_trails_use_bounded_quantified_paths(reports):
    for rid in ("fund-flow-downstream", "fund-flow-upstream", "flow-between", "fund-cycles"):
        report = reports[rid]
        values = coerce_params(report, {p.name: "x" for p in report.parameters if p.required})
        cypher = render(report, {**values, "max_hops": 6})
        assert "{0,5}" in cypher or "{1,5}" in cypher, rid  # the bound is a checked literal
        assert not re.search(r"\[[^\]]*\*|\)\s*[-<>]+\s*[+*]", cypher), rid  # no unbounded paths


def test_parameters_are_checked_with_a_sentence_naming_them(reports):
    flow = reports["fund-flow-downstream"]
    values = coerce_params(flow, {"start": " 6228 ", "max_hops": "3", "from": "2024-01-01",
                                  "min_amount": "500.5"})
    assert values["start"] == "6228" and values["max_hops"] == 3 and values["min_amount"] == 500.5
    assert str(values["from"]) == "2024-01-01" and values["within_days"] == 30
    for bad, name in (({"start": "a", "max_hops": "9"}, "max_hops"), ({"start": "a", "max_hops": "x"}, "max_hops"),
                      ({"start": "a", "from": "31/01/2024"}, "from"), ({}, "start"),
                      ({"start": "a", "nope": "1"}, "nope")):
        with pytest.raises(QueryError, match=f"'{name}'"):
            coerce_params(flow, bad)
    assert coerce_params(reports["shortest-path"], {"from": "a", "to": "b", "types": "LEADS, HOLDS"})[
        "types"] == ["LEADS", "HOLDS"]


# ------------------------------------------------------------------ every report on the demo

@pytest.mark.parametrize("report_id", sorted(REQUIRED_IDS | {"reformed-organizations"}))
def test_every_report_runs_on_the_demo(demo, db, reports, report_id):
    assert report_id in reports, f"{report_id} is missing from the library"
    result = run_report(db, reports[report_id], demo_params(demo).get(report_id, {}))
    assert result.columns and result.rows, report_id
    json.dumps(result.rows)  # plain values only
    if reports[report_id].result_kind in ("graph", "paths"):
        assert result.graph and result.graph["nodes"] and result.graph["edges"]


def test_collection_accounts_finds_the_planted_accounts(demo, db, reports):
    result = run_report(db, reports["collection-accounts"], {})
    top = {row["account"]: row for row in result.rows[:10]}
    for planted in demo["collection_accounts"]:
        assert planted["account"] in top, planted
        assert top[planted["account"]]["payers"] == planted["distinct_payer_accounts"]
        assert top[planted["account"]]["total_in"] == pytest.approx(float(planted["total_amount"]))


def test_fund_cycles_finds_the_planted_cycles(demo, db, reports):
    found = column(run_report(db, reports["fund-cycles"], {}), "cycle")
    for cycle in demo["cycles"]:
        rotations = [cycle[i:] + cycle[:i] for i in range(len(cycle))]
        assert any(r in found for r in rotations), cycle


def test_revoked_but_active_finds_the_planted_organizations(demo, db, reports):
    result = run_report(db, reports["revoked-but-active"], {})
    orgs = {row["org"]: row for row in result.rows}
    for planted in demo["revoked_but_active"]:
        assert planted["org"] in orgs
        assert orgs[planted["org"]]["events"] == len(planted["event_dates_after"])
    for planted in demo["preparing_overreach"]:
        assert planted["org"] in orgs
        assert orgs[planted["org"]]["events"] == len(planted["events"])


def test_blacklist_hits_finds_the_planted_hits(demo, db, reports):
    result = run_report(db, reports["blacklist-hits"], {})
    hits = {(row["person"], row["org"]) for row in result.rows}
    assert set(demo["blacklist_hits"].items()) <= hits


def test_entity_search_finds_chinese_names(demo, db, reports):
    result = run_report(db, reports["entity-search"], {"text": "扶贫"})
    assert ORG in column(result, "name")


def test_fund_flow_downstream_reaches_the_sink(demo, db, reports):
    for chain in demo["layering_chains"]:
        result = run_report(db, reports["fund-flow-downstream"], {"start": chain["source"]})
        assert "path" in result.columns and "amounts" in result.columns
        reached = [row for row in result.rows if row["path"][-1] == chain["sink"]]
        assert reached, chain
        assert {row["path"][1] for row in reached} <= set(chain["mules"])
        assert all(len(row["amounts"]) == len(row["path"]) - 1 for row in result.rows)
        upstream = run_report(db, reports["fund-flow-upstream"], {"target": chain["sink"]})
        assert any(row["path"][0] == chain["source"] for row in upstream.rows)


def test_money_trails_start_from_a_person(demo, db, reports):
    collector = demo["collection_accounts"][0]
    chain = next(c for c in demo["layering_chains"] if c["source"] == collector["account"])
    result = run_report(db, reports["fund-flow-downstream"],
                        {"start": collector["holder_id"], "max_hops": "2"})
    assert any(row["path"][-1] == chain["sink"] for row in result.rows)
    assert max(row["hop_count"] for row in result.rows) <= 2


# ------------------------------------------------------------------ safety

WRITES = [
    "CREATE (n:Pwned) RETURN n",
    "MATCH (o:Organization) SET o.name = 'x' RETURN o",
    "MATCH (n) DETACH DELETE n",
    "MERGE (n:Pwned {key: 1}) RETURN n",
    "MATCH (n) RETURN n LIMIT 1; MATCH (m) DELETE m",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "CALL apoc.cypher.runFirstColumn('CREATE (n:Pwned)', {})",
    "DROP INDEX organization_name",
    "CALL dbms.security.createUser('x', 'y')",
    "MATCH (n) WHERE n.name = 'a' /* */ CALL { CREATE (:Pwned) } RETURN n",
]


def _counts(db):
    return db.read("MATCH (n) RETURN count(n) AS nodes, "
                   "COUNT { MATCH ()-[r]->() RETURN r } AS rels, "
                   "COUNT { MATCH (p:Pwned) RETURN p } AS pwned")[0]


def test_writes_and_injections_are_refused_before_running(demo, db, reports):
    from queries.saved import save_report

    before = _counts(db)
    for cypher in WRITES:
        with pytest.raises(QueryRefused):
            run_cypher(db, cypher)
        with pytest.raises(QueryRefused):
            save_report(db, "bad", cypher, {}, Actor("alice", "analyst"))
    # values are parameters, never Cypher text
    for text in ("扶贫') YIELD node CREATE (:Pwned) //", "x\" }) DETACH DELETE n //"):
        try:
            run_report(db, reports["entity-search"], {"text": text})
        except QueryError:
            pass  # Lucene may reject the query text; what matters is that nothing was written
    run_report(db, reports["org-profile"], {"org": "x' OR 1=1 DETACH DELETE o //"})
    assert _counts(db) == before
    assert not db.read("MATCH (s:SavedReport {title: 'bad'}) RETURN s")


def test_timeout_stops_a_slow_query(demo, db):
    with pytest.raises(QueryError, match="stopped after 1 s"):
        run_cypher(db, "UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(*) AS c",
                   timeout=1)


def test_truncation_sets_the_flag(demo, db, reports):
    result = run_report(db, reports["collection-accounts"], {}, limit=3)
    assert len(result.rows) == 3 and result.truncated
    assert not run_report(db, reports["collection-accounts"], {"min_payers": "100"}).truncated
    labels = run_cypher(db, "CALL db.labels()", limit=2)  # not wrapped: streamed and stopped
    assert len(labels.rows) == 2 and labels.truncated
    ordered = run_cypher(db, "MATCH (o:Organization) RETURN o.name AS name, o.key AS key "
                             "ORDER BY name;", limit=5)
    assert ordered.columns == ["name", "key"] and ordered.truncated
    assert [r["name"] for r in ordered.rows] == sorted(r["name"] for r in ordered.rows)


def test_errors_are_sentences(demo, db):
    with pytest.raises(QueryError, match="Cypher error"):
        run_cypher(db, "MATCH (n RETURN n")


# ------------------------------------------------------------------ exports

@pytest.mark.parametrize("report_id, columns", [
    ("collection-accounts", ["account", "payers", "total_in"]),
    ("fund-cycles", ["account", "cycle"]),
    ("fund-flow-downstream", ["path", "amounts"]),
])
def test_csv_export_columns(demo, db, reports, tmp_path, report_id, columns):
    from queries.export import export

    report = reports[report_id]
    result = run_report(db, report, demo_params(demo).get(report_id, {}))
    meta = export_meta(db, result, title=report.title["zh"], report_id=report.id,
                       result_kind=report.result_kind, user="tester")
    path = export(result, meta, "csv", tmp_path / f"{report_id}.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert set(columns) <= set(rows[0])
    assert len(rows) == len(result.rows)
    if report_id == "fund-cycles":
        assert json.loads(rows[0]["cycle"]) == result.rows[0]["cycle"]


def test_exports_open_and_hold_chinese(demo, db, reports, tmp_path):
    import openpyxl

    from queries.export import export

    report = reports["collection-accounts"]
    result = run_report(db, report, {})
    meta = export_meta(db, result, title=report.title["zh"], report_id=report.id, user="tester")
    holder = demo["collection_accounts"][0]["holder_name"]
    assert "Neo4j 5" in meta.server and meta.cypher and meta.parameters["min_payers"] == 10
    text = export(result, meta, "csv", tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert holder in text
    document = json.loads(export(result, meta, "json", tmp_path / "r.json").read_text(encoding="utf-8"))
    assert document["meta"]["title"] == "归集账户（资金汇入）" and document["rows"][0]["holder"] == holder
    page = export(result, meta, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "归集账户" in page and holder in page
    book = openpyxl.load_workbook(export(result, meta, "xlsx", tmp_path / "r.xlsx"))
    assert any(holder == cell.value for sheet in book.worksheets for row in sheet.iter_rows()
               for cell in row)
    flow = reports["fund-flow-downstream"]
    paths = run_report(db, flow, demo_params(demo)["fund-flow-downstream"])
    meta = export_meta(db, paths, title=flow.title["zh"], report_id=flow.id,
                       result_kind=flow.result_kind, user="tester")
    assert meta.graph and export(paths, meta, "pdf", tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


# ------------------------------------------------------------------ saved reports

def test_saved_reports_save_list_run_delete(demo, db):
    from queries.saved import delete_saved, list_saved, run_saved, save_report

    cypher = "MATCH (o:Organization) WHERE o.name CONTAINS $word RETURN o.name AS name"
    alice, bob = Actor("alice", "analyst"), Actor("bob", "analyst")
    key = save_report(db, "扶贫组织", cypher, {"word": "扶贫"}, alice)
    listed = {s["key"]: s for s in list_saved(db)}
    assert listed[key]["title"] == "扶贫组织" and listed[key]["owner"] == "alice"
    assert listed[key]["parameters"] == {"word": "扶贫"}
    assert ORG in column(run_saved(db, key), "name")
    assert run_saved(db, key, {"word": "没有这个名字"}).rows == []
    with pytest.raises(QueryRefused, match="alice"):
        delete_saved(db, key, bob)
    assert key in {s["key"] for s in list_saved(db)}
    delete_saved(db, key, alice)
    assert key not in {s["key"] for s in list_saved(db)}
    other = save_report(db, "t", "RETURN 1 AS one", {}, alice)
    delete_saved(db, other, Actor("admin", "admin"))
    with pytest.raises(QueryError, match="no saved report"):
        run_saved(db, other)


# ------------------------------------------------------------------ CLI

def _cli(test_settings, *args):
    command = [sys.executable, str(ROOT / "cli.py"), "query", *args]
    if args[0] not in ("list",):
        command += ["--data-dir", str(test_settings.data_dir), "--bolt-port", str(test_settings.bolt_port)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_query_list_json(test_settings):
    done = _cli(test_settings, "list", "--json")
    assert done.returncode == 0, done.stderr
    listed = {r["id"]: r for r in json.loads(done.stdout)}
    assert REQUIRED_IDS <= set(listed)
    assert listed["fund-flow-downstream"]["title"]["zh"] == "资金去向追踪"
    assert "max_hops" in [p["name"] for p in listed["fund-flow-downstream"]["parameters"]]


def test_cli_query_run_csv(demo, test_settings, tmp_path):
    out = tmp_path / "collect.csv"
    done = _cli(test_settings, "run", "collection-accounts", "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    planted = demo["collection_accounts"][0]
    assert rows[0]["account"] == planted["account"]
    assert int(rows[0]["payers"]) == planted["distinct_payer_accounts"]
    refused = _cli(test_settings, "cypher", "MATCH (n) DETACH DELETE n")
    assert refused.returncode == 1 and "refused" in refused.stderr and "Traceback" not in refused.stderr
    table = _cli(test_settings, "run", "entity-search", "--param", "text=扶贫")
    assert table.returncode == 0 and ORG in table.stdout

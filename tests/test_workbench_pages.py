"""The Overview, Reports and Load data pages with AppTest on the demo case (scale 1, seed 7),
against the session's real test server; and what a page does with no database."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.auth import Actor
from queries.registry import load_reports
from tests.conftest import ROOT

DEMO_FILES = ("registry.csv", "roster.csv", "events.csv", "leads.csv", "blacklist.csv",
              "bank_statements_gbk.csv", "bank_statements.xlsx")
ORG = "中华精准扶贫促进会"


@pytest.fixture(scope="module")
def demo(db, tmp_path_factory):
    """The demo case loaded into an emptied database (bank statements left out of the load
    and kept for the Load data page); yields (ground truth, folder)."""
    from demo.generate import generate_case
    from graph.admin import wipe
    from loaders.pipeline import load_file

    folder = tmp_path_factory.mktemp("demo-pages")
    generate_case(folder, scale=1, seed=7)
    wipe(db)
    for name in DEMO_FILES:
        report = load_file(db, folder / name, report_dir=folder / "load-reports")
        assert report.status == "loaded", (name, report.message)
    return json.loads((folder / "ground_truth.json").read_text(encoding="utf-8")), folder


@pytest.fixture()
def app_env(monkeypatch, neo4j_server, db):
    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password())
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_resource.clear()
    st.cache_data.clear()
    yield


def open_page(page: str | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if lang:
        at.session_state["lang_choice"] = lang
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join([e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.info]
                     + [e.value for e in at.error] + [e.value for e in at.warning] + [e.value for e in at.subheader])


# ------------------------------------------------------------------ overview

def test_overview_counts_the_demo(app_env, demo):
    truth, _ = demo
    at = open_page()
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["组织总数"].replace(",", "")) > len(truth["collection_accounts"])
    assert int(metrics["线索总数"].replace(",", "")) > 0
    assert metrics["银行流水总额"].startswith("¥") and metrics["银行流水总额"] != "¥0"
    frames = [df.value for df in at.dataframe]
    status = next(f for f in frames if "登记状态" in f.columns)
    assert {"正常", "未登记", "撤销"} <= set(status["登记状态"])
    district = next(f for f in frames if "区县" in f.columns)
    assert len(district) > 3 and district["数量"].sum() == int(metrics["组织总数"].replace(",", ""))
    channels = next(f for f in frames if "来源渠道" in f.columns and "最早" in f.columns)
    assert set(channels["来源渠道"]) <= {"举报投诉", "来信来访", "大数据平台"} and len(channels) >= 1
    assert "尚未运行筛查" in texts(at)  # no screening in this database: said, not hidden
    assert at.date_input(key="leads_since") is not None


def test_overview_counts_are_cached_and_cleared_after_a_load(app_env, demo, monkeypatch):
    import queries.overview as overview
    calls = []
    real = overview.counts
    monkeypatch.setattr(overview, "counts", lambda db: calls.append(1) or real(db))
    at = open_page()
    at.run()
    at.run()
    assert len(calls) == 1  # three runs, one round of count queries
    from views.common import clear_caches
    clear_caches()
    at.run()
    assert not at.exception and len(calls) == 2


def test_overview_in_english(app_env, demo):
    at = open_page(lang="English")
    labels = {m.label for m in at.metric}
    assert {"Organizations", "Leads", "All transfers"} <= labels
    assert "Social organizations" in texts(at)


def test_overview_shows_classes_and_dispositions_when_screening_wrote_them(app_env, demo, db):
    db.write("CREATE (:Finding {key: 'pages-test|x', rule: 'pages-test', notice_class: 6, subject_key: 'name:" + ORG
             + "', subject_label: 'Organization', run: 'r'}), (:DispositionChange {key: 'pages-test-d', org_key: 'name:"
             + ORG + "', seq: 1, disposition: '劝散', status: 'open', reason: 'x', user: 'u', at: datetime()})")
    try:
        at = open_page()
        frames = [df.value for df in at.dataframe]
        classes = next(f for f in frames if "类别名称" in f.columns)
        assert classes.loc[classes["类别"] == 6, "数量"].item() == 1
        assert "涉及资金量大、参与人数多" in set(classes["类别名称"])
        dispositions = next(f for f in frames if "处置" in f.columns)
        assert dispositions.loc[dispositions["处置"] == "劝散", "数量"].item() == 1
    finally:
        db.write("MATCH (n) WHERE n.key IN ['pages-test|x', 'pages-test-d'] DELETE n")


# ------------------------------------------------------------------ reports

def test_entity_picker_finds_a_chinese_name_and_the_report_runs(app_env, demo):
    at = open_page("views/reports.py")
    at.selectbox(key="report_choice_zh").set_value("org-profile").run()
    assert "组织的概况" in texts(at)  # the description in the interface language
    at.text_input(key="param-org-profile-org__q").set_value("扶贫").run()
    pick = at.selectbox(key="param-org-profile-org__pick_zh")
    assert any(o.startswith(ORG + " · 组织") for o in pick.options), pick.options  # name · label · detail
    pick.set_value("name:" + ORG).run()
    at.button(key="run-org-profile").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["name"]) == [ORG]


def test_report_form_has_date_pickers_and_select_boxes(app_env, demo):
    truth, _ = demo
    at = open_page("views/reports.py")
    at.selectbox(key="report_choice_zh").set_value("collection-accounts").run()
    assert at.date_input(key="param-collection-accounts-from").value.isoformat() == "2000-01-01"
    companies = at.selectbox(key="param-collection-accounts-include_companies_zh")
    assert companies.options == ["否", "是"] and companies.label.startswith("包括企业账户")
    assert at.number_input(key="param-collection-accounts-min_payers").value == 10
    at.button(key="run-collection-accounts").click().run()
    assert not at.exception, at.exception
    accounts = set(at.dataframe[0].value["account"])
    assert {c["account"] for c in truth["collection_accounts"]} <= accounts
    at.selectbox(key="report_choice_zh").set_value("shortest-path").run()
    types = at.multiselect(key="param-shortest-path-types_zh")
    shortest = next(p for p in load_reports()["shortest-path"].parameters if p.name == "types")
    assert "TRANSFER" in types.value and len(types.options) == len(shortest.choices) >= 16


def test_saved_query_runs_with_its_saved_parameters(app_env, demo, db):
    from queries.saved import delete_saved, save_report
    key = save_report(db, "**粗体** [链接](http://example.org)", "MATCH (o:Organization {key: $org}) RETURN o.name AS name",
                      {"org": "name:" + ORG}, Actor("pages-test", "analyst"))
    try:
        at = open_page("views/reports.py")
        expander = next(e for e in at.expander if "粗体" in e.label)
        assert "\\*\\*粗体\\*\\*" in expander.label and "\\[链接\\]" in expander.label  # shown as typed
        at.button(key=f"run-saved-{key}").click().run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        assert list(at.dataframe[0].value["name"]) == [ORG]
    finally:
        delete_saved(db, key, Actor("pages-test", "analyst"))


def test_report_parameters_in_english(app_env, demo):
    at = open_page("views/reports.py", lang="English")
    at.selectbox(key="report_choice_en").set_value("fund-flow-downstream").run()
    assert "Where the money went" in texts(at)
    assert at.number_input(key="param-fund-flow-downstream-max_hops").label == "Max hops"


# ------------------------------------------------------------------ load data

def test_load_page_previews_then_loads_with_history(app_env, clean_db, tmp_path):
    db = clean_db
    rows = ["名称,统一社会信用代码,登记状态,登记日期,法定代表人,住所",
            "重庆市测试页面协会,,未登记,,张三,重庆市渝中区解放碑1号",
            ",,正常,2020-01-01,李四,重庆市江北区1号",  # no name: rejected
            "重庆市错误日期协会,,正常,2019-02-30,赵六,重庆市北碚区3号",  # no such day: rejected
            "重庆市第二测试页面协会,,撤销,2019-02-28,王五,重庆市南岸区2号"]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    at = open_page("views/load.py")
    assert at.selectbox(key="load_kind_zh").value == "auto"
    at.file_uploader(key="load_upload").set_value(("registry-test.csv", data, "text/csv")).run()
    at.button(key="load_check_button").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["读取行数"] == "4" and metrics["拒收行数"] == "2"
    preview = next(df.value for df in at.dataframe if "将生成的节点和关系" in df.value.columns)
    assert list(preview["结果"]) == ["导入", "拒收", "拒收", "导入"]
    assert "重庆市测试页面协会" in preview["将生成的节点和关系"][0]
    assert "missing_value" in preview["问题"][1] and "2019-02-30" in preview["问题"][2]
    assert db.read("MATCH (o:Organization) WHERE o.name CONTAINS '测试页面' RETURN count(o) AS c")[0]["c"] == 0
    folder_used = at.session_state["load_folder"]
    at.button(key="load_go").click().run()
    assert not at.exception, at.exception
    assert any("已导入 2 行" in s.value for s in at.success)
    assert db.read("MATCH (o:Organization) WHERE o.name CONTAINS '测试页面' RETURN count(o) AS c")[0]["c"] == 2
    from pathlib import Path
    assert not Path(folder_used).exists()  # the upload is removed after the load
    history = next(df.value for df in at.dataframe if "SHA-256" in df.value.columns)
    assert "registry-test.csv" in set(history["文件"])
    row = history[history["文件"] == "registry-test.csv"].iloc[0]
    assert row["已导入"] == 2 and row["拒收行数"] == 2 and row["状态"] == "loaded"


def test_load_page_says_why_a_file_cannot_load(app_env, clean_db):
    at = open_page("views/load.py")
    at.file_uploader(key="load_upload").set_value(("notes.csv", "甲,乙\n1,2\n".encode(), "text/csv")).run()
    at.button(key="load_check_button").click().run()
    assert not at.exception, at.exception
    assert any("notes.csv" in e.value for e in at.error)


# ------------------------------------------------------------------ no database, empty database

def test_no_database_shows_how_to_start_it_and_starts_nothing(monkeypatch, tmp_path):
    from graph.server import free_port
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.setenv("ORGTRACE_DATA_DIR", str(tmp_path / "neo4j"))
    monkeypatch.setenv("ORGTRACE_BOLT_PORT", str(free_port()))
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_resource.clear()
    for page in (None, "views/reports.py", "views/load.py"):
        at = open_page(page)
        banner = at.error[0].value
        assert "未连接到数据库" in banner and "make run" in banner and "python cli.py server start" in banner
    assert not (tmp_path / "neo4j" / "server.json").exists()  # no server was started
    from core.settings import load_settings
    from graph.server import LocalServer
    assert LocalServer(load_settings()).pid() is None


def test_empty_database_prompts_for_the_demo(app_env, clean_db):
    for page in (None, "views/reports.py"):
        at = open_page(page)
        assert any("python cli.py demo" in i.value for i in at.info)

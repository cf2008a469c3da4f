"""The Cases page (views/cases.py) headless with AppTest against the real test server."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(600)

# provenance by reference: elements name their LoadRun, which holds the file and its SHA-256
_CASE = """
CREATE (:LoadRun {key: 'run-roster', file: 'roster.csv', sha256: '%(a)s', status: 'loaded'})
CREATE (:LoadRun {key: 'run-registry', file: 'registry.csv', sha256: '%(b)s', status: 'loaded'})
CREATE (:LoadRun {key: 'run-events', file: 'events.csv', sha256: '%(c)s', status: 'loaded'})
CREATE (:LoadRun {key: 'run-leads', file: 'leads.csv', sha256: '%(d)s', status: 'loaded'})
CREATE (o:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会', src_run: 'run-roster', src_row: 2,
                        load_runs: ['run-roster']})
CREATE (lawful:Organization {key: '51500000MJ0000001X', name: '中国中医药学会重庆联络中心', status: '正常',
                             src_run: 'run-registry', src_row: 2, load_runs: ['run-registry']})
CREATE (p:Person {key: 'np:张三|13800000000', name: '张三', phone: '13800000000'})
CREATE (q:Person {key: 'np:李四|13900000000', name: '李四'})
CREATE (p)-[:LEADS {role: '会长', load_runs: ['run-roster'], src_rows: [2]}]->(o)
CREATE (q)-[:MEMBER_OF {fee: 500.0}]->(o)
CREATE (q)-[:MEMBER_OF {fee: 500.0}]->(lawful)
CREATE (e:Event {key: 'e1', name: '2024年精准扶贫项目推介会', event_type: '会议', date: date('2024-03-01'),
                 participants: 1200, amount: 0.0, src_run: 'run-events', src_row: 2, load_runs: ['run-events']})
CREATE (o)-[:ORGANIZED]->(e)
CREATE (l:Lead {key: 'XS1', source: '举报投诉', received_on: date('2024-02-01'), summary: '反映中华精准扶贫促进会收取会费',
                src_run: 'run-leads', src_row: 2, load_runs: ['run-leads']})
CREATE (l)-[:CONCERNS]->(o)
""" % {k: k * 64 for k in "abcd"}

@pytest.fixture()
def app_env(monkeypatch, neo4j_server, clean_db):
    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password())
    monkeypatch.setenv("ORGTRACE_USER", "页面测试")
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_resource.clear()
    clean_db.write(_CASE)
    yield clean_db


def _page(lang_choice: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if lang_choice:
        at.session_state["lang_choice"] = lang_choice
    at.run()
    at.switch_page("views/cases.py").run()
    assert not at.exception, at.exception
    return at


def test_cases_page_screens_sets_a_disposition_and_exports(app_env):
    db = app_env
    at = _page()
    assert "还没有筛查结果" in at.info[0].value
    at.button(key="cases_run").click().run()
    assert not at.exception, at.exception
    assert "筛查完成" in at.success[0].value
    table = at.dataframe[0].value
    assert list(table["名称"]) == ["中华精准扶贫促进会"]  # the lawful 中国… organization is not listed
    row = table.iloc[0]
    assert row["重点类别"] == "1;3;6" and "名称使用国家战略字样" in row["理由"]
    # a disposition with a reason, recorded with the acting user, kept as history
    at.selectbox(key="cases_to").set_value("ban")
    at.text_area(key="cases_reason").set_value("证据确凿，依法取缔")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception, at.exception
    assert "页面测试" in at.success[-1].value
    hist = db.read("MATCH (d:DispositionChange) RETURN d.user AS u, d.reason AS r, d.disposition AS d")
    assert hist == [{"u": "页面测试", "r": "证据确凿，依法取缔", "d": "ban"}]
    # an empty reason is refused with a sentence
    at.text_area(key="cases_reason").set_value("")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert "reason" in at.error[0].value
    # exports: the public list and the briefing are offered for download
    at.button(key="public_prepare").click().run()
    assert not at.exception, at.exception
    at.button(key="brief_prepare").click().run()
    assert not at.exception, at.exception
    downloads = [e for e in at.get("download_button")]
    assert len(downloads) >= 1


def test_cases_page_in_english(app_env):
    at = _page("English")
    at.button(key="cases_run").click().run()
    assert not at.exception, at.exception
    assert "Screening done" in at.success[0].value
    table = at.dataframe[0].value
    assert "Name uses a national strategy" in table.iloc[0]["Reasons"]

"""Streamlit pages run headless with AppTest against the real test server."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture()
def app_env(monkeypatch, neo4j_server, db):
    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password())
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_resource.clear()
    st.cache_data.clear()
    yield


def test_overview_shows_connection_and_counts(app_env, clean_db):
    clean_db.write("CREATE (:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会'})")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert "OrgTrace" in at.title[0].value
    connection = at.caption[0].value
    assert "数据库 neo4j" in connection and "Neo4j 5.26" in connection
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["组织总数"] == "1" and metrics["未登记、撤销、注销或筹备"] == "1"
    nodes = next(df.value for df in at.dataframe if "类型" in df.value.columns)
    assert nodes.loc[nodes["类型"] == "组织", "数量"].item() == 1


def test_english_toggle(app_env, clean_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    # AppTest drops the frame's widgets on a rerun under st.navigation, so the toggle is
    # driven through its session-state key (the browser tests click it for real).
    at.session_state["lang_choice"] = "English"
    at.run()
    assert not at.exception
    assert "Connected" in at.caption[0].value and "Neo4j 5.26" in at.caption[0].value
    assert "The database is empty" in at.info[0].value


def test_unreachable_database_is_a_sentence(monkeypatch, app_env):
    from graph.server import free_port
    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{free_port()}")
    import streamlit as st
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "No Neo4j answers" in at.error[0].value


def _reports_page(clean_db):
    clean_db.write("CREATE (:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会', status: '撤销'})")
    clean_db.write("CALL db.awaitIndexes(60)")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("views/reports.py").run()
    assert not at.exception, at.exception
    return at


def test_reports_page_runs_a_library_report(app_env, clean_db):
    at = _reports_page(clean_db)
    at.selectbox[0].set_value("entity-search").run()
    at.text_input[0].set_value("扶贫")
    at.button[0].click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert "中华精准扶贫促进会" in set(table["name"])


def test_reports_page_refuses_a_write_as_a_sentence(app_env, clean_db):
    at = _reports_page(clean_db)
    at.text_area(key="adhoc_cypher").set_value("MATCH (n) DETACH DELETE n")
    at.button(key="adhoc_run").click().run()
    assert not at.exception
    assert "refused" in at.error[0].value
    assert clean_db.read("MATCH (n:Organization) RETURN count(n) AS c")[0]["c"] == 1


def test_reports_page_shows_truncation(app_env, clean_db):
    at = _reports_page(clean_db)
    clean_db.write("UNWIND range(1, 30) AS i CREATE (:Phone {key: toString(i)})")
    at.text_area(key="adhoc_cypher").set_value("MATCH (p:Phone) RETURN p.key AS k")
    at.number_input(key="adhoc_limit").set_value(10)
    at.button(key="adhoc_run").click().run()
    assert not at.exception
    assert "truncated" in at.warning[0].value or "截断" in at.warning[0].value
    assert len(at.dataframe[0].value) == 10


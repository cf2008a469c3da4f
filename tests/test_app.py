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
    yield


def test_overview_shows_connection_and_counts(app_env, clean_db):
    clean_db.write("CREATE (:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会'})")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert "OrgTrace" in at.title[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["数据库"] == "neo4j" and metrics["服务器版本"].startswith("5.26")
    nodes = at.dataframe[0].value
    assert nodes.loc[nodes["类型"] == "组织", "数量"].item() == 1


def test_english_toggle(app_env, clean_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    # AppTest drops the frame's widgets on a rerun under st.navigation, so the toggle is
    # driven through its session-state key (the browser tests click it for real).
    at.session_state["lang_choice"] = "English"
    at.run()
    assert not at.exception
    assert any(m.label == "Server version" for m in at.metric)
    assert "The database is empty" in at.info[0].value


def test_unreachable_database_is_a_sentence(monkeypatch, app_env):
    from graph.server import free_port
    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{free_port()}")
    import streamlit as st
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "No Neo4j answers" in at.error[0].value

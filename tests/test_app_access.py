"""The workbench with accounts (AppTest against the real test server): a login before any
data shows, each role's limits on the pages, the admin's audit page, idle expiry."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from access.audit import AuditLog
from access.users import UserStore, local_actor
from tests.conftest import ROOT

ID = "500101198001011234"


@pytest.fixture()
def accounts(monkeypatch, tmp_path, neo4j_server, clean_db):
    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password())
    monkeypatch.setenv("ORGTRACE_STATE_DIR", str(tmp_path))
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_resource.clear()
    store = UserStore(tmp_path)
    store.add(local_actor("setup"), "boss", "admin", "boss-password")
    boss = store.authenticate("boss", "boss-password")
    store.add(boss, "ann", "analyst", "ann-password")
    store.add(boss, "vic", "viewer", "vic-password")
    clean_db.write("CREATE (:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会', status: '撤销'})")
    clean_db.write("CREATE (:Person {key: 'id:' + $id, name: '张伟扶贫', id_number: $id})", {"id": ID})
    clean_db.write("CALL db.awaitIndexes(60)")
    clean_db.write("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()")
    return tmp_path


def login(name: str, password: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert not at.metric and not at.dataframe  # nothing shows before the login
    at.text_input(key="login_name").set_value(name)
    at.text_input(key="login_password").set_value(password or f"{name}-password")
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_login_is_asked_before_any_data(accounts):
    at = login("vic", "wrong-password")
    assert "wrong" in at.error[0].value or "错误" in at.error[0].value
    assert not at.metric
    assert AuditLog(accounts).find(action="login.failed")[-1]["details"]["name"] == "vic"
    at = login("vic")
    assert any(m.label == "组织总数" for m in at.metric)  # the overview's data
    assert AuditLog(accounts).find(action="login")[-1]["user"] == "vic"


def test_idle_session_expires(accounts):
    at = login("ann")
    assert at.metric
    at.session_state["actor_seen"] = 0.0  # last seen long ago
    at.run()
    assert not at.metric and at.text_input(key="login_name") is not None
    assert "过期" in at.info[0].value or "未操作" in at.info[0].value


def _reports(at: AppTest) -> AppTest:
    at.switch_page("views/reports.py").run()
    assert not at.exception, at.exception
    return at


def test_viewer_reads_masked_reports_but_no_cypher_no_evidence(accounts):
    at = _reports(login("vic"))
    at.selectbox[0].set_value("entity-search").run()
    at.text_input[0].set_value("张伟扶贫")
    at.button[0].click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert ID not in " ".join(map(str, table["key"])) and "500***********1234" in " ".join(map(str, table["key"]))
    assert not [e for e in at.expander if "证据" in e.label]  # no evidence package for viewers
    at.text_area(key="adhoc_cypher").set_value("MATCH (n) RETURN n.id_number AS id")
    at.button(key="adhoc_run").click().run()
    assert "may not" in at.error[0].value
    run = AuditLog(accounts).find(user="vic", action="report.run")[-1]
    assert run["details"]["report"] == "entity-search" and run["details"]["rows"] >= 1


@pytest.mark.parametrize("name", ["vic", "ann"])
def test_viewer_and_analyst_cannot_open_the_audit_page(accounts, name):
    at = login(name)
    try:
        at.switch_page("views/audit.py").run()
    except Exception:  # not in a viewer's navigation at all
        return
    assert at.error and "may not" in at.error[0].value
    assert not at.dataframe


def test_analyst_sees_full_values_runs_cypher_and_gets_the_evidence_button(accounts):
    at = _reports(login("ann"))
    at.selectbox[0].set_value("entity-search").run()
    at.text_input[0].set_value("张伟扶贫")
    at.button[0].click().run()
    assert ID in " ".join(map(str, at.dataframe[0].value["key"]))
    assert [e for e in at.expander if "证据" in e.label]
    at.text_area(key="adhoc_cypher").set_value("MATCH (p:Person) RETURN p.id_number AS id")
    at.button(key="adhoc_run").click().run()
    assert not at.error and at.dataframe[-1].value["id"].tolist() == [ID]


def test_admin_audit_page_verifies_the_chain(accounts):
    at = login("boss")
    at.switch_page("views/audit.py").run()
    assert not at.exception, at.exception
    assert "intact" in at.success[0].value or "完整" in at.success[0].value
    assert "login" in set(at.dataframe[0].value["action"])

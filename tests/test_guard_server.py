"""Issue 9 §1 against the real server: no query reads server files or settings.

Each bypass is tried through every way a query reaches Neo4j: the server's own check alone
(``EXPLAIN`` and the plan, without the tokenizer), ``run_cypher``, saving a report, running a
saved report that is already in the database (as if stored by an older version), the
Reports page and the ``query cypher`` command line. And the local server itself refuses
LOAD CSV from file URLs, even over a plain driver connection.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

from core.auth import Actor  # noqa: E402
from core.errors import QueryError, QueryRefused  # noqa: E402
from queries.runner import check_plan_on_server, run_cypher  # noqa: E402

PASSWD = "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r[0] AS line LIMIT 3"

# Statements the server plans (valid Cypher) that must be refused.
BYPASSES = {
    "cr-load-csv": f"WITH 1 AS x //\r{PASSWD}",
    "crlf-load-csv": f"WITH 1 AS x //\r\n{PASSWD}",
    "lf-load-csv": f"WITH 1 AS x //\n{PASSWD}",
    "escape-newline-load-csv": f"WITH 1 AS x //\\u000a{PASSWD}",
    "escape-letter-load-csv": "WITH 1 AS x \\u004cOAD CSV FROM 'file:///etc/passwd' AS r RETURN r[0] AS line",
    "nested-comment-load-csv": f"WITH 1 AS x /* /* */ {PASSWD}",
    "subquery-load-csv": "CALL () { LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r } RETURN r[0] AS line",
    "show-settings": "SHOW //\rSETTINGS YIELD *",
    "show-settings-filtered": "SHOW //\rSETTINGS YIELD name, value WHERE name CONTAINS 'import' RETURN name, value",
    "show-users": "SHOW //\rUSERS",
    "show-current-user": "SHOW //\rCURRENT USER",
    "show-databases": "SHOW //\rDATABASES",
    "show-transactions": "SHOW //\rTRANSACTIONS",
    "terminate-transactions": "TERMINATE //\rTRANSACTIONS 'neo4j-transaction-1'",
    "list-config": "CALL //\rdbms.listConfig()",
    "show-current-user-proc": "CALL //\rdbms.showCurrentUser()",
    "clear-caches": "CALL //\rdb.clearQueryCaches()",
    "concurrent-transactions": "UNWIND [1, 2] AS x CALL (x) { MATCH (n) RETURN count(n) AS c } "
                               "IN (1 + 1) CONCURRENT TRANSACTIONS OF 1 ROW RETURN c",
    "concurrent-transactions-bare": "UNWIND [1] AS x CALL (x) { MATCH (n) RETURN count(n) AS c } "
                                    "IN CONCURRENT TRANSACTIONS RETURN c",
    "write-behind-cr": "MATCH (n) //\rSET n.pwned = true RETURN n",
    "use-system": "USE //\rsystem CALL db.labels()",
}
# Line terminators Neo4j does not end a // comment at: the rest is a comment to the server
# (so these fail as incomplete statements there) and is refused by the tokenizer here.
NOT_TERMINATORS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c"]


def _no_rows(call) -> QueryError:
    with pytest.raises(QueryError) as info:
        call()
    return info.value


@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_the_server_check_alone_refuses_every_bypass(db, name):
    """Without the tokenizer: EXPLAIN's plan is what refuses."""
    with pytest.raises(QueryRefused):
        check_plan_on_server(db, BYPASSES[name])


@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_run_cypher_and_saved_reports_refuse_every_bypass(db, name):
    from queries.saved import run_saved, save_report

    cypher = BYPASSES[name]
    assert isinstance(_no_rows(lambda: run_cypher(db, cypher)), QueryRefused)
    with pytest.raises(QueryRefused):
        save_report(db, "bypass", cypher, {}, Actor("mallory", "analyst"))
    # A saved report already in the database (stored before this check existed, or by hand)
    key = f"bypass-{name}"
    db.write("MERGE (s:SavedReport {key: $key}) SET s.title = $key, s.cypher = $cypher, "
             "s.parameters = '{}', s.owner = 'mallory'", {"key": key, "cypher": cypher})
    try:
        assert isinstance(_no_rows(lambda: run_saved(db, key)), QueryRefused)
    finally:
        db.write("MATCH (s:SavedReport {key: $key}) DELETE s", {"key": key})


@pytest.mark.parametrize("end", NOT_TERMINATORS, ids=[repr(t) for t in NOT_TERMINATORS])
def test_other_line_terminators_never_run_what_follows(db, end):
    cypher = f"WITH 1 AS x //{end}{PASSWD}"
    _no_rows(lambda: run_cypher(db, cypher))
    _no_rows(lambda: check_plan_on_server(db, cypher))  # an incomplete statement to the server


def test_read_only_queries_still_pass_the_server_check(db):
    for cypher in ("SHOW INDEXES", "SHOW CONSTRAINTS", "SHOW PROCEDURES", "CALL db.labels()",
                   "CALL dbms.components() YIELD name RETURN name",
                   "MATCH (n) RETURN count(n) AS c",
                   "WITH [1, 2] AS transactions RETURN [t IN transactions | t * 2] AS doubled",
                   "MATCH (n) CALL (n) { MATCH (n)--(m) RETURN count(m) AS c } RETURN n, c LIMIT 1"):
        check_plan_on_server(db, cypher)
    assert run_cypher(db, "CALL dbms.components() YIELD name RETURN name").rows


@pytest.mark.parametrize("cypher", [
    "MATCH (n) RETURN count(n) AS c; // x",
    "MATCH (n) RETURN count(n) AS c;  /* x */ // y\r",
    "MATCH (n) RETURN count(n) AS c;\n",
    "CALL db.labels(); // streamed, not wrapped",
])
def test_a_final_semicolon_and_comment_run_as_the_statement(db, cypher):
    result = run_cypher(db, cypher)
    assert ";" not in result.cypher and "//" not in result.cypher


def test_server_errors_keep_the_users_positions_and_a_readable_length(db):
    error = _no_rows(lambda: run_cypher(db, "MATCH (n) RETURN n LIMIT"))
    assert "line 1, column 25" in str(error)
    long = "MATCH (n) WHERE n.name = 'a' " + "AND n.x = 1 " * 800 + "RETURN n LIMIT"
    assert len(str(_no_rows(lambda: run_cypher(db, long)))) < 400


# ------------------------------------------------------------------ the local server itself

def test_local_server_refuses_load_csv_from_file_urls_over_a_plain_driver(neo4j_server):
    from neo4j import READ_ACCESS, GraphDatabase
    from neo4j.exceptions import Neo4jError

    with GraphDatabase.driver(neo4j_server.uri, auth=("neo4j", neo4j_server.password())) as driver:
        for url in ("file:///etc/passwd", neo4j_server.password_file.as_uri(), "passwd"):
            with driver.session(default_access_mode=READ_ACCESS) as session:
                with pytest.raises(Neo4jError) as info:
                    session.run(f"LOAD CSV FROM '{url}' AS r RETURN r LIMIT 1").data()
            text = str(info.value)
            assert "allow_csv_import_from_file_urls" in text or "Invalid URL" in text, text
    assert not any(neo4j_server.import_dir.iterdir())


# ------------------------------------------------------------------ the command line

def _cli(test_settings, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "cli.py"), "query", *args,
               "--data-dir", str(test_settings.data_dir), "--bolt-port", str(test_settings.bolt_port)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", ["cr-load-csv", "escape-letter-load-csv", "show-settings",
                                  "list-config", "show-users", "concurrent-transactions"])
def test_cli_refuses_the_bypasses_with_a_sentence(test_settings, db, name):
    done = _cli(test_settings, "cypher", BYPASSES[name])
    assert done.returncode == 1
    assert done.stderr.startswith("Error: The query was refused because"), done.stderr
    assert "Traceback" not in done.stderr and "root:" not in done.stdout


def test_cli_reads_the_password_file_nowhere(test_settings, neo4j_server, db):
    secret = neo4j_server.password()
    url = neo4j_server.password_file.as_uri()
    for cypher in (f"WITH 1 AS x //\rLOAD CSV FROM '{url}' AS r RETURN r[0] AS line",
                   "SHOW //\rSETTINGS YIELD name, value RETURN name, value"):
        done = _cli(test_settings, "cypher", cypher)
        assert done.returncode == 1 and secret not in done.stdout + done.stderr
    saved = _cli(test_settings, "save", "--title", "x", f"WITH 1 AS x //\rLOAD CSV FROM '{url}' AS r RETURN r")
    assert saved.returncode == 1 and "refused" in saved.stderr


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "1e9", "soon"])
def test_cli_timeout_out_of_range_is_a_sentence(test_settings, db, value):
    done = _cli(test_settings, "cypher", "RETURN 1 AS one", f"--timeout={value}")
    assert done.returncode in (1, 2), done.stderr  # argparse refuses 'soon' itself (exit 2)
    assert "Traceback" not in done.stderr
    if done.returncode == 1:
        assert "seconds above 0 and at most 600" in done.stderr


def test_cli_limit_above_the_cap_says_what_the_cap_is(test_settings, db):
    from queries.registry import MAX_ROW_CAP

    done = _cli(test_settings, "cypher", f"UNWIND range(1, {MAX_ROW_CAP + 5}) AS i RETURN i",
                "--limit", str(MAX_ROW_CAP * 5))
    assert done.returncode == 0, done.stderr
    assert f"above the cap of {MAX_ROW_CAP:,} rows" in done.stderr
    assert f"truncated at {MAX_ROW_CAP:,} rows" in done.stdout and "raise --limit" not in done.stdout
    small = _cli(test_settings, "cypher", "UNWIND range(1, 20) AS i RETURN i", "--limit", "5")
    assert "raise --limit, at most" in small.stdout
    for bad in ("0", "-3"):
        refused = _cli(test_settings, "cypher", "RETURN 1 AS one", "--limit", bad)
        assert refused.returncode == 1 and "whole number from 1 to" in refused.stderr


# ------------------------------------------------------------------ the Reports page

@pytest.fixture()
def reports_page(monkeypatch, neo4j_server, clean_db):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password())
    monkeypatch.chdir(ROOT)
    import streamlit as st
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("views/reports.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("name", ["cr-load-csv", "show-settings", "list-config"])
def test_reports_page_refuses_the_bypasses(reports_page, name):
    at = reports_page
    at.text_area(key="adhoc_cypher").set_value(BYPASSES[name])
    at.button(key="adhoc_run").click().run()
    assert not at.exception
    assert "refused" in at.error[0].value
    assert not at.dataframe


def test_reports_page_saved_tab_refuses_a_stored_bypass_and_shows_its_title_as_text(reports_page, clean_db):
    title = "**bold** [link](http://x.invalid) :red[red] $x^2$ <b>b</b>"
    clean_db.write("CREATE (:SavedReport {key: 'evil', title: $title, cypher: $cypher, parameters: '{}', "
                   "owner: 'mallory', created_at: datetime()})",
                   {"title": title, "cypher": BYPASSES["cr-load-csv"]})
    at = reports_page.run()
    labels = [e.label for e in at.expander]
    shown = next(label for label in labels if "bold" in label)
    from views.markdown import plain_text

    assert shown.startswith(plain_text(title))
    at.button(key="run-saved-evil").click().run()
    assert not at.exception
    assert any("refused" in e.value for e in at.error)
    assert not at.dataframe


@pytest.mark.parametrize("params", [{"n": 10 ** 30}, {"n": {"a": [-(10 ** 20)]}}, {"n": float("nan")}])
def test_parameter_values_neo4j_cannot_hold_are_sentences(db, params):
    from queries.saved import save_report

    assert "parameter 'n'" in str(_no_rows(lambda: run_cypher(db, "RETURN $n AS n", params)))
    with pytest.raises(QueryError, match="parameter 'n'"):
        save_report(db, "t", "RETURN $n AS n", params, Actor("alice", "analyst"))


def test_report_parameter_messages_quote_long_values_cut(db):
    from queries.registry import load_reports
    from queries.runner import run_report

    error = _no_rows(lambda: run_report(db, load_reports()["collection-accounts"], {"min_payers": "9" * 5000}))
    assert len(str(error)) < 300 and "…" in str(error)


def test_cli_query_run_of_a_stored_bypass_is_refused(test_settings, db):
    db.write("MERGE (s:SavedReport {key: 'cli-bypass'}) SET s.title = 'x', s.cypher = $cypher, "
             "s.parameters = '{}', s.owner = 'mallory'", {"cypher": BYPASSES["cr-load-csv"]})
    try:
        done = _cli(test_settings, "run", "cli-bypass")
    finally:
        db.write("MATCH (s:SavedReport {key: 'cli-bypass'}) DELETE s")
    assert done.returncode == 1 and "refused" in done.stderr and "root:" not in done.stdout

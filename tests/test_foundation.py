"""The foundation against real Neo4j servers: lifecycle, schema, search, errors, CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from neo4j import GraphDatabase

from core.errors import AuthenticationFailed, ConfigError, DatabaseUnavailable
from core.settings import load_settings
from graph import admin, schema
from graph.connection import connect
from graph.server import LocalServer, free_port, neo4j_version
from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(600)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=400)


def test_lifecycle_persistence_and_side_by_side(tmp_path, neo4j_server):
    """start, second start is a no-op, status, stop, restart keeps data; runs beside the
    session's test server (two servers, two data dirs, two ports)."""
    data_dir, port = tmp_path / "second", free_port()
    started = run_cli("server", "start", "--data-dir", str(data_dir), "--bolt-port", str(port))
    assert started.returncode == 0, started.stderr
    assert f"bolt://127.0.0.1:{port}" in started.stdout
    try:
        again = run_cli("server", "start", "--data-dir", str(data_dir), "--bolt-port", str(port))
        assert again.returncode == 0 and "already running" in again.stdout

        status = json.loads(run_cli("server", "status", "--data-dir", str(data_dir), "--json").stdout)
        assert set(status) == {"running", "uri", "user", "version", "data_dir", "pid", "password_file"}
        assert status["running"] is True and status["uri"] == f"bolt://127.0.0.1:{port}"
        assert status["version"] == neo4j_version()
        mode = stat.S_IMODE(os.stat(status["password_file"]).st_mode)
        assert mode == 0o600, oct(mode)
        password = open(status["password_file"]).read().strip()

        with GraphDatabase.driver(status["uri"], auth=("neo4j", password)) as drv:
            version = drv.execute_query("CALL dbms.components() YIELD versions RETURN versions[0] AS v",
                                        database_="neo4j").records[0]["v"]
            assert version.startswith("5.26.")
            drv.execute_query("CREATE (:Organization {key: 'k1', name: '重庆市测试协会'})", database_="neo4j")

        # the session's server is a different store on a different port
        with GraphDatabase.driver(neo4j_server.uri, auth=("neo4j", neo4j_server.password())) as other:
            found = other.execute_query("MATCH (o:Organization {key: 'k1'}) RETURN count(o) AS c",
                                        database_="neo4j").records[0]["c"]
            assert found == 0

        stopped = run_cli("server", "stop", "--data-dir", str(data_dir))
        assert stopped.returncode == 0 and "stopped" in stopped.stdout
        status = json.loads(run_cli("server", "status", "--data-dir", str(data_dir), "--json").stdout)
        assert status["running"] is False and status["pid"] is None
        assert "not running" in run_cli("server", "stop", "--data-dir", str(data_dir)).stdout

        restarted = run_cli("server", "start", "--data-dir", str(data_dir))
        assert restarted.returncode == 0, restarted.stderr
        assert f"bolt://127.0.0.1:{port}" in restarted.stdout  # the port is remembered
        with GraphDatabase.driver(status["uri"], auth=("neo4j", password)) as drv:
            names = drv.execute_query("MATCH (o:Organization) RETURN o.name AS n", database_="neo4j").records
            assert [r["n"] for r in names] == ["重庆市测试协会"]
    finally:
        run_cli("server", "stop", "--data-dir", str(data_dir))


def test_init_is_idempotent_and_creates_every_key_constraint(db):
    admin.init_db(db)
    admin.init_db(db)
    constraints = db.read("SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties")
    unique = {(c["labelsOrTypes"][0], c["properties"][0]) for c in constraints
              if c["type"] in ("UNIQUENESS", "RELATIONSHIP_UNIQUENESS")}
    expected = {(n.label, n.key) for n in schema.NODES} | {(r.type, r.key) for r in schema.RELATIONSHIPS if r.key}
    assert expected <= unique
    indexes = {i["name"] for i in db.read("SHOW INDEXES YIELD name")}
    assert schema.FULLTEXT_INDEX in indexes
    assert {"organization_name", "organization_status", "organization_region",
            "transfer_time", "transfer_amount"} <= indexes


def test_chinese_fulltext_search(clean_db):
    clean_db.write("CREATE (:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会'}), "
                   "(:Organization {key: 'name:重庆市书法家协会', name: '重庆市书法家协会'})")
    clean_db.write("CALL db.awaitIndexes(60)")
    admin.refresh_search_index(clean_db)   # the index is eventually consistent
    rows = clean_db.read(f"CALL db.index.fulltext.queryNodes('{schema.FULLTEXT_INDEX}', $q) "
                         "YIELD node RETURN node.name AS name", {"q": "扶贫"})
    assert [r["name"] for r in rows] == ["中华精准扶贫促进会"]


def test_stats_and_wipe(clean_db):
    clean_db.write("CREATE (:Person {key: 'p1', name: '张三'})-[:HOLDS]->(:BankAccount {key: 'A1'})")
    counts = admin.stats(clean_db)
    assert counts["nodes"]["Person"] == 1 and counts["relationships"]["HOLDS"] == 1
    assert counts["total"] == {"nodes": 2, "relationships": 1}
    admin.wipe(clean_db)
    assert admin.stats(clean_db)["total"] == {"nodes": 0, "relationships": 0}
    # the schema survives a wipe
    assert any(c["name"] for c in clean_db.read("SHOW CONSTRAINTS YIELD name"))


def test_wrong_password_is_a_sentence(neo4j_server):
    settings = load_settings({"NEO4J_URI": neo4j_server.uri, "NEO4J_PASSWORD": "wrong"})
    with pytest.raises(AuthenticationFailed, match="refused user 'neo4j'"):
        connect(settings)


def test_wrong_port_is_a_sentence():
    settings = load_settings({"NEO4J_URI": f"bolt://127.0.0.1:{free_port()}", "NEO4J_PASSWORD": "x"})
    with pytest.raises(DatabaseUnavailable, match="No Neo4j answers"):
        connect(settings)


def test_cli_errors_are_sentences_not_tracebacks():
    result = run_cli("db", "stats", env={"NEO4J_URI": f"neo4j://127.0.0.1:{free_port()}", "NEO4J_PASSWORD": "x"})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: No Neo4j answers") and "Traceback" not in result.stderr


def test_uri_schemes_and_missing_password():
    with pytest.raises(ConfigError, match="not a Neo4j address"):
        connect(load_settings({"NEO4J_URI": "http://127.0.0.1:7474", "NEO4J_PASSWORD": "x"}))
    with pytest.raises(ConfigError, match="NEO4J_PASSWORD is not"):
        connect(load_settings({"NEO4J_URI": "neo4j+s://example.invalid"}))


def test_neo4j_scheme_works_against_the_local_server(neo4j_server):
    """neo4j:// (routing) is what a cluster or Aura uses; it works on a single server too."""
    uri = neo4j_server.uri.replace("bolt://", "neo4j://")
    settings = load_settings({"NEO4J_URI": uri, "NEO4J_PASSWORD": neo4j_server.password()})
    with connect(settings) as graph:
        assert graph.server_version().startswith("5.26")


def test_missing_or_old_java_is_one_sentence(tmp_path, monkeypatch):
    from core.errors import PrerequisiteError
    from graph.server import check_prerequisites

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrerequisiteError, match="Java 17 or newer.*NEO4J_URI"):
        check_prerequisites(load_settings({"PATH": str(tmp_path)}))

    fake_home = tmp_path / "jdk11"
    (fake_home / "bin").mkdir(parents=True)
    fake_java = fake_home / "bin" / "java"
    fake_java.write_text('#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n')
    fake_java.chmod(0o755)
    with pytest.raises(PrerequisiteError, match="Java 11 is too old.*NEO4J_URI"):
        check_prerequisites(load_settings({"JAVA_HOME": str(fake_home)}))


def test_data_model_page_is_generated_from_the_schema():
    page = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert page == schema.markdown(), "regenerate with: python cli.py db schema --markdown > docs/data-model.md"

"""No half loads: the database process is killed in the middle of a load; the load
reports failure as a sentence, and loading again converges to exactly the state of one
clean load (compared with a clean load of the same file on the session's server)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.settings import load_settings
from graph import admin
from graph.connection import connect
from graph.server import LocalServer, free_port
from loaders.pipeline import load_file
from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(900)

LOADER = """
import json, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from core.settings import load_settings
from graph.connection import connect
from loaders.pipeline import load_file
settings = load_settings().with_local_server(data_dir={data_dir!r})
db = connect(settings, start_local=False)
report = load_file(db, Path({file!r}), report_dir=Path({reports!r}), chunk_rows=500)
print(json.dumps(report.as_dict(), ensure_ascii=False))
"""


def fingerprint(db) -> str:
    """Everything a load writes, LoadRun bookkeeping (attempt times) aside."""
    nodes = db.read("MATCH (n) WHERE NOT n:LoadRun RETURN labels(n) AS l, n { .* } AS p ORDER BY n.key")
    rels = db.read("MATCH (a)-[r]->(b) RETURN type(r) AS t, a.key AS a, b.key AS b, r { .* } AS p "
                   "ORDER BY t, a, b, r.tx_key")
    runs = db.read("MATCH (r:LoadRun) RETURN r.key AS k, r.status AS s, r.read AS read, r.loaded AS loaded, "
                   "r.rejected AS rejected ORDER BY k")
    text = json.dumps([nodes, rels, runs], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def bank_file(tmp_path_factory):
    from demo.generate import generate_case

    out = tmp_path_factory.mktemp("demo-small")
    generate_case(out, scale=0.5, seed=11)
    return out / "bank_statements_gbk.csv"


def test_killed_database_then_retry_equals_clean_load(bank_file, clean_db, tmp_path):
    reference = load_file(clean_db, bank_file, report_dir=tmp_path / "ref", chunk_rows=500)
    assert reference.status == "loaded"
    expected = fingerprint(clean_db)

    settings = load_settings().with_local_server(data_dir=tmp_path / "victim", bolt_port=free_port())
    server = LocalServer(settings)
    server.start()
    try:
        with connect(settings, start_local=False) as db:
            admin.init_db(db)
            script = LOADER.format(root=str(ROOT), data_dir=str(server.data_dir), file=str(bank_file),
                                   reports=str(tmp_path / "r1"))
            loader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=dict(os.environ))
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if db.read("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS c")[0]["c"] > 0:
                    break
                time.sleep(0.1)
            else:
                pytest.fail("the load never committed a first chunk")
            os.kill(server.pid(), signal.SIGKILL)   # the database goes away mid-load
            out, err = loader.communicate(timeout=300)
        report = json.loads(out)
        assert report["status"] == "failed", report
        assert "connection was lost" in report["message"] and "load the file again" in report["message"]
        # 'loaded' counts chunks whose commit was acknowledged; the kill may land between a
        # commit and its acknowledgement, so the database is checked for the partial state below.
        assert report["loaded"] < reference.loaded
        assert "Traceback" not in err

        server.start()   # Neo4j recovers its store from the transaction log
        with connect(settings, start_local=False) as db:
            partial = db.read("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS c")[0]["c"]
            assert 0 < partial < admin.stats(clean_db)["relationships"]["TRANSFER"]
            assert db.read("MATCH (r:LoadRun) RETURN r.status AS s")[0]["s"] == "running"
            retry = load_file(db, bank_file, report_dir=tmp_path / "r2", chunk_rows=500)
            assert retry.status == "loaded" and retry.loaded == reference.loaded
            assert fingerprint(db) == expected
            attempts = db.read("MATCH (r:LoadRun) RETURN r.attempts AS a")[0]["a"]
            assert any("interrupted" in a for a in attempts)
    finally:
        server.stop()


def test_unexpected_failure_marks_the_run_failed_then_retry_equals_clean_load(bank_file, clean_db, neo4j_server,
                                                                              tmp_path, monkeypatch, capsys):
    """Issue 9 §2: a failure that is no file's fault (a defect) in the middle of a load ends
    in a report (text and JSON, no traceback), the LoadRun says 'failed' with the reason,
    and loading again converges to exactly one clean load."""
    from commands import load as load_command
    from loaders.mapping import Mapping

    reference = load_file(clean_db, bank_file, report_dir=tmp_path / "ref", chunk_rows=500)
    expected = fingerprint(clean_db)
    admin.wipe(clean_db)

    apply = Mapping.apply

    def failing(self, row_number, raw, found, scope):
        if row_number == 6001:
            raise RuntimeError("simulated defect")
        return apply(self, row_number, raw, found, scope)

    from loaders.columnar import StatementPlan

    apply_chunk = StatementPlan.apply_chunk

    def failing_chunk(self, chunk, found, scope):   # the column-wise path meets the same defect
        if any(row_number == 6001 for row_number, _ in chunk):
            raise RuntimeError("simulated defect")
        return apply_chunk(self, chunk, found, scope)

    monkeypatch.setattr(Mapping, "apply", failing)
    monkeypatch.setattr(StatementPlan, "apply_chunk", failing_chunk)
    monkeypatch.setenv("NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server.password())
    import argparse
    args = argparse.Namespace(files=[str(bank_file)], kind=None, mapping=None, dry_run=False, json=True, sheet=None,
                              report_dir=tmp_path / "r1", data_dir=None, bolt_port=None)
    assert load_command.run(args) == 1
    [report] = json.loads(capsys.readouterr().out)["files"]
    assert report["status"] == "failed" and "unexpected error" in report["message"]
    assert "RuntimeError: simulated defect" in report["message"] and "load the file again" in report["message"]
    run = clean_db.read("MATCH (r:LoadRun) RETURN r.status AS s, r.message AS m")
    assert run[0]["s"] == "failed" and "simulated defect" in run[0]["m"]
    partial = clean_db.read("MATCH ()-[t:TRANSFER]->() RETURN count(t) AS c")[0]["c"]
    assert partial > 0   # the chunks before the failure were written

    args.json = False
    assert load_command.run(args) == 1
    text = capsys.readouterr().out
    assert "FAILED" in text and "simulated defect" in text and "Traceback" not in text

    monkeypatch.setattr(Mapping, "apply", apply)
    monkeypatch.setattr(StatementPlan, "apply_chunk", apply_chunk)
    retry = load_file(clean_db, bank_file, report_dir=tmp_path / "r2", chunk_rows=500)
    assert retry.status == "loaded" and retry.loaded == reference.loaded
    assert fingerprint(clean_db) == expected

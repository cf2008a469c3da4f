"""`python cli.py up` (what `make run` does first): schema, and the demo case only when the
database holds no investigation data."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from graph import admin
from tests.conftest import ROOT

pytestmark = pytest.mark.timeout(900)


def test_up_loads_the_demo_only_into_an_empty_database(neo4j_server, db, tmp_path):
    admin.wipe(db)
    env = {**os.environ, "NEO4J_URI": neo4j_server.uri, "NEO4J_PASSWORD": neo4j_server.password(),
           "ORGTRACE_DATA_DIR": str(tmp_path / "data" / "neo4j")}
    first = subprocess.run([sys.executable, str(ROOT / "cli.py"), "up"], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=800)
    assert first.returncode == 0, first.stderr
    assert "loading the demo case" in first.stdout and "rejected" in first.stdout
    transfers = admin.stats(db)["relationships"]["TRANSFER"]
    assert transfers == 20000
    assert (tmp_path / "data" / "demo" / "seed7-scale1" / "ground_truth.json").exists()

    second = subprocess.run([sys.executable, str(ROOT / "cli.py"), "up"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)
    assert second.returncode == 0 and "demo" not in second.stdout
    assert admin.stats(db)["relationships"]["TRANSFER"] == transfers

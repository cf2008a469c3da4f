"""Shared fixtures: one real Neo4j test server per test run.

The server gets its own data directory (under pytest's temporary folder) and a free port,
never the user's; it is stopped at the end of the run. Tests that need a blank graph use
``clean_db``. Set ORGTRACE_TEST_KEEP_SERVER=1 to keep its data directory for inspection.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.settings import Settings, load_settings  # noqa: E402
from graph.server import LocalServer, free_port  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def private_state_dir(tmp_path_factory: pytest.TempPathFactory):
    """Accounts and the audit log of the test run in a throwaway folder, never the user's
    (set in the environment so CLI subprocesses inherit it)."""
    import os

    folder = tmp_path_factory.mktemp("orgtrace-state")
    old = os.environ.get("ORGTRACE_STATE_DIR")
    os.environ["ORGTRACE_STATE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("ORGTRACE_STATE_DIR", None)
    else:
        os.environ["ORGTRACE_STATE_DIR"] = old


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at a throwaway local server (NEO4J_URI is ignored on purpose)."""
    data_dir = tmp_path_factory.mktemp("neo4j-test")
    return load_settings().with_local_server(data_dir=data_dir, bolt_port=free_port())


@pytest.fixture(scope="session")
def neo4j_server(test_settings: Settings):
    server = LocalServer(test_settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def db(neo4j_server: LocalServer, test_settings: Settings):
    from graph.admin import init_db
    from graph.connection import connect

    graph = connect(test_settings)
    init_db(graph)
    yield graph
    graph.close()


@pytest.fixture()
def clean_db(db):
    """The session database, emptied (schema kept) before the test."""
    from graph.admin import wipe

    wipe(db)
    return db

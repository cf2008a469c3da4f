"""Issue 9 §4: what OrgTrace writes is readable by its owner only (0700 folders, 0600 files).

Checked on the session's real test server (its data directory, store and logs, written by
Neo4j under umask 077), on a load's rejects and warnings, on exports and on ``core.files``.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

from core import files  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def wider_than_owner(root: Path) -> list[str]:
    found = []
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if mode(path) & 0o077:
            found.append(f"{mode(path):04o} {path}")
    return found


@pytest.fixture()
def notices(monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(files, "announce", said.append)
    monkeypatch.setattr(files, "_said", set())
    return said


def test_private_dir_creates_and_tightens_once_with_one_line(tmp_path, notices):
    new = files.private_dir(tmp_path / "a" / "b")
    assert mode(new) == 0o700 and mode(new.parent) == 0o700
    assert notices == []
    wide = tmp_path / "wide"
    wide.mkdir()
    os.chmod(wide, 0o755)
    files.private_dir(wide)
    assert mode(wide) == 0o700
    assert len(notices) == 1 and str(wide) in notices[0] and "0755" in notices[0]
    os.chmod(wide, 0o755)
    files.private_dir(wide)
    assert mode(wide) == 0o700 and len(notices) == 1  # said once per path


def test_private_dir_leaves_a_chosen_existing_folder_alone(tmp_path, notices):
    os.chmod(tmp_path, 0o755)
    files.private_dir(tmp_path, tighten=False)
    assert mode(tmp_path) == 0o755 and notices == []
    assert mode(files.private_dir(tmp_path / "new", tighten=False)) == 0o700


def test_recursive_tightening_fixes_a_store_written_before(tmp_path, notices):
    (tmp_path / "store" / "data").mkdir(parents=True)
    (tmp_path / "store" / "data" / "neostore").write_bytes(b"x")
    for path in (tmp_path / "store", tmp_path / "store" / "data"):
        os.chmod(path, 0o755)
    os.chmod(tmp_path / "store" / "data" / "neostore", 0o644)
    files.private_dir(tmp_path / "store", recursive=True)
    assert wider_than_owner(tmp_path / "store") == []
    assert len(notices) == 2  # the folder, then the count below it


def test_private_files_are_0600_even_when_found_wider(tmp_path, notices):
    old_umask = os.umask(0o022)
    try:
        path = files.write_private_text(tmp_path / "t.txt", "秘密")
        assert mode(path) == 0o600 and path.read_text(encoding="utf-8") == "秘密"
        assert mode(files.write_private_bytes(tmp_path / "b.bin", b"\0")) == 0o600
        os.chmod(path, 0o644)
        with files.open_private(path, "a", encoding="utf-8") as handle:
            handle.write("!")
        assert mode(path) == 0o600 and len(notices) == 1
    finally:
        os.umask(old_umask)


def test_the_local_server_data_directory_is_private(neo4j_server, db):
    """Store, transaction logs, Neo4j's logs, server.json, password, neo4j.conf: all owner only."""
    data = neo4j_server.data_dir
    assert (data / "home" / "data").is_dir() and (data / "server.json").exists()
    assert any((data / "home").rglob("neostore*")), "the store is where it is expected"
    assert wider_than_owner(data) == []


def test_an_existing_wide_data_directory_is_tightened_at_start(tmp_path, notices, test_settings):
    """What `server start` does before launching (no second server needed)."""
    from graph.server import LocalServer

    data = tmp_path / "old-data"
    (data / "home" / "logs").mkdir(parents=True)
    (data / "home" / "logs" / "debug.log").write_text("x")
    (data / "server.json").write_text("{}")
    for path in (data, data / "home", data / "home" / "logs"):
        os.chmod(path, 0o755)
    for path in (data / "home" / "logs" / "debug.log", data / "server.json"):
        os.chmod(path, 0o644)
    server = LocalServer(test_settings, data_dir=data)
    files.private_dir(server.data_dir, recursive=True)
    server.password()
    assert wider_than_owner(data) == []
    assert any("0755" in line for line in notices)


def test_load_reports_are_private(db, tmp_path, notices):
    from loaders.pipeline import load_file

    bad = ROOT / "tests" / "fixtures" / "bad" / "bad_amounts.csv"
    report_dir = tmp_path / "load-reports"
    report = load_file(db, bad, report_dir=report_dir, dry_run=True)
    written = [Path(p) for p in (report.rejects_file, report.warnings_file) if p]
    assert written, "the bad fixture produces rejects or warnings"
    assert mode(report_dir) == 0o700
    assert all(mode(p) == 0o600 for p in written)
    os.chmod(report_dir, 0o755)  # an existing report folder found wider is tightened, once said
    load_file(db, bad, report_dir=report_dir, dry_run=True)
    assert mode(report_dir) == 0o700
    assert [line for line in notices if str(report_dir) in line and "0755" in line]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "html", "pdf"])
def test_exports_are_private(tmp_path, fmt):
    import datetime as dt

    from queries.export import export
    from queries.result import ExportMeta, ResultData

    old_umask = os.umask(0o022)
    try:
        result = ResultData(["名称"], [{"名称": "中华精准扶贫促进会"}], False)
        meta = ExportMeta(title="t", report_id="r", user="u",
                          run_at=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), database="neo4j",
                          server="bolt://x", cypher="RETURN 1", parameters={}, result_kind="table",
                          graph=None)
        path = export(result, meta, fmt, tmp_path / "new-folder" / f"out.{fmt}")
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_cli_table_output_file_is_private(test_settings, db, tmp_path):
    import subprocess

    out = tmp_path / "table.txt"
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "query", "cypher", "RETURN 1 AS one",
                           "--out", str(out), "--data-dir", str(test_settings.data_dir),
                           "--bolt-port", str(test_settings.bolt_port)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert mode(out) == 0o600

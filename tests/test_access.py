"""Roles, accounts, the audit chain and masking: unit tests, then each role's limits from
the command line (real subprocesses against the test server)."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from access.audit import GENESIS, AuditLog, entry_hash
from access.users import UserError, UserStore, local_actor
from core.auth import PERMISSIONS, ROLES, AccessDenied, Actor, NotAuthenticated, can, require
from core.privacy import mask_result, mask_text, mask_value
from queries.result import ResultData
from tests.conftest import ROOT

VIEWER_MAY = {"report.run", "explore"}
ANALYST_MAY = VIEWER_MAY | {"data.load", "cypher.run", "report.save", "disposition.set",
                            "evidence.export", "personal.full"}


# ------------------------------------------------------------------ roles

@pytest.mark.parametrize("role, allowed", [
    ("viewer", VIEWER_MAY), ("analyst", ANALYST_MAY), ("admin", set(PERMISSIONS))])
def test_each_role_holds_exactly_its_permissions(role: str, allowed: set[str]) -> None:
    actor = Actor("x", role)
    for permission in PERMISSIONS:
        assert can(actor, permission) is (permission in allowed), permission
        if permission not in allowed:
            with pytest.raises(AccessDenied, match=permission):
                require(actor, permission)
        else:
            require(actor, permission)


def test_no_actor_and_unknown_permission_are_refused() -> None:
    assert not can(None, "report.run")
    assert not can(Actor("root", "admin"), "no.such.permission")
    with pytest.raises(AccessDenied):
        Actor("x", "superuser")
    assert ROLES == ("viewer", "analyst", "admin")


# ------------------------------------------------------------------ accounts

def test_accounts_hash_authenticate_disable(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    local = local_actor("me")
    assert not store.has_accounts() and local.local and can(local, "users.manage")
    with pytest.raises(UserError, match="first account must be an admin"):
        store.add(local, "ann", "viewer", "password-1")
    store.add(local, "boss", "admin", "password-1")
    boss = store.authenticate("boss", "password-1")
    store.add(boss, "ann", "viewer", "password-2")
    with pytest.raises(UserError, match="at least"):
        store.add(boss, "bob", "analyst", "short")
    ann = store.authenticate("ann", "password-2")
    assert ann == Actor("ann", "viewer")
    with pytest.raises(AccessDenied):
        store.add(ann, "eve", "admin", "password-3")
    with pytest.raises(NotAuthenticated):
        store.authenticate("ann", "wrong-password")
    with pytest.raises(NotAuthenticated):
        store.authenticate("nobody", "password-2")
    raw = store.path.read_text(encoding="utf-8")
    assert "password-2" not in raw and "$argon2id$" in raw
    assert all("hash" not in u for u in store.list())
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    store.set_password(ann, "ann", "password-new")  # one's own password
    with pytest.raises(AccessDenied):
        store.set_password(ann, "boss", "password-new")
    store.disable(boss, "ann")
    with pytest.raises(NotAuthenticated):
        store.authenticate("ann", "password-new")
    with pytest.raises(UserError, match="last enabled admin"):
        store.disable(boss, "boss")


# ------------------------------------------------------------------ audit chain

def _lines(log: AuditLog) -> list[dict]:
    return [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]


def _write(log: AuditLog, entries: list[dict]) -> None:
    log.path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries),
                        encoding="utf-8")


@pytest.fixture()
def chain(tmp_path: Path) -> AuditLog:
    log = AuditLog(tmp_path)
    for i in range(6):
        log.append(Actor("ann", "analyst"), "report.run", report="entity-search",
                   parameters={"text": f"扶贫{i}"}, rows=i)
    verdict = log.verify()
    assert verdict.ok and verdict.entries == 6, verdict.sentence()
    entries = _lines(log)
    assert entries[0]["prev"] == GENESIS
    assert all(b["prev"] == a["hash"] for a, b in zip(entries, entries[1:]))
    return log


def test_audit_edited_entry_fails(chain: AuditLog) -> None:
    entries = _lines(chain)
    entries[2]["details"]["rows"] = 999
    _write(chain, entries)
    verdict = chain.verify()
    assert not verdict.ok and verdict.broken_seq == 3 and "edited" in verdict.sentence()


def test_audit_edited_entry_with_its_hash_recomputed_fails_at_the_next(chain: AuditLog) -> None:
    entries = _lines(chain)
    entries[2]["user"] = "someone-else"
    entries[2]["hash"] = entry_hash(entries[2])
    _write(chain, entries)
    verdict = chain.verify()
    assert not verdict.ok and verdict.broken_seq == 4


def test_audit_inserted_entry_fails(chain: AuditLog) -> None:
    entries = _lines(chain)
    forged = dict(entries[1], seq=3, action="login", details={})
    forged["prev"] = entries[1]["hash"]
    forged["hash"] = entry_hash(forged)
    _write(chain, entries[:2] + [forged] + entries[2:])
    verdict = chain.verify()
    assert not verdict.ok and verdict.broken_seq == 3 and verdict.broken_line == 4


def test_audit_deleted_entry_fails(chain: AuditLog) -> None:
    entries = _lines(chain)
    _write(chain, entries[:3] + entries[4:])
    verdict = chain.verify()
    assert not verdict.ok and verdict.broken_line == 4 and "sequence number 4" in verdict.sentence()


def test_audit_entries_cut_off_the_end_fail(chain: AuditLog) -> None:
    entries = _lines(chain)
    _write(chain, entries[:4])  # the last two entries cut off: a valid, shorter chain
    verdict = chain.verify()
    assert not verdict.ok and verdict.broken_seq == 5 and "entries 5 to 6" in verdict.sentence()


def test_audit_head_one_behind_is_a_crash_window_not_a_break(chain: AuditLog) -> None:
    entries = _lines(chain)
    chain.head_path.write_text(json.dumps({"seq": 5, "hash": entries[4]["hash"]}), encoding="utf-8")
    assert chain.verify().ok  # the entry was written, its head record not yet
    chain.head_path.write_text(json.dumps({"seq": 4, "hash": entries[3]["hash"]}), encoding="utf-8")
    assert not chain.verify().ok  # two behind: the end was rewritten


def test_audit_missing_head_record_fails(chain: AuditLog) -> None:
    chain.head_path.unlink()
    verdict = chain.verify()
    assert not verdict.ok and "missing" in verdict.sentence()


def _append_many(folder: str, n: int) -> None:
    log = AuditLog(Path(folder))
    for i in range(n):
        log.append(Actor(f"p{os.getpid()}", "viewer"), "report.run", i=i)


def test_audit_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    workers = [multiprocessing.Process(target=_append_many, args=(str(tmp_path), 25)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    verdict = AuditLog(tmp_path).verify()
    assert verdict.ok and verdict.entries == 100, verdict.sentence()


def test_audit_filters(chain: AuditLog) -> None:
    import datetime as dt

    chain.append(Actor("bob", "admin"), "db.wipe")
    assert [e["action"] for e in chain.find(user="bob")] == ["db.wipe"]
    assert len(chain.find(since=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))) == 7
    assert chain.find(since=dt.datetime(2999, 1, 1, tzinfo=dt.timezone.utc)) == []


# ------------------------------------------------------------------ masking

@pytest.mark.parametrize("text, expected", [
    ("500101198001011234", "500***********1234"),
    ("11010519491231002X", "110***********002X"),
    ("13800138000", "138****8000"),
    ("+86 13800138000", "+86 138****8000"),
    ("person:id:500101198001011234", "person:id:500***********1234"),
    ("张伟 500101198001011234 13912345678", "张伟 500***********1234 139****5678"),
    ("6222021234567890123", "6222021234567890123"),   # a 19-digit bank account stays
    ("91500000MA5U1234XY", "91500000MA5U1234XY"),     # a credit code stays
    ("¥12,000", "¥12,000"),
])
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_mask_result_reaches_rows_graph_and_parameters() -> None:
    from queries.runner import QueryResult

    result = QueryResult(["name", "key", "phones"],
                         [{"name": "张伟", "key": "id:500101198001011234", "phones": ["13800138000"]}],
                         graph={"nodes": [{"id": "1", "label": "Person", "caption": "500101198001011234"}],
                                "edges": []},
                         parameters={"start": "500101198001011234"})
    masked = mask_result(result)
    text = json.dumps([masked.rows, masked.graph, masked.parameters], ensure_ascii=False)
    assert "500101198001011234" not in text and "13800138000" not in text
    assert "500***********1234" in text and "138****8000" in text
    assert result.rows[0]["key"] == "id:500101198001011234"  # the original is untouched
    assert mask_value(13800138000) == "138****8000"
    assert mask_result(ResultData(["a"], [{"a": 1}])).rows == [{"a": 1}]


# ------------------------------------------------------------------ the CLI, per role

def cli(state: Path, test_settings, *args: str, user: str | None = None, password: str | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("ORGTRACE_USER", "ORGTRACE_PASSWORD")}
    env["ORGTRACE_STATE_DIR"] = str(state)
    if user:
        env["ORGTRACE_USER"] = user
    if password:
        env["ORGTRACE_PASSWORD"] = password
    server = ["--data-dir", str(test_settings.data_dir), "--bolt-port", str(test_settings.bolt_port)]
    needs_server = args[0] in ("load", "query", "db", "evidence") and args[:2] != ("evidence", "verify")
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args, *(server if needs_server else [])],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, input=stdin)


ID = "500101198001011234"


@pytest.fixture(scope="module")
def accounts(tmp_path_factory, db, test_settings):
    """A state folder with admin boss, analysts ann and bob, viewer vic; one person in the graph."""
    from graph.admin import wipe

    wipe(db)
    db.write("CREATE (:Person {key: 'id:' + $id, name: '张伟', id_number: $id, phone: '13800138000'})",
             {"id": ID})
    db.write("CALL db.awaitIndexes(60)")
    db.write("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()")
    state = tmp_path_factory.mktemp("state-roles")
    first = cli(state, test_settings, "user", "add", "boss", "--role", "admin", "--password-stdin",
                stdin="boss-password\n")
    assert first.returncode == 0, first.stderr
    for name, role in (("ann", "analyst"), ("bob", "analyst"), ("vic", "viewer")):
        done = cli(state, test_settings, "user", "add", name, "--role", role, "--password-stdin",
                   user="boss", password="boss-password", stdin=f"{name}-password\n")
        assert done.returncode == 0, done.stderr
    return state


def as_(accounts, test_settings, name, *args, **kw):
    return cli(accounts, test_settings, *args, user=name, password=f"{name}-password", **kw)


def test_cli_needs_a_login_once_accounts_exist(accounts, test_settings):
    done = cli(accounts, test_settings, "query", "run", "entity-search", "--param", "text=张伟")
    assert done.returncode == 1 and "ORGTRACE_PASSWORD" in done.stderr
    wrong = cli(accounts, test_settings, "query", "run", "entity-search", "--param", "text=张伟",
                user="vic", password="not-it")
    assert wrong.returncode == 1 and "wrong" in wrong.stderr and "Traceback" not in wrong.stderr
    log = AuditLog(accounts)
    assert any(e["action"] == "login.failed" and e["details"]["name"] == "vic" for e in log.find())


def test_viewer_reads_reports_masked_and_nothing_more(accounts, test_settings, tmp_path):
    done = as_(accounts, test_settings, "vic", "query", "run", "entity-search", "--param", "text=张伟",
               "--format", "csv", "--out", str(tmp_path / "v.csv"))
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "v.csv").read_text(encoding="utf-8-sig")
    assert "张伟" in text and ID not in text and "500***********1234" in text
    for args in (("query", "cypher", "MATCH (n) RETURN count(n) AS c"),
                 ("query", "save", "RETURN 1 AS one", "--title", "t"),
                 ("load", str(ROOT / "tests" / "fixtures" / "nonexistent.csv")),
                 ("db", "wipe", "--yes"), ("user", "list"), ("audit", "verify"),
                 ("evidence", "export", "--case", "C1", "--report", "entity-search", "--param",
                  "text=张伟", "--out", str(tmp_path / "e.zip"))):
        refused = as_(accounts, test_settings, "vic", *args)
        assert refused.returncode == 1 and "may not" in refused.stderr, (args, refused.stderr)
    assert not (tmp_path / "e.zip").exists()


def test_analyst_sees_full_values_but_may_not_administer(accounts, test_settings, tmp_path, db):
    done = as_(accounts, test_settings, "ann", "query", "cypher",
               "MATCH (p:Person) RETURN p.id_number AS id, p.phone AS phone", "--format", "json",
               "--out", str(tmp_path / "a.json"))
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["rows"]
    assert rows == [{"id": ID, "phone": "13800138000"}]
    public = as_(accounts, test_settings, "ann", "query", "cypher",
                 "MATCH (p:Person) RETURN p.id_number AS id", "--masked", "--format", "csv",
                 "--out", str(tmp_path / "p.csv"))
    assert public.returncode == 0 and ID not in (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    for args in (("db", "wipe", "--yes"), ("user", "add", "eve", "--role", "admin", "--password-stdin"),
                 ("user", "list"), ("audit", "show")):
        refused = as_(accounts, test_settings, "ann", *args, stdin="whatever-password\n")
        assert refused.returncode == 1 and "may not" in refused.stderr, (args, refused.stderr)
    assert db.read("MATCH (p:Person) RETURN count(p) AS c")[0]["c"] == 1


def test_saved_report_owner_check_trusts_the_login_not_the_environment(accounts, test_settings):
    saved = as_(accounts, test_settings, "ann", "query", "save", "RETURN 1 AS one", "--title", "ann's")
    assert saved.returncode == 0, saved.stderr
    key = saved.stdout.split("Saved as ")[1].split()[0]
    # bob claims to be ann: without ann's password there is no login at all
    spoof = cli(accounts, test_settings, "query", "delete", key, user="ann", password="bob-password")
    assert spoof.returncode == 1 and "wrong" in spoof.stderr
    refused = as_(accounts, test_settings, "bob", "query", "delete", key)
    assert refused.returncode == 1 and "belongs to ann" in refused.stderr
    assert as_(accounts, test_settings, "boss", "query", "delete", key).returncode == 0


def test_admin_manages_users_and_reads_the_verified_audit(accounts, test_settings, tmp_path):
    by_vic = as_(accounts, test_settings, "vic", "query", "run", "entity-search", "--param", "text=张伟",
                 "--format", "csv", "--out", str(tmp_path / "vic.csv"))
    assert by_vic.returncode == 0, by_vic.stderr
    by_ann = as_(accounts, test_settings, "ann", "query", "cypher", "MATCH (p:Person) RETURN p.id_number AS id")
    assert by_ann.returncode == 0, by_ann.stderr
    listed = as_(accounts, test_settings, "boss", "user", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    users = {u["name"]: u["role"] for u in json.loads(listed.stdout)}
    assert users == {"boss": "admin", "ann": "analyst", "bob": "analyst", "vic": "viewer"}
    verify = as_(accounts, test_settings, "boss", "audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout + verify.stderr
    shown = as_(accounts, test_settings, "boss", "audit", "show", "--user", "vic", "--json")
    actions = {e["action"] for e in json.loads(shown.stdout)}
    assert {"login", "report.run", "export"} <= actions
    run = next(e for e in json.loads(shown.stdout) if e["action"] == "report.run")
    assert run["details"]["report"] == "entity-search" and run["details"]["parameters"]["text"] == "张伟"
    assert run["details"]["rows"] >= 1
    ann = json.loads(as_(accounts, test_settings, "boss", "audit", "show", "--user", "ann", "--json").stdout)
    assert any(e["action"] == "cypher.run" and "p.id_number" in e["details"]["cypher"] for e in ann)
    assert any(e["action"] == "user.add" for e in
               json.loads(as_(accounts, test_settings, "boss", "audit", "show", "--json").stdout))
    since = as_(accounts, test_settings, "boss", "audit", "show", "--since", "2000-01-01", "--json")
    assert len(json.loads(since.stdout)) > 5
    future = as_(accounts, test_settings, "boss", "audit", "show", "--since", "2999-01-01")
    assert future.returncode == 0 and "No audit entries match" in future.stdout
    disabled = as_(accounts, test_settings, "boss", "user", "disable", "bob")
    assert disabled.returncode == 0
    gone = as_(accounts, test_settings, "bob", "query", "run", "entity-search", "--param", "text=张伟")
    assert gone.returncode == 1 and "disabled" in gone.stderr


def test_local_mode_without_accounts_needs_no_login(test_settings, tmp_path, db):
    done = cli(tmp_path, test_settings, "query", "cypher", "RETURN 1 AS one")
    assert done.returncode == 0, done.stderr
    entries = AuditLog(tmp_path).find()
    assert entries[-1]["action"] == "cypher.run" and entries[-1]["role"] == "admin"

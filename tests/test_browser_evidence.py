"""In real headless Chromium: an analyst logs in, runs a report and downloads its evidence
package, which then verifies; nothing is asked of any outside host."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from graph.server import free_port
from tests.conftest import ROOT
from tests.test_browser import ARGS, CHROMIUM, only_local_router, pytestmark  # noqa: F401  (same marks and skip)

ORG = "中华精准扶贫促进会"


@pytest.fixture()
def app_with_accounts(neo4j_server, clean_db, tmp_path):
    from access.users import UserStore, local_actor

    state = tmp_path / "state"
    store = UserStore(state)
    store.add(local_actor("setup"), "boss", "admin", "boss-password")
    store.add(store.authenticate("boss", "boss-password"), "ann", "analyst", "ann-password")
    clean_db.write("CREATE (:LoadRun {key: 'run-1', file: 'registry.csv', sha256: $sha, status: 'loaded'}) "
                   "CREATE (o:Organization {key: 'name:' + $org, name: $org, status: '撤销', "
                   "src_run: 'run-1', src_row: 2, load_runs: ['run-1']}) "
                   "CREATE (p:Person {key: 'id:500101198001011234', name: '张伟', id_number: '500101198001011234'}) "
                   "CREATE (p)-[:LEADS {role: '会长'}]->(o)", {"org": ORG, "sha": "a" * 64})
    port = free_port()
    env = {**os.environ, "NEO4J_URI": neo4j_server.uri, "NEO4J_PASSWORD": neo4j_server.password(),
           "ORGTRACE_STATE_DIR": str(state)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.port", str(port), "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    yield f"http://127.0.0.1:{port}/", state
    proc.terminate()
    proc.wait(timeout=30)


def test_login_run_report_download_evidence(app_with_accounts, tmp_path):
    from playwright.sync_api import sync_playwright

    from exports.evidence import verify_package

    url, state = app_with_accounts
    outside: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                                      accept_downloads=True)
        context.route("**/*", only_local_router(outside))
        context.set_default_timeout(240_000)  # a shared 2-core machine: patience, not a check
        page = context.new_page()
        page.goto(url)
        page.get_by_label("用户名").fill("ann", timeout=240_000)
        page.get_by_label("密码").fill("ann-password")
        page.get_by_role("button", name="登录").click()
        page.wait_for_selector("text=社会组织底数", timeout=240_000)  # the overview's data

        page.get_by_role("link", name="研判报告").click()
        page.wait_for_selector("text=报告库", timeout=240_000)
        box = page.get_by_label("选择报告")  # the report selectbox
        box.click()
        page.keyboard.type("组织架构")
        page.keyboard.press("Enter")
        field = page.get_by_label("组织 *", exact=True)  # the entity picker: search, then pick
        field.fill(ORG, timeout=240_000)
        field.press("Enter")
        page.wait_for_selector("text=匹配结果（1 个）", timeout=240_000)
        page.locator('[data-testid="stElementContainer"]:not([data-stale="true"])').get_by_role(
            "button", name="运行", exact=True).click()
        page.wait_for_selector("text=固定证据", timeout=240_000)
        page.get_by_text("固定证据").click()
        page.get_by_role("textbox", name="案件编号/名称").fill("渝民社〔2024〕1号")
        page.get_by_role("textbox", name="案件编号/名称").press("Enter")
        page.get_by_role("button", name="生成证据包").click()
        button = page.get_by_role("button", name="下载证据包")
        button.wait_for(timeout=240_000)
        with page.expect_download(timeout=240_000) as download:
            button.click()
        target = tmp_path / "package.zip"
        download.value.save_as(target)
        page.screenshot(path=str(tmp_path / "reports.png"))
        browser.close()
    assert outside == [], f"the page asked outside hosts: {outside}"
    verdict = verify_package(target, state_dir=state)
    assert verdict.ok, verdict.problems
    assert any("recorded in the audit log" in n for n in verdict.notes)

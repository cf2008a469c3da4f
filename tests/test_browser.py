"""The workbench in real headless Chromium (Debian's, driven by Playwright through its
executable path): it renders in Chinese, switches to English, reaches the reports page,
and asks nothing of any host but the local server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from graph.server import free_port
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Debian's chromium installed (.ci/run installs it)")
    pytestmark.append(pytest.mark.skip(reason="Debian's chromium is not installed here"))

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture()
def app_url(neo4j_server, db):
    port = free_port()
    env = {**os.environ, "NEO4J_URI": neo4j_server.uri, "NEO4J_PASSWORD": neo4j_server.password()}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.port", str(port), "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    proc.wait(timeout=30)


def test_workbench_in_chromium_offline(app_url, clean_db, tmp_path):
    from playwright.sync_api import sync_playwright

    clean_db.write("CREATE (:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会'})")
    outside: list[str] = []

    def only_local(route):
        host = route.request.url.split("/")[2].rsplit(":", 1)[0]
        if host in ("127.0.0.1", "localhost", "[::1]"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        context.route("**/*", only_local)
        page = context.new_page()
        page.goto(app_url)
        page.wait_for_selector("text=非法社会组织线索研判平台", timeout=60_000)
        page.wait_for_selector("text=服务器版本", timeout=60_000)
        page.screenshot(path=str(tmp_path / "overview-zh.png"))

        page.get_by_text("English", exact=True).click()
        page.wait_for_selector("text=Graph contents", timeout=30_000)

        page.get_by_role("link", name="Reports").click()
        page.wait_for_selector("text=Report library", timeout=30_000)
        browser.close()
    assert outside == [], f"the page asked outside hosts: {outside}"

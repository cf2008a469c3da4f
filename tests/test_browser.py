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

#: Elements of the current run only (Streamlit keeps a rerun's previous elements, marked stale).
LIVE = '[data-testid="stElementContainer"]:not([data-stale="true"])'


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

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        context.route("**/*", only_local_router(outside))
        page = context.new_page()
        page.goto(app_url)
        page.wait_for_selector("text=非法社会组织线索研判平台", timeout=60_000)
        page.wait_for_selector("text=社会组织底数", timeout=60_000)
        page.screenshot(path=str(tmp_path / "overview-zh.png"))

        page.get_by_text("English", exact=True).click()
        page.wait_for_selector("text=Graph contents", timeout=30_000)

        page.get_by_role("link", name="Reports").click()
        page.wait_for_selector("text=Report library", timeout=30_000)
        browser.close()
    assert outside == [], f"the page asked outside hosts: {outside}"


# ------------------------------------------------------------------ reports in the browser

ORG = "中华精准扶贫促进会"


def only_local_router(outside: list[str]):
    def only_local(route):
        host = route.request.url.split("/")[2].rsplit(":", 1)[0]
        if host in ("127.0.0.1", "localhost", "[::1]"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()
    return only_local


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` (its visible text, or a part of it) in the Streamlit selectbox ``label``."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option").filter(has_text=option).first.click()


def run_org_profile(page, search: str) -> None:
    """Reports page: the organization profile, its organization found with the entity picker."""
    page.get_by_role("link", name="研判报告").click()
    page.wait_for_selector("text=报告库", timeout=60_000)
    choose(page, "选择报告", "org-profile")
    page.wait_for_selector("text=一个组织的概况", timeout=60_000)
    field = page.get_by_label("组织 *", exact=True)
    field.fill(search)
    field.press("Enter")
    page.wait_for_selector("text=匹配结果", timeout=60_000)
    # a rerun may still show the previous form as stale: click the live Run button
    page.locator(LIVE).get_by_role("button", name="运行", exact=True).click()
    page.wait_for_selector("text=1 行", timeout=60_000)


def download_csv(page, tmp_path, name: str) -> str:
    page.get_by_role("button", name="生成导出文件").click()
    download_button = page.get_by_role("button", name="下载 org-profile.csv")
    download_button.wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        download_button.click()
    target = tmp_path / name
    info.value.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]  # UTF-8 with BOM, as Excel wants
    return data.decode("utf-8-sig")


def test_report_from_the_form_with_the_entity_picker_and_csv(app_url, clean_db, tmp_path):
    from playwright.sync_api import sync_playwright

    clean_db.write("CREATE (:Organization {key: 'name:中华精准扶贫促进会', name: '中华精准扶贫促进会', status: '未登记'}), "
                   "(:Organization {key: 'name:重庆市健康养生促进会', name: '重庆市健康养生促进会', status: '撤销'})")
    clean_db.run_autocommit("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()")
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
        context.route("**/*", only_local_router(outside))
        page = context.new_page()
        page.goto(app_url)
        page.wait_for_selector("text=社会组织底数", timeout=90_000)
        page.screenshot(path=str(tmp_path / "overview-zh.png"), full_page=True)
        run_org_profile(page, "扶贫")
        page.screenshot(path=str(tmp_path / "reports-zh.png"), full_page=True)
        text = download_csv(page, tmp_path, "org-profile.csv")
        assert ORG in text and "重庆市健康养生促进会" not in text

        page.get_by_text("English", exact=True).click()
        page.wait_for_selector("text=Report library", timeout=60_000)
        page.wait_for_selector("text=One organization at a glance", timeout=60_000)
        from playwright.sync_api import expect
        # the choices kept, now in English (a select box shows its choice as its input's value)
        expect(page.get_by_label("Report", exact=True)).to_have_value("Organization profile (org-profile)",
                                                                      timeout=60_000)
        expect(page.get_by_label("Matches (1)", exact=True)).to_have_value(f"{ORG} · Organization · 未登记",
                                                                           timeout=60_000)
        page.screenshot(path=str(tmp_path / "reports-en.png"), full_page=True)
        page.get_by_role("link", name="Load data").click()
        page.wait_for_selector("text=Load history", timeout=60_000)
        browser.close()
    assert outside == [], f"the page asked outside hosts: {outside}"


def test_five_investigators_at_once(app_url, clean_db, tmp_path):
    """One app process, five browser sessions running the same report with different
    parameters at the same time: each sees its own parameters and its own result."""
    import asyncio

    from playwright.async_api import async_playwright

    names = ["重庆市甲字测试协会", "重庆市乙字测试协会", "重庆市丙字测试协会", "重庆市丁字测试协会", "重庆市戊字测试协会"]
    clean_db.write("UNWIND $names AS n CREATE (:Organization {key: 'name:' + n, name: n, status: '未登记'})",
                   {"names": names})
    clean_db.run_autocommit("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()")
    outside: list[str] = []
    errors: list[str] = []

    async def investigator(browser, i: int) -> str:
        context = await browser.new_context(viewport={"width": 1300, "height": 900}, locale="zh-CN",
                                            accept_downloads=True)

        async def only_local(route):
            host = route.request.url.split("/")[2].rsplit(":", 1)[0]
            if host in ("127.0.0.1", "localhost", "[::1]"):
                await route.continue_()
            else:
                outside.append(route.request.url)
                await route.abort()

        await context.route("**/*", only_local)
        context.set_default_timeout(240_000)  # five sessions on a shared 2-core machine: patience, not a check
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(app_url, timeout=240_000)
        await page.wait_for_selector("text=社会组织底数", timeout=240_000)
        await page.get_by_role("link", name="研判报告").click()
        await page.wait_for_selector("text=报告库", timeout=240_000)
        box = page.get_by_label("选择报告", exact=True)
        await box.click()
        await box.fill("org-profile")
        await page.get_by_role("option").filter(has_text="org-profile").first.click()
        field = page.get_by_label("组织 *", exact=True)
        await field.fill(names[i][3:5])  # 甲字, 乙字…: only this session's organization matches
        await field.press("Enter")
        await page.wait_for_selector("text=匹配结果（1 个）", timeout=240_000)
        # a rerun may still show the previous form as stale: click the live Run button
        await page.locator(LIVE).get_by_role("button", name="运行", exact=True).click()
        await page.wait_for_selector("text=1 行", timeout=240_000)
        assert await field.input_value() == names[i][3:5]  # its own parameter, still
        await page.get_by_role("button", name="生成导出文件").click()
        button = page.get_by_role("button", name="下载 org-profile.csv")
        await button.wait_for(timeout=240_000)
        async with page.expect_download(timeout=240_000) as info:
            await button.click()
        target = tmp_path / f"session-{i}.csv"
        await (await info.value).save_as(target)
        assert not await page.locator("[data-testid='stException']").count()
        await page.screenshot(path=str(tmp_path / f"session-{i}.png"))
        await context.close()
        return target.read_bytes().decode("utf-8-sig")

    async def main() -> list[str]:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                return await asyncio.gather(*(investigator(browser, i) for i in range(5)))
            finally:
                await browser.close()

    results = asyncio.run(main())
    for i, text in enumerate(results):
        assert names[i] in text, i
        assert not any(other in text for j, other in enumerate(names) if j != i), i
    assert errors == [] and outside == [], (errors, outside)

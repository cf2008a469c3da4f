"""The graph pages in real headless Chromium (Debian's, through Playwright's executable
path) on the demo case, outside traffic blocked and counted: search a Chinese name, open
its profile, expand a node, trace money from a planted collection account, open its
Sankey; a canvas is drawn on every graph page. Screenshots go to pytest's tmp dir."""

from __future__ import annotations

import os
import time

import pytest

from tests.test_browser import ARGS, CHROMIUM, app_url, only_local_router  # noqa: F401  (the app served on a free port)
from tests.test_demo_case import demo  # noqa: F401  (the demo case, loaded once for this module)

# The browser marks of test_browser (skip without Debian's chromium, outside CI), with room
# for loading the demo case first.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(1200)]
if not os.path.exists(CHROMIUM):
    pytestmark.append(pytest.mark.skip(reason="Debian's chromium is not installed here"))

NODE_COUNT = "window.orgtraceNetwork ? window.orgtraceNetwork.body.data.nodes.length : -1"


def _graph_frame(page, *, more_than: int = 0, timeout_s: float = 90):
    """The frame whose vis-network drew a canvas, settled, with more than ``more_than`` nodes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if (frame.locator("canvas").count()
                        and frame.evaluate("window.orgtraceStabilizedMs !== undefined && window.orgtraceStabilizedMs !== null")
                        and frame.evaluate(NODE_COUNT) > more_than):
                    return frame
            except Exception:  # a frame replaced while we looked at it
                continue
        page.wait_for_timeout(300)
    raise AssertionError(f"no settled graph with more than {more_than} nodes on {page.url}")


def _shot(frame_or_locator, path) -> None:
    """A screenshot of one graph or chart (the page scrolls inside Streamlit's main area)."""
    element = frame_or_locator.frame_element() if hasattr(frame_or_locator, "frame_element") else frame_or_locator
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(path))


def _no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in page.inner_text("body")


def _pick(page, label: str, text: str) -> None:
    """Choose the option containing ``text`` in the select box labelled ``label``."""
    box = page.get_by_label(label)
    box.scroll_into_view_if_needed()
    box.click()
    page.keyboard.type(text)  # Streamlit's select box filters its options as one types
    page.get_by_role("option").filter(has_text=text).first.click()


def test_graph_pages_in_chromium_offline(app_url, demo, tmp_path):
    from playwright.sync_api import sync_playwright

    _, _, truth = demo
    leader = truth["ringleaders"][0]
    planted = truth["collection_accounts"][0]
    outside: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
        context.route("**/*", only_local_router(outside))
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))

        # Explore: search a Chinese name, open the person's profile, expand a node.
        page.goto(app_url + "explore")
        search = page.get_by_label("检索人员、组织、账户、地址、活动、线索")
        search.wait_for(timeout=60_000)
        search.fill(leader["name"])
        page.get_by_role("button", name="检索").click()
        _pick(page, "检索结果", leader["id_number"][-6:])
        page.get_by_role("button", name="打开").click()
        page.get_by_role("heading", name=f"{leader['name']} · 人员").wait_for(timeout=60_000)
        page.get_by_text("数据来源").wait_for()
        frame = _graph_frame(page)
        before = frame.evaluate(NODE_COUNT)
        page.screenshot(path=str(tmp_path / "explore-profile.png"))
        _shot(frame, tmp_path / "explore-graph.png")
        _pick(page, "选择图中节点", leader["orgs"][0])
        page.get_by_role("button", name="展开一跳").click()
        frame = _graph_frame(page, more_than=before)
        page.get_by_text("已展开 1 个节点").wait_for(timeout=60_000)
        _shot(frame, tmp_path / "explore-expanded.png")
        _no_exception(page)

        # Organization structure: the hierarchy is drawn.
        page.goto(app_url + "structure")
        _shot(_graph_frame(page), tmp_path / "structure.png")
        _no_exception(page)

        # Fund flow: trace money from a planted collection account, open its Sankey.
        page.goto(app_url + "fund_flow")
        start = page.get_by_label("起点：检索账户、人员或组织")
        start.wait_for(timeout=60_000)
        start.fill(planted["account"])
        page.get_by_role("button", name="检索").click()
        page.get_by_role("button", name="追踪").click()
        _shot(_graph_frame(page), tmp_path / "fund-flow-path.png")
        page.get_by_role("tab", name="资金桑基图").click()
        page.locator("g.sankey").first.wait_for(timeout=60_000)
        assert page.locator("g.sankey-node").count() > 1
        page.wait_for_timeout(1000)  # let the Sankey's entry transition finish before the picture
        _shot(page.locator("[data-testid='stPlotlyChart']").first, tmp_path / "fund-flow-sankey.png")
        _no_exception(page)

        # Hubs and groups: drawn once the analytics package is there; a sentence until then.
        page.goto(app_url + "hubs")
        page.get_by_role("heading", name="骨干与团伙").wait_for(timeout=60_000)
        try:
            import analytics.api  # noqa: F401
        except ImportError:
            page.get_by_text("分析模块尚未安装").wait_for(timeout=60_000)
        else:
            _shot(_graph_frame(page), tmp_path / "hubs-graph.png")
        page.screenshot(path=str(tmp_path / "hubs.png"))
        _no_exception(page)
        browser.close()

    print(f"screenshots in {tmp_path}")
    assert outside == [], f"the pages asked outside hosts: {outside}"
    assert page_errors == [], page_errors

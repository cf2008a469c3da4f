"""The graph pages on an empty database: a sentence or a prompt, never an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.test_app import app_env  # noqa: F401  (the app pointed at the test server)


@pytest.mark.parametrize("page", ["views/explore.py", "views/structure.py", "views/fund_flow.py", "views/hubs.py"])
def test_graph_page_on_an_empty_database(app_env, clean_db, page):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.info or at.warning, "an empty database gets a sentence"
    if page in ("views/explore.py", "views/fund_flow.py"):
        search = at.text_input(key="explore_search" if "explore" in page else "flow_search")
        search.input("不存在的名字")
        next(b for b in at.button if b.label == "检索").click().run()
        assert not at.exception, at.exception
        assert any("没有找到" in i.value for i in at.info)


def test_explore_unknown_key_is_a_sentence(app_env, clean_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["explore_focus"] = "no-such-key"
    at.run()
    at.switch_page("views/explore.py").run()
    assert not at.exception, at.exception
    assert "no-such-key" in at.warning[0].value


def test_bad_full_text_syntax_is_a_sentence(app_env, clean_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("views/explore.py").run()
    at.text_input(key="explore_search").input('"扶贫 AND (')
    next(b for b in at.button if b.label == "检索").click().run()
    assert not at.exception, at.exception
    assert at.error or any("没有找到" in i.value for i in at.info)

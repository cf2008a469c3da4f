"""OrgTrace workbench: the Streamlit entry point and frame.

Run with ``make run`` (or ``streamlit run app.py``). The frame holds the language toggle
and the navigation; each page is a short script in ``views/`` over the packages (not ``pages/``, which
Streamlit would also list as an old-style multipage app).
"""

from __future__ import annotations

import streamlit as st

from core.auth import can
from core.i18n import t
from core.settings import load_settings
from views.common import login_gate

st.set_page_config(page_title="OrgTrace", page_icon=None, layout="wide")

if "lang" not in st.session_state:
    st.session_state.lang = load_settings().lang

with st.sidebar:
    # The label stays the same in both languages so the widget keeps its identity.
    choice = st.radio("界面语言 / Language", ["中文", "English"],
                      index=0 if st.session_state.lang == "zh" else 1, horizontal=True, key="lang_choice")
    st.session_state.lang = "zh" if choice == "中文" else "en"

lang = st.session_state.lang
actor = login_gate()  # a login before any data shows (none in single-user local mode)
with st.sidebar:
    st.caption(f"{t('login.as', lang)}: {actor.name} · "
               + (t("login.local", lang) if actor.local else t(f"role.{actor.role}", lang)))
    if not actor.local and st.button(t("login.logout", lang), key="logout"):
        st.session_state.pop("actor", None)
        st.rerun()
pages = [
    st.Page("views/overview.py", title=t("nav.overview", lang), default=True),
    st.Page("views/reports.py", title=t("nav.reports", lang)),
    st.Page("views/explore.py", title=t("nav.explore", lang)),
    st.Page("views/structure.py", title=t("nav.structure", lang)),
    st.Page("views/fund_flow.py", title=t("nav.fund_flow", lang)),
    st.Page("views/hubs.py", title=t("nav.hubs", lang)),
    st.Page("views/cases.py", title=t("nav.cases", lang)),
]
if can(actor, "audit.view"):
    pages.append(st.Page("views/audit.py", title=t("nav.audit", lang)))
navigation = st.navigation(pages)
navigation.run()

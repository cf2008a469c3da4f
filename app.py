"""OrgTrace workbench: the Streamlit entry point and frame.

Run with ``make run`` (or ``streamlit run app.py``). The frame holds the language toggle
and the navigation (``st.navigation``); each page is a short script in ``views/`` over the
packages (not ``pages/``, which Streamlit would also list as an old-style multipage app).
Pages never start the database server; they say how to start it when none answers.
"""

from __future__ import annotations

import streamlit as st

from core.i18n import t
from core.settings import load_settings

st.set_page_config(page_title="OrgTrace", page_icon=None, layout="wide")

if "lang" not in st.session_state:
    st.session_state.lang = load_settings().lang

with st.sidebar:
    # The label stays the same in both languages so the widget keeps its identity.
    choice = st.radio("界面语言 / Language", ["中文", "English"],
                      index=0 if st.session_state.lang == "zh" else 1, horizontal=True, key="lang_choice")
    st.session_state.lang = "zh" if choice == "中文" else "en"

lang = st.session_state.lang
navigation = st.navigation([
    st.Page("views/overview.py", title=t("nav.overview", lang), default=True),
    st.Page("views/reports.py", title=t("nav.reports", lang)),
    st.Page("views/load.py", title=t("nav.load", lang)),
])
navigation.run()

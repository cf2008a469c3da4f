"""Helpers shared by the page scripts: the cached database handle and error display."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from core.errors import OrgTraceError
from core.i18n import t
from graph.connection import GraphDB, connect


@st.cache_resource(show_spinner=False)
def graph_db() -> GraphDB:
    """One connection per Streamlit server process (starts the local Neo4j if needed)."""
    return connect()


def lang() -> str:
    return st.session_state.get("lang", "zh")


@contextmanager
def user_errors() -> Iterator[None]:
    """Show OrgTrace errors as a sentence on the page and stop the script."""
    try:
        yield
    except OrgTraceError as exc:
        st.error(f"{t('error.title', lang())}: {exc}")
        st.stop()

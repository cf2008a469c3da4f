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


# ------------------------------------------------------------------ login and roles

def login_gate():
    """The acting user of this browser session, or a login form and ``st.stop()``.

    No account yet: single-user local mode (the local user, every permission; the app is
    bound to 127.0.0.1). With accounts: a login before any data shows; a session idle for
    ORGTRACE_SESSION_IDLE_MINUTES expires; a disabled account is logged out at once.
    """
    import time

    from access.audit import audit_log
    from access.users import UserStore, local_actor
    from core.auth import NotAuthenticated
    from core.settings import load_settings

    settings = load_settings()
    store = UserStore(settings.state_dir)
    state = st.session_state
    if not store.has_accounts():
        state["actor"] = local_actor(settings.user)
        return state["actor"]
    now = time.time()
    actor = state.get("actor")
    if actor is not None and not actor.local:
        enabled = {u["name"] for u in store.list() if not u.get("disabled")}
        if now - state.get("actor_seen", 0.0) > settings.session_idle_minutes * 60:
            state.pop("actor", None)
            state["login_notice"] = t("login.expired", lang())
        elif actor.name not in enabled:
            state.pop("actor", None)
        else:
            state["actor_seen"] = now
            return actor
    st.title(t("app.title", lang()))
    if state.get("login_notice"):
        st.info(state["login_notice"])
    with st.form("login"):
        name = st.text_input(t("login.name", lang()), key="login_name")
        password = st.text_input(t("login.password", lang()), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit", lang()))
    if submitted:
        try:
            actor = store.authenticate(name.strip(), password)
        except NotAuthenticated:
            audit_log(settings).append(None, "login.failed", name=name.strip(), via="app")
            st.error(t("login.failed", lang()))
        else:
            audit_log(settings).append(actor, "login", via="app")
            state["actor"], state["actor_seen"] = actor, now
            state.pop("login_notice", None)
            st.rerun()
    st.stop()


def current_actor():
    """The logged-in :class:`core.auth.Actor` (set by the frame's :func:`login_gate`)."""
    actor = st.session_state.get("actor")
    if actor is None:
        actor = login_gate()
    return actor


def page_actor(permission: str):
    """One line at the top of a page: the acting user, after checking ``permission``
    (a sentence and ``st.stop()`` when the role does not allow it)."""
    from core.auth import require

    actor = current_actor()
    with user_errors():
        require(actor, permission)
    return actor

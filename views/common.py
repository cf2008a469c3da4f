"""Helpers shared by the page scripts: the cached database handle, the database-down banner,
the empty-database prompt and error display.

Pages never start a server: starting Neo4j belongs to ``make run`` / ``python cli.py up`` /
``python cli.py server start``. A page that finds no database shows how to start one.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import streamlit as st
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from core.errors import AuthenticationFailed, ConfigError, DatabaseUnavailable, OrgTraceError
from core.i18n import t
from graph.connection import GraphDB, connect

#: Seconds a cached count or search result is reused (cleared at once after a load).
CACHE_TTL = 300


@st.cache_resource(show_spinner=False)
def _graph_db() -> GraphDB:
    """One connection per Streamlit server process. Never starts the local server."""
    return connect(start_local=False)


def lang() -> str:
    return st.session_state.get("lang", "zh")


def database_down(message: str) -> None:
    """The banner shown when no database answers: what happened and how to start it."""
    _graph_db.clear()
    st.error(f"{t('db.down', lang())}\n\n{message}\n\n{t('db.how_to_start', lang())}")


def graph_db() -> GraphDB:
    """The database, or a banner saying how to start it (and the page stops there)."""
    try:
        return _graph_db()
    except (DatabaseUnavailable, AuthenticationFailed, ConfigError) as exc:
        database_down(str(exc))
    except OrgTraceError as exc:
        st.error(f"{t('error.title', lang())}: {exc}")
    st.stop()
    raise RuntimeError("unreachable")  # st.stop() raises; this keeps type checkers content


def clear_caches() -> None:
    """Forget cached query results (after a load, so counts and searches are fresh)."""
    st.cache_data.clear()


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _is_empty(uri: str, database: str, _db: GraphDB) -> bool:
    from graph.admin import is_empty
    return is_empty(_db)


def empty_prompt(db: GraphDB) -> bool:
    """When the database holds no investigation data, say how to load the demo or data.
    Returns True when it is empty."""
    with user_errors():
        empty = _is_empty(db.uri, db.database, db)
    if empty:
        st.info(t("db.empty", lang()))
    return empty


def _sentence(exc: BaseException) -> str:
    message = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).strip().splitlines()[0]
    return message


@contextmanager
def user_errors() -> Iterator[None]:
    """Show OrgTrace errors (and a lost database) as a sentence on the page and stop the script."""
    try:
        yield
    except (DatabaseUnavailable, ServiceUnavailable, SessionExpired) as exc:
        database_down(_sentence(exc))
        st.stop()
    except OrgTraceError as exc:
        st.error(f"{t('error.title', lang())}: {exc}")
        st.stop()
    except (Neo4jError, DriverError) as exc:
        st.error(f"{t('error.title', lang())}: {t('error.database', lang())} {_sentence(exc)}")
        st.stop()


def guarded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with :func:`user_errors` around it."""
    with user_errors():
        return fn(*args, **kwargs)


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

"""Reusable form widgets for the pages.

``entity_picker(label, kinds, key)``: a search box (full-text, Chinese) offering the matching
entities with their label and a distinguishing detail (ID tail, bank, district); returns the
chosen entity's key, or None. Not inside an ``st.form`` (it searches as the user types).
"""

from __future__ import annotations

from typing import Any, Iterable

import streamlit as st

from core.i18n import t, term
from graph.connection import GraphDB
from queries.search import DEFAULT_KINDS, search_entities
from views.common import CACHE_TTL, graph_db, lang, user_errors


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=2000)
def cached_search(uri: str, database: str, text: str, kinds: tuple[str, ...], top: int,
                  _db: GraphDB) -> list[dict[str, Any]]:
    return search_entities(_db, text, kinds, top=top)


def describe(hit: dict[str, Any], language: str) -> str:
    """'name · 组织 · 撤销 · 渝中区' as the picker shows a hit."""
    parts = [hit["name"], term(hit["label"], language), hit.get("detail")]
    return " · ".join(str(p) for p in parts if p)


def entity_picker(label: str, kinds: Iterable[str] | None = None, key: str = "entity", *,
                  help: str | None = None, db: GraphDB | None = None, top: int = 20,
                  default: str | None = None) -> str | None:
    """A search box and a choice of the matching entities; returns the chosen key or None.

    ``kinds`` are schema labels (default: organizations, persons, accounts). Typing a key,
    resident ID, credit code or the start of an account number finds that entity too.
    """
    language = lang()
    kinds = tuple(kinds or DEFAULT_KINDS)
    db = db or graph_db()
    kinds_text = "、".join(term(k, language) for k in kinds) if language == "zh" else ", ".join(kinds)
    text = st.text_input(label, key=f"{key}__q", value=default or "", help=help,
                         placeholder=t("picker.placeholder", language).format(kinds=kinds_text))
    if not text.strip():
        return None
    with user_errors():
        hits = cached_search(db.uri, db.database, text.strip(), kinds, top, db)
    if not hits:
        st.caption(t("picker.none", language).format(text=text.strip()))
        return None
    by_key = {h["key"]: h for h in hits}
    chosen = st.selectbox(t("picker.choose", language).format(n=len(hits)), list(by_key),
                          key=f"{key}__pick_{language}", format_func=lambda k: describe(by_key[k], language))
    return chosen

"""Explore: full-text search, an entity profile with provenance, and its neighbourhood graph."""

import datetime as dt

import pandas as pd
import streamlit as st

from core.i18n import t, term
from graph.schema import investigation_labels, RELATIONSHIPS
from queries.registry import load_reports
from views.common import graph_db, lang, page_actor, user_errors
from views.widgets_evidence import evidence_button
from visual.graphs import describe, entity_profile, links_among, neighbourhood, search_entities
from visual.network import cap_graph, collapse_fans, network_html, rel_name, showing_note

actor = page_actor("explore")  # a login and a role before any data (core/auth.py)

L = lang()
st.header(t("nav.explore", L))

with user_errors():
    db = graph_db()

# Another page (hubs and groups, a link) may ask to open an entity: ?key=… or the session.
if st.query_params.get("key") and st.query_params.get("key") != st.session_state.get("explore_focus"):
    st.session_state["explore_focus"] = st.query_params["key"]
    st.session_state["explore_expanded"] = []
st.session_state.setdefault("explore_expanded", [])

with st.form("explore_search_form"):
    left, right = st.columns([4, 1])
    text = left.text_input(t("explore.search", L), key="explore_search", placeholder=t("explore.search_hint", L))
    searched = right.form_submit_button(t("explore.search_button", L))
if searched:
    with user_errors():
        st.session_state["explore_hits"] = search_entities(db, text, top=30, actor=actor)
hits = st.session_state.get("explore_hits")
if hits is not None:
    if not hits:
        st.info(t("explore.no_hits", L))
    else:
        pick_col, open_col = st.columns([4, 1])
        pick = pick_col.selectbox(t("explore.hits", L).format(n=len(hits)), range(len(hits)),
                                  format_func=lambda i: describe(hits[i], L), key="explore_pick")
        open_col.write("")
        if open_col.button(t("explore.open", L), key="explore_open"):
            st.session_state["explore_focus"] = hits[pick]["key"]
            st.session_state["explore_expanded"] = []
            st.query_params["key"] = hits[pick]["key"]

focus = st.session_state.get("explore_focus")
if not focus:
    st.info(t("explore.start", L))
    st.stop()

with user_errors():
    profile = entity_profile(db, focus)
if profile is None:
    st.warning(t("explore.not_found", L).format(key=focus))
    st.stop()

props = profile["properties"]
name = props.get("name") or props.get("holder_name") or props.get("text") or props.get("summary") or focus
st.subheader(f"{name} · {term(profile['label'], L)}")

info, picture = st.columns([2, 5])
with info:
    st.markdown(f"**{t('explore.properties', L)}**")
    st.dataframe(pd.DataFrame([{t("explore.property", L): k, t("explore.value", L): str(v)} for k, v in props.items()]),
                 hide_index=True, width="stretch")
    st.markdown(f"**{t('explore.provenance', L)}**")
    prov = profile["provenance"]
    st.caption(t("explore.first_seen", L).format(file=prov.get("src_file", "-"), row=prov.get("src_row", "-"),
                                                  sha=str(prov.get("src_sha256", ""))[:12]))
    if profile["runs"]:
        st.dataframe(pd.DataFrame([{t("explore.run_file", L): r.get("file"), t("explore.run_kind", L): r.get("kind"),
                                    t("explore.run_user", L): r.get("user"), t("explore.run_at", L): r.get("started_at"),
                                    t("explore.run_key", L): r.get("key")} for r in profile["runs"]]),
                     hide_index=True, width="stretch")
    st.caption(t("explore.degree", L).format(n=profile["degree"]))
    # an evidence package of what this profile stands on: the structure of an organization,
    # the money trail from an account or its holder (analysts and admins)
    if profile["label"] == "Organization":
        evidence_button(db, load_reports()["org-structure"], {"org": focus}, actor)
    elif profile["label"] in ("BankAccount", "Person"):
        evidence_button(db, load_reports()["fund-flow-downstream"], {"start": focus}, actor)

with picture:
    with st.expander(t("explore.filters", L)):
        labels = st.multiselect(t("explore.filter_labels", L), investigation_labels(), key="explore_labels",
                                format_func=lambda x: term(x, L))
        types = st.multiselect(t("explore.filter_types", L), [r.type for r in RELATIONSHIPS], key="explore_types",
                               format_func=lambda x: f"{rel_name(x, L)} ({x})" if L == "zh" else x)
        use_window = st.checkbox(t("explore.filter_window", L), key="explore_use_window")
        w1, w2 = st.columns(2)
        since = w1.date_input(t("explore.since", L), dt.date(2015, 1, 1), key="explore_since", disabled=not use_window)
        until = w2.date_input(t("explore.until", L), dt.date.today(), key="explore_until", disabled=not use_window)
        c1, c2 = st.columns(2)
        cap = c1.number_input(t("explore.cap", L), 20, 1000, 300, step=20, key="explore_cap")
        fan = c2.number_input(t("explore.fan", L), 5, 500, 25, key="explore_fan")

    keys = [focus] + [k for k in st.session_state["explore_expanded"] if k != focus]
    with user_errors():
        graph, cut = neighbourhood(db, keys, labels=labels or None, rel_types=types or None,
                                   since=since if use_window else None, until=until if use_window else None, lang=L)
        if len(keys) > 1:
            graph = links_among(db, graph, rel_types=types or None)
    keep = [n["id"] for n in graph["nodes"] if n.get("key") in keys]
    shaped = collapse_fans(graph, threshold=int(fan), keep=keep, lang=L)
    capped, shown, total = cap_graph(shaped, int(cap), focus=keep)
    note = showing_note(shown, total, L)
    st.iframe(network_html(capped, lang=L, height="620px", note=note), height=640)
    st.caption(t("explore.showing", L).format(shown=shown, total=total, raw=len(graph["nodes"]))
               + (" · " + t("explore.cut", L) if cut else ""))

    expandable = [n for n in capped["nodes"] if n.get("key") and n.get("key") not in keys]
    if expandable:
        e1, e2, e3 = st.columns([4, 1, 1])
        # Options are keys (not positions), so a choice never silently points at another node
        # when the picture changes.
        shown_as = {n["key"]: f"{n['caption']} · {term(n['label'], L)}" for n in expandable}
        chosen = e1.selectbox(t("explore.expand_pick", L), list(shown_as), key="explore_expand_pick",
                              format_func=lambda k: shown_as.get(k, k))
        e2.write("")
        if e2.button(t("explore.expand", L), key="explore_expand"):
            st.session_state["explore_expanded"].append(chosen)
            st.rerun()
        e3.write("")
        if e3.button(t("explore.refocus", L), key="explore_refocus"):
            st.session_state["explore_focus"] = chosen
            st.session_state["explore_expanded"] = []
            st.query_params["key"] = chosen
            st.rerun()
    if st.session_state["explore_expanded"]:
        st.caption(t("explore.expanded", L).format(n=len(st.session_state["explore_expanded"])))
        if st.button(t("explore.reset", L), key="explore_reset"):
            st.session_state["explore_expanded"] = []
            st.rerun()

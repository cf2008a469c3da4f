"""Hubs and groups: ranked people with explanations, linked groups and what they share,
re-formed organizations, possible same-person matches; each row opens Explore on it."""

import pandas as pd
import streamlit as st

from core.i18n import t, term
from views.common import graph_db, lang, user_errors
from visual.graphs import neighbourhood
from visual.network import cap_graph, collapse_fans, network_html, showing_note

L = lang()
st.header(t("nav.hubs", L))

with user_errors():
    db = graph_db()

try:
    from analytics import api
except ImportError:  # the analytics package is not installed in this checkout
    api = None
if api is None:
    st.info(t("hubs.unavailable", L))
    st.stop()


def open_in_explore(key: str) -> None:
    st.session_state["explore_focus"] = key
    st.session_state["explore_expanded"] = []
    st.query_params["key"] = key
    st.switch_page("views/explore.py")


def table(rows: list[dict], columns: dict[str, str], key: str, open_keys: list[str]) -> None:
    """A table whose selected row opens Explore, and a picker doing the same (keyboard, tests)."""
    if not rows:
        st.info(t("hubs.empty", L))
        return
    frame = pd.DataFrame(rows)
    shown = frame[[c for c in columns if c in frame.columns]].rename(columns=columns)
    event = st.dataframe(shown, hide_index=True, width="stretch", key=f"{key}_table",
                         on_select="rerun", selection_mode="single-row")
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked and open_keys[picked[0]]:
        open_in_explore(open_keys[picked[0]])
    left, right = st.columns([4, 1])
    choice = left.selectbox(t("hubs.pick", L), range(len(rows)), key=f"{key}_pick",
                            format_func=lambda i: " · ".join(str(shown.iloc[i][c]) for c in shown.columns[:3]))
    right.write("")
    if right.button(t("hubs.open", L), key=f"{key}_open") and open_keys[choice]:
        open_in_explore(open_keys[choice])


def picture(keys: list[str], rel_types: list[str] | None, *, shared_only: bool = False) -> None:
    """The given entities and their links (for groups: only what two or more of them share)."""
    with user_errors():
        graph, _ = neighbourhood(db, keys, rel_types=rel_types, lang=L)
    focus = [n["id"] for n in graph["nodes"] if n.get("key") in set(keys)]
    if shared_only:
        degree: dict[str, int] = {}
        for e in graph["edges"]:
            for end in (e["source"], e["target"]):
                degree[end] = degree.get(end, 0) + 1
        kept = {n["id"] for n in graph["nodes"] if n["id"] in focus or degree.get(n["id"], 0) >= 2}
        graph = {"nodes": [n for n in graph["nodes"] if n["id"] in kept],
                 "edges": [e for e in graph["edges"] if e["source"] in kept and e["target"] in kept]}
    shaped = collapse_fans(graph, keep=focus, lang=L)
    capped, shown, total = cap_graph(shaped, 400, focus=focus)
    st.iframe(network_html(capped, lang=L, height="520px", note=showing_note(shown, total, L)), height=540)


hubs_tab, groups_tab, reformed_tab, matches_tab = st.tabs(
    [t("hubs.hubs", L), t("hubs.groups", L), t("hubs.reformed", L), t("hubs.matches", L)])

with hubs_tab:
    top = st.number_input(t("hubs.top", L), 5, 500, 30, step=5, key="hubs_top")
    with user_errors():
        hubs = api.hub_figures(db, top=int(top), lang=L)
    if hubs:
        picture([h["key"] for h in hubs[:25]], ["LEADS", "MEMBER_OF", "FAMILY_OF", "ASSOCIATE_OF"])
    for h in hubs:
        h["label_name"] = term(h.get("label", ""), L)
    table(hubs, {"name": t("hubs.col_name", L), "label_name": t("label.kind", L), "score": t("hubs.col_score", L),
                 "explanation": t("hubs.col_explanation", L), "key": t("structure.col_key", L)},
          "hubs", [h.get("key") for h in hubs])

with groups_tab:
    with user_errors():
        members = api.linked_groups(db, lang=L)
    if members:
        groups = list(dict.fromkeys(m["group"] for m in members))
        sizes = {g: next(m.get("group_size", 0) for m in members if m["group"] == g) for g in groups}
        group = st.selectbox(t("hubs.group", L), groups, key="hubs_group",
                             format_func=lambda g: f"{t('hubs.group', L)} {g} · {sizes[g]} {t('hubs.members', L)}")
        in_group = [m for m in members if m["group"] == group]
        picture([m["key"] for m in in_group], ["HOLDS", "HAS_PHONE", "LOCATED_AT", "LEADS"], shared_only=True)
        shared = in_group[0].get("shared")
        if shared:
            st.caption(f"{t('hubs.shared', L)}: {shared if isinstance(shared, str) else ', '.join(map(str, shared))}")
    else:
        in_group = []
    for m in in_group:
        m["label_name"] = term(m.get("label", ""), L)
    table(in_group, {"name": t("hubs.col_name", L), "label_name": t("label.kind", L),
                     "shared": t("hubs.shared", L), "key": t("structure.col_key", L)},
          "groups", [m.get("key") for m in in_group])

with reformed_tab:
    with user_errors():
        pairs = api.reformed_pairs(db)
    if pairs:
        picture(list(dict.fromkeys([p["old_key"] for p in pairs] + [p["new_key"] for p in pairs])),
                ["LEADS", "HOLDS", "LOCATED_AT", "HAS_PHONE"], shared_only=True)
    table(pairs, {"old_name": t("hubs.col_old", L), "new_name": t("hubs.col_new", L),
                  "shared": t("hubs.shared", L), "evidence": t("hubs.col_evidence", L)},
          "reformed", [p.get("new_key") for p in pairs])

with matches_tab:
    with user_errors():
        matches = api.possible_matches(db)
    columns = list(matches[0].keys()) if matches else []
    key_column = next((c for c in columns if c.endswith("key")), None)
    table(matches, {c: c for c in columns}, "matches", [m.get(key_column) for m in matches] if key_column else
          [None] * len(matches))

"""Hubs and groups: ranked people with explanations, linked groups and what they share,
re-formed organizations, possible same-person matches; each row opens Explore on it."""

import pandas as pd
import streamlit as st

from core.i18n import t, term
from views.common import graph_db, lang, page_actor, user_errors
from visual.graphs import data_stamp, neighbourhood
from visual.network import cap_graph, collapse_fans, network_html, showing_note

actor = page_actor("explore")  # a login and a role before any data (core/auth.py)

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


@st.cache_data(ttl=600, show_spinner=False)
def analysed(what: str, lang_: str, stamp: str, top: int = 50, *, _db=None) -> list[dict]:
    """One analytics result, shared by every session until the data changes (``stamp``) or
    ten minutes pass: each call analyses the whole graph."""
    if what == "hubs":
        return api.hub_figures(_db, top=top, lang=lang_)
    if what == "groups":
        return api.linked_groups(_db, lang=lang_)
    if what == "reformed":
        return api.reformed_pairs(_db, lang=lang_)
    return api.possible_matches(_db, lang=lang_)


def plain(value) -> str:
    return value if isinstance(value, str) else "、".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


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


with user_errors():
    stamp = data_stamp(db)
SECTIONS = {"hubs": "hubs.hubs", "groups": "hubs.groups", "reformed": "hubs.reformed", "matches": "hubs.matches"}
section = st.radio(t("hubs.section", L), list(SECTIONS), format_func=lambda s: t(SECTIONS[s], L),
                   horizontal=True, key="hubs_section")

if section == "hubs":
    top = st.number_input(t("hubs.top", L), 5, 500, 30, step=5, key="hubs_top")
    with st.spinner(t("hubs.computing", L)), user_errors():
        hubs = [dict(h) for h in analysed("hubs", L, stamp, int(top), _db=db)]
    if hubs:
        picture([h["key"] for h in hubs[:25]], ["LEADS", "FAMILY_OF", "ASSOCIATE_OF", "OWNS"])
    for h in hubs:
        h["label_name"] = term(h.get("label", ""), L)
    table(hubs, {"rank": t("hubs.col_rank", L), "name": t("hubs.col_name", L), "label_name": t("label.kind", L),
                 "score": t("hubs.col_score", L), "explanation": t("hubs.col_explanation", L),
                 "key": t("structure.col_key", L)},
          "hubs", [h.get("key") for h in hubs])

elif section == "groups":
    with st.spinner(t("hubs.computing", L)), user_errors():
        members = [dict(m) for m in analysed("groups", L, stamp, _db=db)]
    in_group: list[dict] = []
    if members:
        groups = list(dict.fromkeys(m["group"] for m in members))
        sizes = {g: next(m.get("group_size", 0) for m in members if m["group"] == g) for g in groups}
        group = st.selectbox(t("hubs.group", L), groups, key="hubs_group",
                             format_func=lambda g: f"{t('hubs.group', L)} {g} · {sizes[g]} {t('hubs.members', L)}")
        in_group = [m for m in members if m["group"] == group]
        picture([m["key"] for m in in_group], ["LEADS", "HOLDS", "HAS_PHONE", "LOCATED_AT", "BRANCH_OF", "REFORMED_AS"],
                shared_only=True)
        if in_group[0].get("shared"):
            st.caption(f"{t('hubs.shared', L)}: {plain(in_group[0]['shared'])}")
    for m in in_group:
        m["label_name"] = term(m.get("label", ""), L)
        m["shared"] = plain(m.get("shared", ""))
    table(in_group, {"name": t("hubs.col_name", L), "label_name": t("label.kind", L),
                     "key_persons": t("hubs.col_key_persons", L), "statuses": t("hubs.col_statuses", L),
                     "shared": t("hubs.shared", L), "key": t("structure.col_key", L)},
          "groups", [m.get("key") for m in in_group])

elif section == "reformed":
    with st.spinner(t("hubs.computing", L)), user_errors():
        pairs = [dict(p) for p in analysed("reformed", L, stamp, _db=db)]
    if pairs:
        picture(list(dict.fromkeys([p["old_key"] for p in pairs] + [p["new_key"] for p in pairs])),
                ["LEADS", "HOLDS", "LOCATED_AT", "HAS_PHONE", "REFORMED_AS"], shared_only=True)
    for p in pairs:
        p["shared"] = plain(p.get("shared", ""))
    table(pairs, {"old_name": t("hubs.col_old", L), "new_name": t("hubs.col_new", L),
                  "shared": t("hubs.shared", L), "evidence": t("hubs.col_evidence", L)},
          "reformed", [p.get("new_key") for p in pairs])

else:
    with st.spinner(t("hubs.computing", L)), user_errors():
        matches = [dict(m) for m in analysed("matches", L, stamp, _db=db)]
    for m in matches:
        m["evidence"] = plain(m.get("evidence", ""))
    if matches:
        picture([m["name_only_key"] for m in matches[:10] if m.get("name_only_key")]
                + [m["identified_key"] for m in matches[:10] if m.get("identified_key")],
                ["MEMBER_OF", "LEADS", "HAS_PHONE", "LOCATED_AT"], shared_only=True)
    table(matches, {"name": t("hubs.col_name", L), "details": t("hubs.col_evidence", L),
                    "name_only_key": t("hubs.col_name_only", L), "identified_key": t("hubs.col_identified", L)},
          "matches", [m.get("name_only_key") or m.get("identified_key") for m in matches])

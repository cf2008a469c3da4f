"""Organization structure: leaders by role, branches, members, accounts, addresses, events
as a hierarchy picture and tables, and the organization's money in and out."""

import datetime as dt

import pandas as pd
import streamlit as st

from core.i18n import t
from views.common import graph_db, lang, page_actor, user_errors
from visual.graphs import org_money, org_structure, organizations
from visual.network import cap_graph, collapse_fans, network_html, showing_note

actor = page_actor("explore")  # a login and a role before any data (core/auth.py)

L = lang()
st.header(t("nav.structure", L))

with user_errors():
    db = graph_db()

text = st.text_input(t("structure.filter", L), key="structure_filter")
with user_errors():
    orgs = organizations(db, text)
if not orgs:
    st.info(t("structure.none", L))
    st.stop()
preset = st.session_state.get("structure_org")
index = next((i for i, o in enumerate(orgs) if o["key"] == preset), 0)
chosen = st.selectbox(t("structure.choose", L), range(len(orgs)), index=index, key="structure_pick",
                      format_func=lambda i: f"{orgs[i]['name']} · {orgs[i]['status'] or '-'} · "
                                            f"{orgs[i]['people']} {t('structure.people', L)}")
org = orgs[chosen]
st.session_state["structure_org"] = org["key"]

with user_errors():
    result, graph = org_structure(db, org["key"], lang=L, actor=actor)

# The report's parts are bilingual ("领导 leader"); the first word is the Chinese name.
PARTS = ("领导 leader", "分支 branch", "上级 parent", "成员 member", "账户 account", "地址 address", "活动 event")
rows = pd.DataFrame(result.rows)
total_members = next((r["detail"] for r in result.rows if r["part"] == "成员总数 members total"), "0")

counts = {p: int((rows["part"] == p).sum()) if not rows.empty else 0 for p in PARTS}
cols = st.columns(5)
cols[0].metric(t("structure.leaders", L), counts["领导 leader"])
cols[1].metric(t("structure.members", L), total_members)
cols[2].metric(t("structure.branches", L), counts["分支 branch"] + counts["上级 parent"])
cols[3].metric(t("structure.accounts", L), counts["账户 account"])
cols[4].metric(t("structure.events", L), counts["活动 event"])

picture_tab, tables_tab, money_tab = st.tabs([t("structure.picture", L), t("structure.tables", L),
                                              t("structure.money", L)])
with picture_tab:
    center = [n["id"] for n in graph["nodes"] if n.get("key") == org["key"]]
    shaped = collapse_fans(graph, threshold=25, keep=center, lang=L)
    capped, shown, total = cap_graph(shaped, 400, focus=center)
    st.iframe(network_html(capped, lang=L, height="600px", hierarchical=True,
                                 note=showing_note(shown, total, L)), height=620)
    st.caption(t("structure.picture_note", L))

with tables_tab:
    labels = {"领导 leader": "structure.leaders", "分支 branch": "structure.branch_list",
              "上级 parent": "structure.parent", "成员 member": "structure.member_list",
              "账户 account": "structure.accounts", "地址 address": "structure.addresses",
              "活动 event": "structure.events"}
    columns = {"role": t("structure.col_role", L), "name": t("structure.col_name", L),
               "key": t("structure.col_key", L), "detail": t("structure.col_detail", L)}
    for part in PARTS:
        part_rows = rows[rows["part"] == part] if not rows.empty else rows
        if part_rows.empty:
            continue
        st.markdown(f"**{t(labels[part], L)}** ({len(part_rows)})")
        table = part_rows[["role", "name", "key", "detail"]].rename(columns=columns)
        if part == "领导 leader":
            table = table.sort_values(columns["role"])
        st.dataframe(table, hide_index=True, width="stretch")
    if total_members not in ("0", None) and counts["成员 member"] < int(total_members):
        st.caption(t("structure.members_listed", L).format(shown=counts["成员 member"], total=total_members))

with money_tab:
    with st.form("structure_money_form"):
        c1, c2, c3 = st.columns(3)
        leaders = c1.checkbox(t("structure.with_leaders", L), value=True, key="structure_leaders")
        since = c2.date_input(t("explore.since", L), dt.date(2015, 1, 1), key="structure_since")
        until = c3.date_input(t("explore.until", L), dt.date.today(), key="structure_until")
        st.form_submit_button(t("structure.money_run", L))
    with user_errors():
        money = org_money(db, org["key"], leaders=leaders, since=since, until=until)
    if not money:
        st.info(t("structure.no_money", L))
    else:
        frame = pd.DataFrame(money)
        m1, m2, m3 = st.columns(3)
        money_in = frame.loc[frame["direction"] == "in", "amount"].sum()
        money_out = frame.loc[frame["direction"] == "out", "amount"].sum()
        m1.metric(t("structure.money_in", L), f"¥{money_in:,.0f}")
        m2.metric(t("structure.money_out", L), f"¥{money_out:,.0f}")
        m3.metric(t("structure.counterparties", L), frame["counterparty_account"].nunique())
        frame["holder"] = frame["holder"].fillna(t("structure.own", L))
        frame["direction"] = frame["direction"].map({"in": t("structure.in", L), "out": t("structure.out", L)})
        st.dataframe(frame.rename(columns={
            "direction": t("structure.col_direction", L), "account": t("structure.col_account", L),
            "holder": t("structure.col_holder", L), "counterparty_account": t("structure.col_cp_account", L),
            "counterparty": t("structure.col_counterparty", L), "transfers": t("structure.col_transfers", L),
            "amount": t("structure.col_amount", L), "first": t("structure.col_first", L),
            "last": t("structure.col_last", L)}), hide_index=True, width="stretch")

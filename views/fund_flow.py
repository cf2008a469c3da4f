"""Fund flow: trace money from an account or holder, as a path graph, a Sankey between
holders, a table and a timeline of the transfers."""

import datetime as dt

import networkx as nx
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.i18n import t
from views.common import graph_db, lang, page_actor, user_errors
from views.widgets_evidence import evidence_button
from visual.graphs import describe, holder_flows, holders, search_entities, trace, trace_report, transfers_of
from visual.network import cap_graph, merge_parallel_edges, network_html, showing_note

actor = page_actor("explore")  # a login and a role before any data (core/auth.py)

L = lang()
st.header(t("nav.fund_flow", L))

with user_errors():
    db = graph_db()

with st.form("flow_search_form"):
    left, right = st.columns([4, 1])
    text = left.text_input(t("flow.search", L), key="flow_search", placeholder=t("flow.search_hint", L))
    searched = right.form_submit_button(t("explore.search_button", L))
if searched:
    with user_errors():
        st.session_state["flow_hits"] = search_entities(db, text, top=30,
                                                        labels=("BankAccount", "Person", "Organization"),
                                                        actor=actor)
hits = st.session_state.get("flow_hits")
if not hits:
    if hits is not None:
        st.info(t("explore.no_hits", L))
    st.info(t("flow.start", L))
    st.stop()

with st.form("flow_trace_form"):
    start = st.selectbox(t("flow.start_from", L), range(len(hits)), format_func=lambda i: describe(hits[i], L),
                         key="flow_start")
    c1, c2, c3 = st.columns(3)
    direction = c1.radio(t("flow.direction", L), ["downstream", "upstream"], key="flow_direction", horizontal=True,
                         format_func=lambda d: t(f"flow.{d}", L))
    hops = c2.slider(t("flow.hops", L), 1, 6, 3, key="flow_hops")
    min_amount = c3.number_input(t("flow.min_amount", L), 0.0, 1e12, 0.0, step=1000.0, key="flow_min")
    c4, c5, c6 = st.columns(3)
    since = c4.date_input(t("explore.since", L), dt.date(2015, 1, 1), key="flow_since")
    until = c5.date_input(t("explore.until", L), dt.date.today(), key="flow_until")
    within = c6.number_input(t("flow.within_days", L), 1, 3650, 30, key="flow_within")
    run = st.form_submit_button(t("flow.run", L))
if run:
    with user_errors():
        result, graph = trace(db, hits[start]["key"], direction=direction, max_hops=int(hops),
                              min_amount=float(min_amount), since=since, until=until, within_days=int(within), lang=L,
                              actor=actor)
        moves = transfers_of(result)
        who = holders(db, {m["payer"] for m in moves} | {m["payee"] for m in moves})
    st.session_state["flow_result"] = {"start": hits[start], "result": result, "graph": graph,
                                       "moves": moves, "who": who, "direction": direction,
                                       "report": trace_report(hits[start]["key"], direction=direction,
                                                              max_hops=int(hops), min_amount=float(min_amount),
                                                              since=since, until=until, within_days=int(within))}

state = st.session_state.get("flow_result")
if not state:
    st.stop()
result, graph, moves, who = state["result"], state["graph"], state["moves"], state["who"]
st.subheader(t("flow.result_title", L).format(name=describe(state["start"], L), direction=t(f"flow.{state['direction']}", L)))
if result.truncated:
    st.warning(t("reports.truncated", L).format(n=len(result.rows)))
if not result.rows:
    st.info(t("flow.nothing", L))
    st.stop()
evidence_button(db, *state["report"], actor)  # the same trace as an evidence package (analysts)


def holder_name(account: str) -> str:
    h = who.get(account, {}).get("holder") or account
    return t("flow.cash", L) + f" …{account[-4:]}" if str(account).startswith("CASH:") else str(h)


m1, m2, m3, m4 = st.columns(4)
m1.metric(t("flow.chains", L), len(result.rows))
m2.metric(t("flow.transfers", L), len(moves))
m3.metric(t("flow.accounts", L), len({m["payer"] for m in moves} | {m["payee"] for m in moves}))
m4.metric(t("flow.total", L), f"¥{sum(float(m['amount'] or 0) for m in moves):,.0f}")

path_tab, sankey_tab, table_tab, timeline_tab = st.tabs(
    [t("flow.path", L), t("flow.sankey", L), t("flow.table", L), t("flow.timeline", L)])

with path_tab:
    start_ids = [n["id"] for n in graph["nodes"] if n.get("key") == state["start"]["key"]]
    merged = merge_parallel_edges(graph, L)
    for node in merged["nodes"]:
        if node.get("key"):
            node["caption"] = holder_name(node["key"])
    capped, shown, total = cap_graph(merged, 1000, focus=start_ids)
    # Money flows left to right, one column per hop; a trail with a cycle in it has no
    # columns, so it gets the force layout instead.
    flow = nx.DiGraph([(e["source"], e["target"]) for e in capped["edges"]])
    st.iframe(network_html(capped, lang=L, height="600px", hierarchical=nx.is_directed_acyclic_graph(flow),
                           direction="LR", note=showing_note(shown, total, L)), height=620)

with sankey_tab:
    named = {k: {**v, "holder": holder_name(k)} for k, v in who.items()}
    flows = holder_flows(moves, named)
    if not flows:
        st.info(t("flow.no_sankey", L))
    else:
        names = list(dict.fromkeys([f["source"] for f in flows] + [f["target"] for f in flows]))
        index = {n: i for i, n in enumerate(names)}
        figure = go.Figure(go.Sankey(
            arrangement="snap",
            node={"label": names, "pad": 12, "thickness": 14},
            link={"source": [index[f["source"]] for f in flows], "target": [index[f["target"]] for f in flows],
                  "value": [f["amount"] for f in flows],
                  "customdata": [f["transfers"] for f in flows],
                  "hovertemplate": "%{source.label} → %{target.label}<br>¥%{value:,.0f} (%{customdata})<extra></extra>"}))
        figure.update_layout(height=max(400, 22 * len(names)), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                             font={"family": "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif", "size": 12})
        st.plotly_chart(figure, width="stretch", key="flow_sankey")
        st.caption(t("flow.sankey_note", L))

with table_tab:
    table = pd.DataFrame([{t("flow.col_time", L): m["time"], t("flow.col_hop", L): m["hop"],
                           t("flow.col_payer", L): holder_name(m["payer"]), t("flow.col_payer_account", L): m["payer"],
                           t("flow.col_payee", L): holder_name(m["payee"]), t("flow.col_payee_account", L): m["payee"],
                           t("flow.col_amount", L): m["amount"]} for m in moves])
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(t("flow.download", L), table.to_csv(index=False).encode("utf-8-sig"),
                       file_name="fund-flow.csv", mime="text/csv", key="flow_csv",
                       on_click="ignore")
    with st.expander(t("flow.chains", L)):
        st.dataframe(pd.DataFrame(result.rows), hide_index=True, width="stretch")

with timeline_tab:
    frame = pd.DataFrame([{"time": pd.to_datetime(m["time"], errors="coerce"), "amount": m["amount"],
                           "hop": str(m["hop"]), "payer": holder_name(m["payer"]), "payee": holder_name(m["payee"])}
                          for m in moves]).dropna(subset=["time"])
    figure = go.Figure()
    for hop, part in frame.groupby("hop"):
        figure.add_trace(go.Scatter(x=part["time"], y=part["amount"], mode="markers",
                                    name=t("flow.col_hop", L) + f" {hop}",
                                    customdata=part[["payer", "payee"]].values,
                                    hovertemplate="%{x}<br>%{customdata[0]} → %{customdata[1]}<br>¥%{y:,.0f}<extra></extra>"))
    figure.update_layout(height=420, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                         yaxis_title=t("flow.col_amount", L), xaxis_title=t("flow.col_time", L))
    st.plotly_chart(figure, width="stretch", key="flow_timeline")

"""Overview (底数清): what the graph holds, counted the way the campaign reports it.

The counts are cached (``views.common.CACHE_TTL`` seconds, cleared after a load) so a rerun
sends no query; the leads window is a form, so changing it sends one query, on submit.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from core.i18n import t, term
from graph.connection import GraphDB
from queries.overview import counts, recent_leads
from views.common import CACHE_TTL, empty_prompt, graph_db, lang, page_actor, user_errors

L = lang()
page_actor("explore")
st.title(t("app.title", L))
db = graph_db()


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def cached_counts(uri: str, database: str, _db: GraphDB) -> dict:
    return counts(_db)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def cached_version(uri: str, _db: GraphDB) -> str:
    return _db.server_version()


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def cached_leads(uri: str, database: str, since: dt.date, _db: GraphDB) -> dict:
    return recent_leads(_db, since)


with user_errors():
    version = cached_version(db.uri, db)
    data = cached_counts(db.uri, db.database, db)

st.caption(f"{t('overview.connected', L)}: {db.uri} ({db.user}) · {t('overview.database', L)} {db.database} · "
           f"Neo4j {version}")
if empty_prompt(db):
    st.stop()


def table(rows, columns):
    """rows as a DataFrame with the interface's column names ({key: label})."""
    return pd.DataFrame([{label: row.get(key) for key, label in columns.items()} for row in rows])


def yuan(value) -> str:
    return f"¥{(value or 0):,.0f}"


# ---- organizations: status, class, disposition, district
st.subheader(t("overview.organizations", L))
total = sum(r["organizations"] for r in data["status"])
irregular = sum(r["organizations"] for r in data["status"] if r["status"] != "正常")
cols = st.columns(4)
cols[0].metric(t("overview.orgs_total", L), f"{total:,}")
cols[1].metric(t("overview.orgs_irregular", L), f"{irregular:,}")
cols[2].metric(t("overview.leads_total", L), f"{data['leads']['leads']:,}")
cols[3].metric(t("overview.flagged", L), f"{len({r['class'] for r in data['class']})} / 7" if data["class"] else "—")

left, middle, right = st.columns(3)
with left:
    st.markdown(f"**{t('overview.by_status', L)}**")
    st.dataframe(table(data["status"], {"status": t("overview.status", L), "organizations": t("label.count", L)}),
                 hide_index=True, width="stretch")
with middle:
    st.markdown(f"**{t('overview.by_class', L)}**")
    if data["class"]:
        st.dataframe(table([{**r, "name": t(f"class.{r['class']}", L)} for r in data["class"]],
                           {"class": t("overview.class", L), "name": t("overview.class_name", L),
                            "organizations": t("label.count", L)}), hide_index=True, width="stretch")
    else:
        st.caption(t("overview.no_screening", L))
with right:
    st.markdown(f"**{t('overview.by_disposition', L)}**")
    if data["disposition"]:
        st.dataframe(table(data["disposition"], {"disposition": t("overview.disposition", L),
                                                 "organizations": t("label.count", L)}),
                     hide_index=True, width="stretch")
    else:
        st.caption(t("overview.no_dispositions", L))

st.markdown(f"**{t('overview.by_district', L)}**")
districts = table(data["district"], {"district": t("overview.district", L), "organizations": t("label.count", L),
                                     "irregular": t("overview.orgs_irregular", L)})
if not districts.empty:
    districts[t("overview.district", L)] = districts[t("overview.district", L)].fillna(t("overview.unknown", L))
    st.bar_chart(districts.set_index(t("overview.district", L))[[t("label.count", L)]], height=220)
st.dataframe(districts, hide_index=True, width="stretch")

# ---- money involved
st.subheader(t("overview.money", L))
money = data["money"]
cols = st.columns(4)
cols[0].metric(t("overview.transfers", L), yuan(money["transfer_amount"]),
               f"{money['transfers']:,} {t('overview.transfers_n', L)}", delta_color="off")
cols[1].metric(t("overview.received", L), yuan(money["received"]),
               f"{money['accounts']:,} {t('overview.accounts_n', L)}", delta_color="off")
cols[2].metric(t("overview.event_amount", L), yuan(money["event_amount"]),
               f"{money['events']:,} {t('overview.events_n', L)} · {money['participants']:,} {t('overview.participants_n', L)}",
               delta_color="off")
cols[3].metric(t("overview.member_fees", L), yuan(money["member_fees"]),
               f"{money['memberships']:,} {t('overview.members_n', L)}", delta_color="off")
st.caption(t("overview.money_note", L))

# ---- recent leads by channel
st.subheader(t("overview.leads", L))
latest = data["leads"]["latest"]
if latest:
    latest_day = latest if isinstance(latest, dt.date) else dt.date.fromisoformat(str(latest)[:10])
    with st.form("leads_window"):
        since = st.date_input(t("overview.leads_since", L), value=latest_day - dt.timedelta(days=90),
                              min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31),
                              key="leads_since", format="YYYY-MM-DD")
        st.form_submit_button(t("overview.apply", L))
    with user_errors():
        leads = cached_leads(db.uri, db.database, since, db)
    left, right = st.columns([1, 2])
    left.dataframe(table(leads["by_channel"], {"channel": t("overview.channel", L), "leads": t("label.count", L),
                                               "first": t("overview.first", L), "last": t("overview.last", L)}),
                   hide_index=True, width="stretch")
    right.dataframe(table([{**r, "concerns": "、".join(r["concerns"] or [])} for r in leads["latest"]],
                          {"received_on": t("overview.received_on", L), "channel": t("overview.channel", L),
                           "summary": t("overview.summary", L), "concerns": t("overview.concerns", L)}),
                    hide_index=True, width="stretch")
else:
    st.caption(t("overview.no_leads", L))

# ---- graph contents
with st.expander(t("overview.counts", L)):
    left, right = st.columns(2)
    left.dataframe(pd.DataFrame([{t("label.kind", L): term(k, L), t("label.count", L): v}
                                 for k, v in data["nodes"].items()]), hide_index=True)
    right.dataframe(pd.DataFrame([{t("label.kind", L): k, t("label.count", L): v}
                                  for k, v in data["relationships"].items()]), hide_index=True)
if st.button(t("overview.refresh", L), key="overview_refresh"):
    st.cache_data.clear()
    st.rerun()

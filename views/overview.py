"""Overview: connection status and what the graph holds."""

import pandas as pd
import streamlit as st

from core.i18n import t, term
from graph.admin import stats
from views.common import graph_db, lang, page_actor, user_errors

page_actor("explore")

st.title(t("app.title", lang()))

with user_errors():
    db = graph_db()
    version = db.server_version()
    counts = stats(db)

st.subheader(t("overview.connection", lang()))
st.caption(f"{t('overview.connected', lang())}: {db.uri} ({db.user})")
cols = st.columns(2)
cols[0].metric(t("overview.database", lang()), db.database)
cols[1].metric(t("overview.server", lang()), version)

st.subheader(t("overview.counts", lang()))
left, right = st.columns(2)
left.dataframe(pd.DataFrame([{t("label.kind", lang()): term(k, lang()), t("label.count", lang()): v}
                             for k, v in counts["nodes"].items()]), hide_index=True)
right.dataframe(pd.DataFrame([{t("label.kind", lang()): k, t("label.count", lang()): v}
                              for k, v in counts["relationships"].items()]), hide_index=True)
if counts["total"]["nodes"] == 0:
    st.info(t("overview.empty", lang()))

"""Audit log (admins): the chain's verdict and the entries, filtered by user and date."""

import datetime as dt
import json

import pandas as pd
import streamlit as st

from access.audit import audit_log
from core.i18n import t
from core.settings import load_settings
from views.common import lang, page_actor

page_actor("audit.view")
st.header(t("nav.audit", lang()))
log = audit_log(load_settings())
verdict = log.verify()
if verdict.ok:
    st.success(t("audit.intact", lang()).format(n=verdict.entries))
else:
    st.error(verdict.sentence())
left, right = st.columns(2)
user = left.text_input(t("audit.user", lang()), key="audit_user").strip() or None
since = right.date_input(t("audit.since", lang()), value=None, key="audit_since")
moment = dt.datetime.combine(since, dt.time(), dt.timezone.utc) if since else None
entries = log.find(user=user, since=moment)
st.dataframe(pd.DataFrame([{"seq": e["seq"], "time": e["time"], "user": e["user"], "role": e.get("role"),
                            "action": e["action"],
                            "details": json.dumps(e.get("details") or {}, ensure_ascii=False, sort_keys=True),
                            "hash": e["hash"][:16]} for e in reversed(entries)]),
             hide_index=True, use_container_width=True)

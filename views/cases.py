"""Cases: the screening list with reasons and evidence, dispositions with history, the
blacklist and ringleaders, and the briefing / public list / blacklist exports."""

import datetime as dt
import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from core.auth import require
from core.errors import OrgTraceError
from core.i18n import t
from core.settings import load_settings
from screening import dispositions, engine
from screening.briefing import briefing_data
from screening.config import load_config
from screening.publish import blacklist_rows, write_blacklist, write_public_list
from screening.render import write_briefing
from queries.runner import record
from views.common import graph_db, lang, page_actor, user_errors

MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html", "pdf": "application/pdf"}

L = lang()
settings = load_settings()
actor = page_actor("explore")
st.header(t("nav.cases", L))
with user_errors():
    db = graph_db()
    config = load_config(settings.screening_rules)

top_left, top_right = st.columns([1, 3])
if top_left.button(t("cases.run", L), key="cases_run", type="primary"):
    with user_errors():
        require(actor, "disposition.set")  # a run writes findings: analysts only
        summary = engine.run_screening(db, config, user=actor.name)
        record(actor, "screening.run", run=summary.run, findings=summary.findings,
               organizations=summary.organizations)
    st.success(t("cases.ran", L).format(findings=summary.findings, orgs=summary.organizations,
                                        suppressed=summary.suppressed))
with user_errors():
    run = engine.latest_run(db)
    rows = engine.screening_rows(db, config)
    decided = dispositions.current(db)
top_right.caption(f"{t('cases.user', L)}: {actor.name}" +
                  (f" · {t('cases.last_run', L)}: {run['key']}" if run else ""))
if not rows:
    st.info(t("cases.none", L))


by_key = {r["key"]: r for r in rows}


def _label(key: str) -> str:
    return f"{by_key[key]['name']}（{key}）"


listing, handling, people, exports = st.tabs([t("cases.tab.list", L), t("cases.tab.disposition", L),
                                               t("cases.tab.people", L), t("cases.tab.exports", L)])

with listing:
    if rows:
        sep = "；" if L == "zh" else "; "
        table = pd.DataFrame([{
            t("cases.org", L): r["key"], t("cases.name", L): r["name"], t("cases.status", L): r["status"],
            t("cases.classes", L): ";".join(map(str, r["classes"])), t("cases.score", L): r["score"],
            t("cases.suggested", L): config.label(r["suggested_disposition"], L),
            t("cases.current", L): config.label(decided[r["key"]]["disposition"], L) if r["key"] in decided else "",
            t("cases.case_status", L): decided.get(r["key"], {}).get("status", ""),
            t("cases.rules", L): ";".join(r["rules"]),
            t("cases.reasons", L): sep.join(r["reasons_zh"] if L == "zh" else r["reasons_en"])} for r in rows])
        st.dataframe(table, hide_index=True, width="stretch")
        chosen = by_key[st.selectbox(t("cases.org", L), list(by_key), format_func=_label, key="cases_detail")]
        for f in chosen["findings"]:
            with st.expander(f"{f['rule']} · {f['reason_zh'] if L == 'zh' else f['reason_en']}"):
                evidence = json.loads(f["evidence"] or "{}")
                st.caption(json.dumps(evidence.get("parameters", {}), ensure_ascii=False))
                st.dataframe(pd.DataFrame(evidence.get("records", [])), hide_index=True, width="stretch")

with handling:
    if rows:
        org = by_key[st.selectbox(t("cases.org", L), list(by_key), format_func=_label, key="cases_org")]
        st.caption(f"{t('cases.suggested', L)}: {config.label(org['suggested_disposition'], L)}")
        with user_errors():
            hist = dispositions.history(db, org["key"])
        st.subheader(t("cases.history", L))
        if hist:
            st.dataframe(pd.DataFrame(hist).reindex(columns=["seq", "at", "user", "disposition", "status", "reason",
                                                             "authority", "decided_on", "previous_disposition",
                                                             "previous_status"]),
                         hide_index=True, width="stretch")
        else:
            st.info(t("cases.no_history", L))
        with st.form("cases_form"):
            ids = list(config.labels)
            to = st.selectbox(t("cases.disposition", L), ids, format_func=lambda i: config.label(i, L),
                              index=ids.index(org["suggested_disposition"]) if org["suggested_disposition"] in ids else 0,
                              key="cases_to")
            status = st.selectbox(t("cases.case_status", L), list(config.statuses), key="cases_status")
            reason = st.text_area(t("cases.reason", L), key="cases_reason")
            authority = st.text_input(t("cases.authority", L), value=config.default_authority, key="cases_authority")
            if st.form_submit_button(t("cases.set", L)):
                try:  # a refused decision is a sentence; the rest of the page stays
                    require(actor, "disposition.set")
                    change = dispositions.set_disposition(db, config, org["key"], to, reason=reason,
                                                          user=actor.name, status=status, authority=authority)
                    record(actor, "disposition.set", key=org["key"], disposition=change["disposition"],
                           status=change["status"], reason=reason)
                except OrgTraceError as exc:
                    st.error(f"{t('error.title', L)}: {exc}")
                else:
                    st.success(t("cases.saved", L).format(d=config.label(change["disposition"], L),
                                                           s=change["status"], u=change["user"]))

with people:
    st.subheader(t("cases.ringleaders", L))
    with user_errors():
        leaders = engine.person_findings(db)
        blacklist = blacklist_rows(db)
    if leaders:
        st.dataframe(pd.DataFrame([{t("cases.name", L): f["subject_name"], t("cases.rules", L): f["rule"],
                                    t("cases.reasons", L): f["reason_zh"] if L == "zh" else f["reason_en"]}
                                   for f in leaders]), hide_index=True, width="stretch")
    st.subheader(t("cases.blacklist", L))
    if blacklist:
        st.dataframe(pd.DataFrame(blacklist), hide_index=True, width="stretch")


def _offer(label: str, name: str, writer, key: str) -> None:
    path = Path(tempfile.mkdtemp(prefix="orgtrace-cases-")) / name
    with user_errors():
        writer(path)
    st.download_button(f"{t('reports.download', L)} {name}", path.read_bytes(), file_name=name,
                       mime=MIME[name.rsplit('.', 1)[1]], key=key, on_click="ignore")


with exports:
    st.subheader(t("cases.brief", L))
    c1, c2, c3 = st.columns(3)
    start = c1.date_input(t("cases.from", L), value=dt.date(dt.date.today().year, 1, 1), key="brief_from")
    end = c2.date_input(t("cases.to", L), value=dt.date.today(), key="brief_to")
    fmt = c3.selectbox(t("reports.format", L), ("pdf", "html", "xlsx"), key="brief_fmt")
    if st.button(t("reports.prepare", L), key="brief_prepare"):
        with user_errors():
            data = briefing_data(db, config, start, end, lang=L)
        _offer(t("cases.brief", L), f"briefing-{start}-{end}.{fmt}", lambda p: write_briefing(data, fmt, p),
               "brief_download")
    st.subheader(t("cases.public", L))
    pfmt = st.selectbox(t("reports.format", L), ("pdf", "csv"), key="public_fmt")
    if st.button(t("reports.prepare", L), key="public_prepare"):
        _offer(t("cases.public", L), f"public-list.{pfmt}", lambda p: write_public_list(db, config, pfmt, p),
               "public_download")
    st.subheader(t("cases.blacklist_export", L))
    if st.button(t("reports.prepare", L), key="blacklist_prepare"):
        _offer(t("cases.blacklist_export", L), "blacklist.xlsx",
               lambda p: write_blacklist(db, "xlsx", p, user=actor.name),  # masked; in full: cli.py blacklist --full
               "blacklist_download")

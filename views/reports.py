"""Reports: the saved-report library, ad-hoc read-only Cypher, saved queries, exports."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from core.auth import can
from core.i18n import t
from core.privacy import mask_result
from views.common import graph_db, lang, page_actor, user_errors
from views.markdown import plain_text
from views.widgets_evidence import evidence_button
from exports import export, result_sha256
from queries.registry import load_reports
from queries.runner import export_meta, record, run_cypher, run_report
from queries.saved import delete_saved, list_saved, may_delete, run_saved, save_report

FORMATS = ("csv", "xlsx", "json", "html", "pdf")
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json", "html": "text/html", "pdf": "application/pdf"}

actor = page_actor("report.run")
st.header(t("nav.reports", lang()))
reports = load_reports()
db = None
with user_errors():
    db = graph_db()


def show(result, title: str, report_id: str, kind: str) -> None:
    """The table, the truncation notice, and an export of exactly this result."""
    if not can(actor, "personal.full"):  # viewers see (and export) ID numbers and phones masked
        result = mask_result(result)
        st.caption(t("reports.masked", lang()))
    st.caption(f"{len(result.rows)} {t('reports.rows', lang())} · {result.elapsed_s:g} {t('reports.seconds', lang())}")
    if result.truncated:
        st.warning(t("reports.truncated", lang()).format(n=len(result.rows)))
    if not result.rows:
        st.info(t("reports.none", lang()))
        return
    st.dataframe(pd.DataFrame([{c: row.get(c) for c in result.columns} for row in result.rows]),
                 hide_index=True, use_container_width=True)
    left, right = st.columns([1, 3])
    fmt = left.selectbox(t("reports.format", lang()), FORMATS, key=f"fmt-{report_id}")
    masked = not can(actor, "personal.full")
    if not masked and left.checkbox(t("reports.public", lang()), key=f"public-{report_id}"):
        result, masked = mask_result(result), True  # a public-facing export
    if right.button(t("reports.prepare", lang()), key=f"prep-{report_id}"):
        with user_errors():
            meta = export_meta(db, result, title=title, report_id=report_id, result_kind=kind, user=actor.name)
            path = Path(tempfile.mkdtemp(prefix="orgtrace-export-")) / f"{report_id}.{fmt}"
            export(result, meta, fmt, path)
            record(actor, "export", report=report_id, format=fmt, rows=len(result.rows),
                   masked=masked, sha256=result_sha256(result))
        right.download_button(t("reports.download", lang()) + f" {path.name}", path.read_bytes(),
                              file_name=path.name, mime=MIME[fmt], key=f"dl-{report_id}")


library, adhoc, saved = st.tabs([t("reports.library", lang()), t("reports.cypher", lang()), t("reports.saved", lang())])

with library:
    ids = sorted(reports, key=lambda i: reports[i].title_text(lang()))
    chosen = st.selectbox(t("reports.choose", lang()), ids, format_func=lambda i: f"{reports[i].title_text(lang())} ({i})")
    report = reports[chosen]
    st.caption(report.description)
    with st.form(f"params-{chosen}"):
        values = {}
        for p in report.parameters:
            default = "" if p.default is None else (", ".join(map(str, p.default)) if isinstance(p.default, list) else str(p.default))
            values[p.name] = st.text_input(f"{p.name} ({p.type})", value=default, help=p.description)
        limit = st.number_input(t("reports.limit", lang()), 1, 10000, report.row_cap)
        submitted = st.form_submit_button(t("reports.run", lang()))
    if submitted:
        with user_errors():
            st.session_state["report_result"] = (chosen, run_report(db, report, values, limit=int(limit), actor=actor))
    if st.session_state.get("report_result", (None,))[0] == chosen:
        show(st.session_state["report_result"][1], report.title_text(lang()), chosen, report.result_kind)
        evidence_button(db, report, values, actor, limit=int(limit))

with adhoc:
    cypher = st.text_area("Cypher", value="MATCH (o:Organization) RETURN o.name AS name, o.status AS status LIMIT 20",
                          height=140, key="adhoc_cypher")
    limit = st.number_input(t("reports.limit", lang()), 1, 10000, 1000, key="adhoc_limit")
    run_col, save_col = st.columns(2)
    if run_col.button(t("reports.run", lang()), key="adhoc_run"):
        with user_errors():
            st.session_state["adhoc_result"] = run_cypher(db, cypher, limit=int(limit), actor=actor)
    title = save_col.text_input(t("reports.save_as", lang()), key="adhoc_title")
    if save_col.button(t("reports.save", lang()), key="adhoc_save") and title.strip():
        with user_errors():
            save_report(db, title.strip(), cypher, {}, actor)
            st.success(t("reports.saved_ok", lang()))
    if "adhoc_result" in st.session_state:
        show(st.session_state["adhoc_result"], "Ad-hoc query", "adhoc", "table")

with saved:
    with user_errors():
        entries = list_saved(db)
    for entry in entries:
        with st.expander(f"{plain_text(entry['title'])} · {t('reports.owner', lang())}: "
                         f"{plain_text(entry['owner'])} · {entry.get('created_at', '')}"):
            st.code(entry["cypher"], language="cypher")
            run_it, delete_it = st.columns(2)
            if run_it.button(t("reports.run", lang()), key=f"run-{entry['key']}"):
                with user_errors():
                    st.session_state["saved_result"] = (entry["key"], run_saved(db, entry["key"], limit=1000, actor=actor))
            if may_delete(actor, entry["owner"]) and delete_it.button(t("reports.delete", lang()), key=f"del-{entry['key']}"):
                with user_errors():
                    delete_saved(db, entry["key"], actor)
                st.rerun()
            if st.session_state.get("saved_result", (None,))[0] == entry["key"]:
                show(st.session_state["saved_result"][1], entry["title"], entry["key"], "table")

"""Reports: the saved-report library with typed parameter widgets, ad-hoc read-only Cypher,
saved queries (run with their saved parameters), exports in every format."""

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from core.auth import can
from core.errors import QueryError
from core.i18n import t
from core.privacy import mask_result
from exports import export, result_sha256
from graph.schema import REL_BY_TYPE
from queries.registry import load_reports
from queries.runner import export_meta, record, run_cypher, run_report
from queries.saved import delete_saved, list_saved, may_delete, run_saved, save_report
from views.common import empty_prompt, graph_db, lang, page_actor, user_errors
from views.markdown import plain_text
from views.widgets import entity_picker
from views.widgets_evidence import evidence_button

FORMATS = ("csv", "xlsx", "json", "html", "pdf")
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "json": "application/json", "html": "text/html", "pdf": "application/pdf"}

L = lang()
actor = page_actor("report.run")
st.header(t("nav.reports", L))
reports = load_reports()
db = graph_db()
empty_prompt(db)


def show(result, title: str, report_id: str, kind: str) -> None:
    """The table, the truncation notice, and an export of exactly this result."""
    if not can(actor, "personal.full"):  # viewers see (and export) ID numbers and phones masked
        result = mask_result(result)
        st.caption(t("reports.masked", L))
    st.caption(f"{len(result.rows)} {t('reports.rows', L)} · {result.elapsed_s:g} {t('reports.seconds', L)}")
    if result.truncated:
        st.warning(t("reports.truncated", L).format(n=len(result.rows)))
    if not result.rows:
        st.info(t("reports.none", L))
        return
    st.dataframe(pd.DataFrame([{c: row.get(c) for c in result.columns} for row in result.rows]),
                 hide_index=True, width="stretch")
    left, right = st.columns([1, 3])
    fmt = left.selectbox(t("reports.format", L), FORMATS, key=f"fmt-{report_id}")
    masked = not can(actor, "personal.full")
    if not masked and left.checkbox(t("reports.public", L), key=f"public-{report_id}"):
        result, masked = mask_result(result), True  # a public-facing export
    if right.button(t("reports.prepare", L), key=f"prep-{report_id}"):
        folder = Path(tempfile.mkdtemp(prefix="orgtrace-export-"))  # private (0700), removed below
        try:
            with user_errors():
                meta = export_meta(db, result, title=title, report_id=report_id, result_kind=kind,
                                   user=actor.name)
                path = export(result, meta, fmt, folder / f"{report_id}.{fmt}")
                data, name = path.read_bytes(), path.name
                record(actor, "export", report=report_id, format=fmt, rows=len(result.rows),
                       masked=masked, sha256=result_sha256(result))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        right.download_button(f"{t('reports.download', L)} {name}", data, file_name=name,
                              mime=MIME[fmt], key=f"dl-{report_id}", on_click="ignore")


def parameter_widget(report, p):
    """One widget per parameter, by its type; returns the value (typed or text)."""
    key = f"param-{report.id}-{p.name}"
    label = p.label_text(L) + ("" if not p.required else " *")
    help_text = p.description_text(L) or None
    if p.type == "entity_key":
        picked = entity_picker(label, p.kinds or None, key, help=help_text, db=db)
        typed = st.session_state.get(f"{key}__q", "")
        return picked or typed
    if p.choices and p.type == "list":
        names = {c: (REL_BY_TYPE[c].title_zh + f" ({c})" if L == "zh" and c in REL_BY_TYPE else
                     p.choice_text(c, L)) for c in p.choices}
        return st.multiselect(label, list(p.choices), default=list(p.default or p.choices), key=f"{key}_{L}",
                              help=help_text, format_func=lambda c: names[c])
    if p.choices:
        index = list(p.choices).index(p.default) if p.default in p.choices else 0
        return st.selectbox(label, list(p.choices), index=index, key=f"{key}_{L}", help=help_text,
                            format_func=lambda c: p.choice_text(c, L))
    if p.type == "date":
        default = p.default if isinstance(p.default, dt.date) else (
            dt.date.fromisoformat(str(p.default)) if p.default else None)
        return st.date_input(label, value=default, min_value=dt.date(1900, 1, 1),
                             max_value=dt.date(2099, 12, 31), key=key, help=help_text, format="YYYY-MM-DD")
    if p.type == "integer":
        return st.number_input(label, value=None if p.default is None else int(p.default), step=1,
                               min_value=None if p.min is None else int(p.min),
                               max_value=None if p.max is None else int(p.max), key=key, help=help_text)
    if p.type == "float":
        return st.number_input(label, value=None if p.default is None else float(p.default),
                               min_value=None if p.min is None else float(p.min),
                               max_value=None if p.max is None else float(p.max), key=key, help=help_text)
    if p.type == "list":
        default = ", ".join(map(str, p.default)) if isinstance(p.default, list) else (p.default or "")
        return st.text_input(label, value=default, key=key, help=help_text)
    return st.text_input(label, value="" if p.default is None else str(p.default), key=key, help=help_text)


library, adhoc, saved = st.tabs([t("reports.library", L), t("reports.cypher", L), t("reports.saved", L)])

with library:
    ids = sorted(reports, key=lambda i: reports[i].title_text(L))
    # Widgets whose option texts depend on the language carry it in their key: the browser keeps
    # a keyed widget's old option texts otherwise. The choice itself survives the switch.
    current = st.session_state.get("report_chosen")
    chosen = st.selectbox(t("reports.choose", L), ids, index=ids.index(current) if current in ids else 0,
                          key=f"report_choice_{L}", format_func=lambda i: f"{reports[i].title_text(L)} ({i})")
    st.session_state["report_chosen"] = chosen
    report = reports[chosen]
    st.caption(report.description_text(L))
    values = {}
    if report.parameters:
        st.markdown(f"**{t('reports.parameters', L)}**")
    for p in report.parameters:
        values[p.name] = parameter_widget(report, p)
    limit = st.number_input(t("reports.limit", L), 1, 10000, report.row_cap, key=f"limit-{chosen}")
    if st.button(t("reports.run", L), key=f"run-{chosen}", type="primary"):
        with user_errors():
            st.session_state["report_result"] = (chosen, run_report(db, report, values, limit=int(limit),
                                                                    actor=actor))
    if st.session_state.get("report_result", (None,))[0] == chosen:
        show(st.session_state["report_result"][1], report.title_text(L), chosen, report.result_kind)
        evidence_button(db, report, values, actor, limit=int(limit))

with adhoc:
    cypher = st.text_area("Cypher", value="MATCH (o:Organization) RETURN o.name AS name, o.status AS status LIMIT 20",
                          height=140, key="adhoc_cypher")
    params_text = st.text_area(t("reports.adhoc_params", L), value="{}", height=68, key="adhoc_params",
                               help=t("reports.adhoc_params_help", L))
    limit = st.number_input(t("reports.limit", L), 1, 10000, 1000, key="adhoc_limit")

    def adhoc_params() -> dict:
        try:
            value = json.loads(params_text or "{}")
        except json.JSONDecodeError as exc:
            raise QueryError(f"The parameters are not valid JSON ({exc.msg}, line {exc.lineno}).") from None
        if not isinstance(value, dict):
            raise QueryError('The parameters must be a JSON object such as {"org": "name:…"}.')
        return value

    run_col, save_col = st.columns(2)
    if run_col.button(t("reports.run", L), key="adhoc_run"):
        with user_errors():
            st.session_state["adhoc_result"] = run_cypher(db, cypher, adhoc_params(), limit=int(limit),
                                                         actor=actor)
    title = save_col.text_input(t("reports.save_as", L), key="adhoc_title")
    if save_col.button(t("reports.save", L), key="adhoc_save") and title.strip():
        with user_errors():
            save_report(db, title.strip(), cypher, adhoc_params(), actor)
            st.success(t("reports.saved_ok", L))
    if "adhoc_result" in st.session_state:
        show(st.session_state["adhoc_result"], t("reports.cypher", L), "adhoc", "table")

with saved:
    with user_errors():
        entries = list_saved(db)
    if not entries:
        st.caption(t("reports.no_saved", L))
    for entry in entries:
        created = str(entry.get("created_at") or "")[:19]
        with st.expander(plain_text(f"{entry['title']} · {t('reports.owner', L)}: {entry['owner']} · {created}")):
            st.code(entry["cypher"], language="cypher")
            if entry["parameters"]:
                st.caption(t("reports.saved_params", L))
                st.code(json.dumps(entry["parameters"], ensure_ascii=False, indent=2), language="json")
            run_it, delete_it = st.columns(2)
            if run_it.button(t("reports.run", L), key=f"run-saved-{entry['key']}"):
                with user_errors():
                    st.session_state["saved_result"] = (entry["key"], run_saved(db, entry["key"], limit=1000,
                                                                            actor=actor))
            if may_delete(actor, entry["owner"]) and delete_it.button(t("reports.delete", L),
                                                                      key=f"del-{entry['key']}"):
                with user_errors():
                    delete_saved(db, entry["key"], actor)
                st.rerun()
            if st.session_state.get("saved_result", (None,))[0] == entry["key"]:
                show(st.session_state["saved_result"][1], entry["title"], entry["key"], "table")

"""Load data: upload a CSV, XLSX or JSON-lines file, choose its kind (or let it be detected)
or upload a YAML mapping, look at a validation preview, then load it with a progress bar.
Below: the load history (LoadRun records) with counts and provenance.

Uploaded files go to a private temporary folder (0700), removed after the load or when
another file is chosen.
"""

import csv
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from core.i18n import t, term
from core.settings import load_settings
from loaders.mapping import builtin_mappings
from graph.admin import init_db
from loaders.pipeline import load_file
from loaders.preview import describe_issue, describe_node, describe_rel, preview_file
from queries.loadruns import load_history
from queries.runner import record
from views.common import clear_caches, graph_db, lang, page_actor, user_errors
from views.markdown import plain_text

L = lang()
actor = page_actor("data.load")  # loading is for analysts and admins
st.header(t("nav.load", L))
db = graph_db()
settings = load_settings()
AUTO = "auto"
kinds = [AUTO, *sorted(builtin_mappings()), "ftm"]


def _forget_upload() -> None:
    """Remove the private folder of the previous upload, if any."""
    folder = st.session_state.pop("load_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    for name in ("load_key", "load_path", "load_mapping", "load_check"):
        st.session_state.pop(name, None)


def _stage(upload, mapping_upload) -> tuple[Path, Path | None]:
    """The uploaded file (and mapping) written into a private temporary folder, once per upload."""
    key = (upload.file_id, getattr(mapping_upload, "file_id", None))
    if st.session_state.get("load_key") != key:
        _forget_upload()
        folder = Path(tempfile.mkdtemp(prefix="orgtrace-upload-"))  # mode 0700
        path = folder / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        path.chmod(0o600)
        mapping = None
        if mapping_upload is not None:
            mapping = folder / ("mapping-" + Path(mapping_upload.name).name)
            mapping.write_bytes(mapping_upload.getvalue())
            mapping.chmod(0o600)
        st.session_state.update(load_folder=str(folder), load_key=key, load_path=str(path),
                                load_mapping=str(mapping) if mapping else None)
    mapping = st.session_state.get("load_mapping")
    return Path(st.session_state["load_path"]), Path(mapping) if mapping else None


def _issues_table(path: str | None, limit: int = 200) -> pd.DataFrame:
    """The first rows of a rejects or warnings CSV written by the loader."""
    if not path or not Path(path).exists():
        return pd.DataFrame()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [row for _, row in zip(range(limit), csv.DictReader(handle))]
    names = {"row": t("load.row", L), "column": t("load.column", L), "code": t("load.code", L),
             "detail": t("load.reason", L), "value": t("load.value", L)}
    return pd.DataFrame([{names[k]: row.get(k) for k in names} for row in rows])


upload = st.file_uploader(t("load.file", L), type=["csv", "txt", "xlsx", "jsonl", "json", "ndjson"],
                          key="load_upload", help=t("load.file_help", L))
left, right = st.columns(2)
kind = left.selectbox(t("load.kind", L), kinds, key=f"load_kind_{L}",
                      format_func=lambda k: t("load.kind_auto", L) if k == AUTO else t(f"kind.{k}", L) + f" ({k})")
mapping_upload = right.file_uploader(t("load.mapping", L), type=["yaml", "yml"], key="load_mapping_upload",
                                     help=t("load.mapping_help", L))

if upload is None:
    _forget_upload()
else:
    path, mapping_path = _stage(upload, mapping_upload)
    chosen_kind = None if kind == AUTO or mapping_path else kind
    if st.button(t("load.check", L), key="load_check_button"):
        with user_errors():
            preview = preview_file(path, kind=chosen_kind, mapping_file=mapping_path, rows=20)
            report_dir = Path(st.session_state["load_folder"]) / "check"
            dry = load_file(None, path, kind=chosen_kind, mapping_file=mapping_path, dry_run=True,
                            report_dir=report_dir, user=actor.name)
        st.session_state["load_check"] = (preview, dry)

    check = st.session_state.get("load_check")
    if check:
        preview, dry = check
        st.subheader(t("load.preview", L))
        if dry.status == "failed":
            st.error(f"{t('load.cannot', L)} {dry.message}")
        else:
            cols = st.columns(4)
            cols[0].metric(t("load.kind", L), t(f"kind.{dry.kind}", L), help=dry.kind)
            cols[1].metric(t("load.read", L), f"{dry.read:,}")
            cols[2].metric(t("load.rejected", L), f"{dry.rejected:,}")
            cols[3].metric(t("load.warnings", L), f"{dry.warnings:,}")
            st.caption(f"{preview.file} · {preview.format}" + (f" · {preview.encoding}" if preview.encoding else "")
                       + (f" · {t('load.sheet', L)} {preview.sheet}" if preview.sheet else "")
                       + (f" · {t('load.header_row', L)} {preview.header_row}" if preview.header_row else "")
                       + f" · {t('load.mapping_used', L)} {preview.mapping}")
            if preview.columns:
                st.caption(t("load.columns", L) + " " + "、".join(f"{c} → {f}" for f, c in preview.columns.items()))
            rows = [{t("load.row", L): r.row,
                     t("load.outcome", L): t("load.rejected_one", L) if r.rejected else t("load.ok", L),
                     t("load.makes", L): "; ".join([term(n.label, L) + describe_node(n)[len(n.label):] for n in r.nodes]
                                                   + [describe_rel(x) for x in r.rels]),
                     t("load.issues", L): "; ".join(describe_issue(i) for i in r.rejects + r.warnings),
                     **{str(k): (None if v is None else str(v)) for k, v in r.values.items()}}
                    for r in preview.rows]
            st.markdown(f"**{t('load.first_rows', L)}**")
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            if dry.reasons or dry.warning_reasons:
                st.markdown(f"**{t('load.reasons', L)}**")
                st.dataframe(pd.DataFrame(
                    [{t("load.code", L): code, t("load.outcome", L): t("load.rejected_one", L), t("label.count", L): n}
                     for code, n in sorted(dry.reasons.items(), key=lambda kv: -kv[1])] +
                    [{t("load.code", L): code, t("load.outcome", L): t("load.warning_one", L), t("label.count", L): n}
                     for code, n in sorted(dry.warning_reasons.items(), key=lambda kv: -kv[1])]),
                    hide_index=True)
            if dry.rejects_file:
                with st.expander(t("load.rejects_list", L)):
                    st.dataframe(_issues_table(dry.rejects_file), hide_index=True, width="stretch")
            if dry.warnings_file:
                with st.expander(t("load.warnings_list", L)):
                    st.dataframe(_issues_table(dry.warnings_file), hide_index=True, width="stretch")

            if st.button(t("load.go", L), key="load_go", type="primary"):
                bar = st.progress(0.0, text=t("load.starting", L))
                total = max(dry.read, 1)

                def progress(p) -> None:
                    bar.progress(min(p.read / total, 1.0),
                                 text=t("load.progress", L).format(read=p.read, total=dry.read, loaded=p.loaded,
                                                                   rejected=p.rejected, seconds=p.seconds))

                with user_errors():
                    init_db(db)   # as `cli.py load`: the schema, and an older database's provenance brought up to date
                    report = load_file(db, path, kind=chosen_kind, mapping_file=mapping_path,
                                       report_dir=settings.report_dir, user=actor.name, progress=progress)
                record(actor, "load", file=report.file, sha256=report.sha256, kind=report.kind,
                       status=report.status, read=report.read, loaded=report.loaded, rejected=report.rejected)
                clear_caches()
                if report.status == "loaded":
                    bar.progress(1.0, text=t("load.done", L))
                    st.success(t("load.loaded", L).format(file=plain_text(report.file), loaded=report.loaded,
                                                          rejected=report.rejected, warnings=report.warnings))
                else:
                    st.error(f"{t('load.cannot', L)} {report.message}")
                for label, file in ((t("load.rejects_list", L), report.rejects_file),
                                    (t("load.warnings_list", L), report.warnings_file)):
                    if file:
                        st.caption(f"{label}: `{file}`")
                _forget_upload()

st.subheader(t("load.history", L))
with user_errors():
    history = load_history(db)
if history:
    names = {"file": t("load.file_name", L), "kind": t("load.kind", L), "status": t("load.status", L),
             "user": t("load.user", L), "started_at": t("load.started", L), "finished_at": t("load.finished", L),
             "read": t("load.read", L), "loaded": t("load.loaded_n", L), "rejected": t("load.rejected", L),
             "warnings": t("load.warnings", L), "attempts": t("load.attempts", L), "sha256": "SHA-256",
             "mapping": t("load.mapping_used", L), "run": t("load.run", L), "message": t("load.message", L)}
    for row in history:  # times to the second, as people read them
        for k in ("started_at", "finished_at"):
            row[k] = (row.get(k) or "")[:19].replace("T", " ") or None
    st.dataframe(pd.DataFrame([{label: row.get(k) for k, label in names.items()} for row in history]),
                 hide_index=True, width="stretch")
else:
    st.caption(t("load.no_history", L))

"""The evidence-package button of the report pages: one call, ``evidence_button(...)``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Mapping

import streamlit as st

from core.auth import can
from core.i18n import t
from core.settings import load_settings
from views.common import lang, user_errors


def evidence_button(db: Any, report: Any, params: Mapping[str, Any], actor: Any, *,
                    limit: int | None = None) -> None:
    """A case field, a prepare button and the download of the zip (analysts and admins)."""
    from exports.evidence import build_package

    if not can(actor, "evidence.export"):
        return
    with st.expander(t("evidence.title", lang())):
        case = st.text_input(t("evidence.case", lang()), key=f"case-{report.id}")
        if st.button(t("evidence.prepare", lang()), key=f"evidence-{report.id}", disabled=not case.strip()):
            with user_errors():
                folder = Path(tempfile.mkdtemp(prefix="orgtrace-evidence-"))
                package = build_package(db, case=case, report=report, params=dict(params), actor=actor,
                                        out=folder / f"{report.id}-evidence.zip",
                                        state_dir=load_settings().state_dir, limit=limit)
            st.session_state[f"evidence-pkg-{report.id}"] = package
        package = st.session_state.get(f"evidence-pkg-{report.id}")
        if package is not None and package.path.is_file():
            st.caption(t("evidence.made", lang()).format(sha=package.manifest_sha256))
            st.download_button(t("evidence.download", lang()), package.path.read_bytes(),
                               file_name=package.path.name, mime="application/zip",
                               key=f"evidence-dl-{report.id}", on_click="ignore")

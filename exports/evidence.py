"""Evidence packages (固定证据): one zip holding a report's result in every form, the query,
the provenance of every record shown, who made it and when, and a manifest of hashes.

Contents of ``CASE-REPORT.zip``::

    report.pdf        the report in Chinese (fpdf2, font embedded)
    result.csv        result.xlsx   result.json
    graph.png         graph.html    (when the result has a graph: picture and offline interactive view)
    query.cypher      parameters.json
    provenance.json   every node and relationship shown with its load runs and rows (a node:
                      src_run, src_row, load_runs; a relationship: load_runs and src_rows,
                      aligned, one per sighting), and the LoadRun records they name: each
                      run's file name, SHA-256, user and times (provenance by reference)
    info.json         case, report, time, user and role, OrgTrace and Neo4j versions, result hash
    manifest.json     SHA-256 and size of every file above
    manifest.sig      HMAC-SHA256 of manifest.json with this installation's private key

Making a package is audited (``evidence.export``) with the SHA-256 of ``manifest.json`` and
of the whole zip. :func:`verify_package` checks every file against the manifest (changed,
added, removed), the manifest against its signature (when the key of the installation that
made it is present) and against the audit log (when that log is present).

What verification proves, and what not: an intact package whose signature checks is exactly
what this installation wrote (a changed file with a manifest edited to match fails the
signature). On another machine, without the key, only the manifest's internal consistency
can be checked: someone who rewrites a file *and* the manifest is caught only by comparing
the manifest hash with the one recorded in the maker's audit log (kept in the package's
cover letter or the case file). Nothing here proves the data in the database was true.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import secrets
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from core.auth import Actor, require
from core.errors import ExportError
from core.files import private_dir, write_private_bytes
from exports.api import export
from exports.common import result_sha256
from exports.fonts import find_cjk_font
from exports.picture import render_png
from graph import schema
from graph.connection import GraphDB
from queries.registry import Report
from queries.result import to_plain

ORGTRACE_VERSION = "0.1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
KEY_FILE = "evidence.key"

NODE_PROVENANCE = (
    "MATCH (n) WHERE elementId(n) IN $ids "
    "RETURN elementId(n) AS element_id, labels(n) AS labels, n.key AS key, n.src_run AS src_run, "
    "n.src_row AS src_row, n.load_runs AS load_runs ORDER BY key")
REL_PROVENANCE = (
    "MATCH (a)-[r]->(b) WHERE elementId(r) IN $ids "
    "RETURN elementId(r) AS element_id, type(r) AS type, a.key AS source, b.key AS target, "
    "r.load_runs AS load_runs, r.src_rows AS src_rows ORDER BY type, source, target")
LOAD_RUNS = (
    "MATCH (l:LoadRun) WHERE l.key IN $keys "
    "RETURN l.key AS key, l.file AS file, l.sha256 AS sha256, l.kind AS kind, l.user AS user, "
    "l.started_at AS started_at, l.finished_at AS finished_at, l.status AS status, l.read AS read, "
    "l.loaded AS loaded, l.rejected AS rejected ORDER BY started_at, key")
#: Nodes named by a ``key`` column, one statement per investigation label (labels from the schema).
NODES_BY_KEY = {n.label: (f"MATCH (n:{n.label}) WHERE n.{n.key} IN $keys RETURN elementId(n) AS element_id")
                for n in schema.NODES if not n.bookkeeping}


def orgtrace_version() -> str:
    """OrgTrace's version and, in a git checkout, its commit."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{ORGTRACE_VERSION}+{commit}" if commit else ORGTRACE_VERSION


def signing_key(state_dir: Path, *, create: bool) -> bytes | None:
    """This installation's private evidence key (32 random bytes, file 0600), made on first use."""
    path = Path(state_dir) / KEY_FILE
    if path.is_file():
        return path.read_bytes()
    if not create:
        return None
    from access.store import state_dir as private_dir, write_private

    private_dir(path.parent)
    write_private(path, secrets.token_bytes(32))
    return path.read_bytes()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ provenance

def _element_ids(value: Any, nodes: set[str], rels: set[str]) -> None:
    if isinstance(value, dict):
        if "element_id" in value and ("labels" in value or "type" in value):
            (rels if "type" in value and "labels" not in value else nodes).add(str(value["element_id"]))
        for v in value.values():
            _element_ids(v, nodes, rels)
    elif isinstance(value, list):
        for v in value:
            _element_ids(v, nodes, rels)


#: How to read provenance.json, written into it.
PROVENANCE_NOTE = (
    "Provenance by reference. A node was first read from row src_row of the file of load run "
    "src_run; load_runs lists every run that wrote it. A relationship was read from row "
    "src_rows[i] of the file of run load_runs[i], for each i (one entry per sighting). Each "
    "run key is a record in load_runs below: its file name, the file's SHA-256, user and times.")


def provenance(db: GraphDB, result: Any) -> dict[str, Any]:
    """Load runs and rows of every node and relationship the result shows (those in its
    picture, in its rows, and those named by a ``key`` column), and the LoadRun records they
    name: file name, SHA-256, user, times (``graph.provenance``)."""
    nodes: set[str] = set()
    rels: set[str] = set()
    graph = result.graph or {}
    nodes |= {str(n["id"]) for n in graph.get("nodes", [])}
    rels |= {str(e["id"]) for e in graph.get("edges", []) if e.get("id")}
    _element_ids(result.rows, nodes, rels)
    keys = sorted({str(row[c]) for row in result.rows for c in result.columns
                   if (c == "key" or c.endswith("_key")) and isinstance(row.get(c), str)})
    if keys:
        for cypher in NODES_BY_KEY.values():
            nodes |= {r["element_id"] for r in db.read(cypher, {"keys": keys})}
    node_rows = to_plain(db.read(NODE_PROVENANCE, {"ids": sorted(nodes)})) if nodes else []
    rel_rows = to_plain(db.read(REL_PROVENANCE, {"ids": sorted(rels)})) if rels else []
    runs = sorted({k for row in node_rows + rel_rows for k in [row.get("src_run"), *(row.get("load_runs") or [])]
                   if k})
    run_rows = to_plain(db.read(LOAD_RUNS, {"keys": runs})) if runs else []
    return {"note": PROVENANCE_NOTE, "nodes": node_rows, "relationships": rel_rows, "load_runs": run_rows}


# ------------------------------------------------------------------ making

@dataclass
class Package:
    path: Path
    sha256: str
    manifest_sha256: str
    files: dict[str, str]
    rows: int


def build_package(db: GraphDB, *, case: str, report: Report, params: Mapping[str, Any] | None,
                  actor: Actor, out: str | os.PathLike[str], state_dir: Path,
                  limit: int | None = None, timeout: float | None = None,
                  font_path: Any = None) -> Package:
    """Run ``report`` as ``actor`` (analyst or higher) and write its evidence package to ``out``."""
    from access.audit import AuditLog
    from queries.runner import export_meta, run_report

    require(actor, "evidence.export")
    if not (case or "").strip():
        raise ExportError("An evidence package needs a case name or number (--case).")
    result = run_report(db, report, params, limit=limit, timeout=timeout, actor=actor)
    title = f"{case.strip()} · {report.title_text('zh')}"
    meta = export_meta(db, result, title=title, report_id=report.id, result_kind=report.result_kind,
                       user=actor.name)
    font = font_path or find_cjk_font()
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="orgtrace-evidence-") as tmp:
        for name, fmt in (("report.pdf", "pdf"), ("result.csv", "csv"), ("result.xlsx", "xlsx"),
                          ("result.json", "json")):
            kwargs = {"font_path": font} if fmt == "pdf" else {}
            files[name] = export(result, meta, fmt, Path(tmp) / name, **kwargs).read_bytes()
    png = render_png(meta, font)
    if png is not None:
        files["graph.png"] = png
    if result.graph:
        from visual.network import network_html

        files["graph.html"] = network_html(result.graph, lang="zh").encode("utf-8")
    files["query.cypher"] = (result.cypher.rstrip() + "\n").encode("utf-8")
    files["parameters.json"] = _json(to_plain(result.parameters))
    files["provenance.json"] = _json(provenance(db, result))
    log = AuditLog(state_dir)
    seq, head = log.head()
    files["info.json"] = _json({
        "case": case.strip(), "report_id": report.id, "report_title": report.title_text("zh"),
        "generated_at": meta.run_at.isoformat(), "user": actor.name, "role": actor.role,
        "orgtrace_version": orgtrace_version(), "neo4j": meta.server, "database": meta.database,
        "row_count": len(result.rows), "truncated": bool(result.truncated),
        "result_sha256": result_sha256(result), "personal_data": "full (not masked)",
        "graph": "graph.png, graph.html" if result.graph else "none: the result holds no nodes",
        "audit_head_before": {"seq": seq, "hash": head},
    })
    manifest = _json({
        "generator": "OrgTrace", "case": case.strip(), "report_id": report.id,
        "created_at": meta.run_at.isoformat(), "algorithm": "sha256",
        "files": {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in sorted(files.items())},
    })
    key = signing_key(state_dir, create=True)
    signature = hmac.new(key or b"", manifest, hashlib.sha256).hexdigest()
    target = Path(out)
    try:
        private_dir(target.parent, tighten=False)  # a missing folder is created 0700
        buffer = io.BytesIO()
        stamp = meta.run_at.astimezone(dt.timezone.utc).timetuple()[:6]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in [*sorted(files.items()), (MANIFEST, manifest),
                               (SIGNATURE, (signature + "\n").encode("ascii"))]:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        data = buffer.getvalue()
        temp = target.with_name(f".{target.name}.{os.getpid()}.part")
        write_private_bytes(temp, data)  # evidence holds personal data: owner only (0600)
        os.replace(temp, target)
    except OSError as exc:
        raise ExportError(f"The evidence package cannot be written to {target}: {exc.strerror or exc}.") from None
    package = Package(target, _sha256(data), _sha256(manifest), {n: _sha256(d) for n, d in files.items()},
                      len(result.rows))
    log.append(actor, "evidence.export", case=case.strip(), report=report.id,
               parameters=result.parameters, rows=len(result.rows), file=str(target),
               manifest_sha256=package.manifest_sha256, package_sha256=package.sha256)
    return package


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")


# ------------------------------------------------------------------ verifying

@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def verify_package(path: str | os.PathLike[str], *, state_dir: Path | None = None) -> Verification:
    """Check a package: every file against ``manifest.json`` (changed, added, removed), the
    manifest against its signature and the audit log of ``state_dir`` when they are there."""
    problems: list[str] = []
    notes: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return Verification(False, [f"{path} is not a readable zip file ({exc})."])
    with archive:
        names = [i.filename for i in archive.infolist()]
        if MANIFEST not in names:
            return Verification(False, [f"{MANIFEST} is missing: the package cannot be checked."])
        try:
            manifest_bytes = archive.read(MANIFEST)
            manifest = json.loads(manifest_bytes)
            listed = dict(manifest["files"])
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            return Verification(False, [f"{MANIFEST} is damaged ({exc})."])
        for name in sorted(set(listed) - set(names)):
            problems.append(f"{name} was removed (it is listed in the manifest but missing).")
        for name in sorted(set(names) - set(listed) - {MANIFEST, SIGNATURE}):
            problems.append(f"{name} was added (it is not in the manifest).")
        if len(names) != len(set(names)):
            problems.append("the zip holds the same file name twice (a file was added).")
        for name in sorted(set(listed) & set(names)):
            try:
                data = archive.read(name)
            except (zipfile.BadZipFile, OSError) as exc:
                problems.append(f"{name} cannot be read ({exc}).")
                continue
            if _sha256(data) != listed[name].get("sha256"):
                problems.append(f"{name} was changed (its SHA-256 differs from the manifest).")
        manifest_sha = _sha256(manifest_bytes)
        signature = archive.read(SIGNATURE).decode("ascii", "replace").strip() if SIGNATURE in names else None
    key = signing_key(state_dir, create=False) if state_dir else None
    if signature is None:
        problems.append(f"{SIGNATURE} was removed.")
    elif key is not None:
        expected = hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signature):
            notes.append("The manifest's signature matches this installation's key.")
        else:
            problems.append(f"{MANIFEST} was changed or the package was made elsewhere (its "
                            f"signature does not match this installation's key).")
    else:
        notes.append("The signature was not checked: this installation holds no evidence key.")
    if state_dir is not None:
        from access.audit import AuditLog

        recorded = [e for e in AuditLog(state_dir).find(action="evidence.export")
                    if (e.get("details") or {}).get("manifest_sha256") == manifest_sha]
        if recorded:
            notes.append(f"The manifest is recorded in the audit log (entry {recorded[-1]['seq']}, "
                         f"{recorded[-1]['user']}, {recorded[-1]['time']}).")
        else:
            notes.append("The manifest is not recorded in this installation's audit log.")
    notes.append(f"manifest.json SHA-256 {manifest_sha}")
    return Verification(not problems, problems, notes)

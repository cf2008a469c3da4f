"""Evidence packages on the demo case: what a package holds, that it verifies, and that a
changed, added or removed file (or a manifest edited to match) fails verification."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from access.audit import AuditLog
from tests.conftest import ROOT

ORG = "中华精准扶贫促进会"
DEMO_FILES = ("registry.csv", "roster.csv", "events.csv", "leads.csv", "blacklist.csv",
              "bank_statements_gbk.csv", "bank_statements.xlsx")
EXPECTED = {"report.pdf", "result.csv", "result.xlsx", "result.json", "graph.png", "graph.html",
            "query.cypher", "parameters.json", "provenance.json", "info.json", "manifest.json",
            "manifest.sig"}


@pytest.fixture(scope="module")
def demo(db, tmp_path_factory):
    from demo.generate import generate_case
    from graph.admin import wipe
    from loaders.pipeline import load_file

    folder = tmp_path_factory.mktemp("demo-evidence")
    generate_case(folder, scale=1, seed=7)
    wipe(db)
    for name in DEMO_FILES:
        assert load_file(db, folder / name, report_dir=folder / "reports").status == "loaded"
    return folder


def cli(state: Path, test_settings, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("ORGTRACE_USER", "ORGTRACE_PASSWORD")}
    env.update(ORGTRACE_STATE_DIR=str(state), ORGTRACE_USER="侦查员甲")
    extra = [] if args[1] == "verify" else ["--data-dir", str(test_settings.data_dir),
                                            "--bolt-port", str(test_settings.bolt_port)]
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args, *extra], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def package(demo, test_settings, tmp_path_factory):
    state = tmp_path_factory.mktemp("state-evidence")
    out = tmp_path_factory.mktemp("packages") / "case-2024-001.zip"
    done = cli(state, test_settings, "evidence", "export", "--case", "渝民社〔2024〕1号", "--report",
               "org-structure", "--param", f"org={ORG}", "--out", str(out), "--timeout", "300")
    assert done.returncode == 0, done.stderr
    return state, out


def test_package_holds_every_part(package):
    import stat

    state, out = package
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # personal data in full: owner only
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert names == EXPECTED
        info = json.loads(z.read("info.json"))
        manifest = json.loads(z.read("manifest.json"))
        prov = json.loads(z.read("provenance.json"))
        result = json.loads(z.read("result.json"))
        html = z.read("graph.html").decode("utf-8")
        png = z.read("graph.png")
        pdf = z.read("report.pdf")
        cypher = z.read("query.cypher").decode("utf-8")
        params = json.loads(z.read("parameters.json"))
    assert info["case"] == "渝民社〔2024〕1号" and info["user"] == "侦查员甲"
    assert info["report_id"] == "org-structure" and info["neo4j"].find("5.26") > 0
    assert info["orgtrace_version"].startswith("0.1") and info["row_count"] == len(result["rows"]) > 0
    assert set(manifest["files"]) == EXPECTED - {"manifest.json", "manifest.sig"}
    assert "MATCH" in cypher and params["org"] == ORG
    assert pdf.startswith(b"%PDF") and png.startswith(b"\x89PNG")
    assert "<script" in html and "https://" not in html.split("vis-network")[0]
    # provenance: every node and relationship shown has its load runs and rows, and every run
    # they name is in the package with its file name and SHA-256
    assert prov["nodes"] and prov["relationships"] and prov["load_runs"] and prov["note"]
    runs = {r["key"]: r for r in prov["load_runs"]}
    for node in prov["nodes"]:
        assert node["src_run"] in node["load_runs"] and node["src_row"] >= 1, node
        assert set(node["load_runs"]) <= set(runs), node
        first = runs[node["src_run"]]
        assert first["file"] in DEMO_FILES and len(first["sha256"]) == 64, node
    for rel in prov["relationships"]:
        assert rel["load_runs"] and len(rel["load_runs"]) == len(rel["src_rows"]), rel
        assert set(rel["load_runs"]) <= set(runs) and all(row >= 1 for row in rel["src_rows"]), rel
    files = {r["file"] for r in prov["load_runs"]}
    assert "roster.csv" in files and files <= set(DEMO_FILES)
    assert all(len(r["sha256"]) == 64 and r["user"] for r in prov["load_runs"])
    shown_keys = {row["key"] for row in result["rows"] if row.get("key")}
    assert shown_keys <= {n["key"] for n in prov["nodes"]}
    # the package is in the audit log with its manifest hash
    made = AuditLog(state).find(action="evidence.export")[-1]
    assert made["user"] == "侦查员甲" and made["details"]["case"] == "渝民社〔2024〕1号"


def test_png_draws_chinese_captions(package, tmp_path):
    """The picture's font has real Chinese glyphs (distinct shapes, not one empty box for
    every character), and a one-node picture's caption area is drawn with them."""
    import datetime as dt

    from PIL import Image, ImageFont

    from exports.fonts import find_cjk_font
    from exports.picture import render_png
    from queries.result import ExportMeta

    font = ImageFont.truetype(str(find_cjk_font()), 20)
    masks = {ch: bytes(font.getmask(ch)) for ch in "中华会"}
    assert len(set(masks.values())) == 3 and all(any(m) for m in masks.values())

    def caption_ink(caption: str) -> int:
        graph = {"nodes": [{"id": "1", "label": "Organization", "caption": caption}], "edges": []}
        meta = ExportMeta("", "r", "u", dt.datetime(2024, 1, 1), "neo4j", "s", "", {}, "graph", graph)
        image = Image.open(io.BytesIO(render_png(meta, find_cjk_font()))).convert("L")
        box = image.crop((600, 505, 1000, 540))  # under the node drawn at the centre
        return sum(box.histogram()[:128])

    assert caption_ink("中华精准扶贫促进会") > 4 * caption_ink("一")
    _, out = package
    with zipfile.ZipFile(out) as z:
        image = Image.open(io.BytesIO(z.read("graph.png")))
        assert image.size == (1600, 1000)
        image.save(tmp_path / "graph.png")


def test_package_verifies(package, test_settings):
    state, out = package
    done = cli(state, test_settings, "evidence", "verify", str(out))
    assert done.returncode == 0 and "verified" in done.stdout, done.stdout + done.stderr
    assert "signature matches" in done.stdout and "recorded in the audit log" in done.stdout


def _rewrite(src: Path, dst: Path, *, change: str | None = None, drop: str | None = None,
             add: str | None = None, fix_manifest: bool = False) -> None:
    import hashlib

    with zipfile.ZipFile(src) as z:
        files = {n: z.read(n) for n in z.namelist()}
    if change:
        data = bytearray(files[change])
        data[len(data) // 2] ^= 0x01  # one byte
        files[change] = bytes(data)
        if fix_manifest:
            manifest = json.loads(files["manifest.json"])
            manifest["files"][change]["sha256"] = hashlib.sha256(files[change]).hexdigest()
            files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    if drop:
        del files[drop]
    if add:
        files[add] = b"planted"
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


@pytest.mark.parametrize("how, named", [
    ({"change": "result.csv"}, "result.csv was changed"),
    ({"change": "report.pdf"}, "report.pdf was changed"),
    ({"change": "provenance.json"}, "provenance.json was changed"),
    ({"drop": "graph.png"}, "graph.png was removed"),
    ({"add": "extra.txt"}, "extra.txt was added"),
    ({"change": "result.xlsx", "fix_manifest": True}, "manifest.json was changed"),
    ({"drop": "manifest.sig"}, "manifest.sig was removed"),
])
def test_tampered_package_fails_naming_the_file(package, test_settings, tmp_path, how, named):
    state, out = package
    bad = tmp_path / "tampered.zip"
    _rewrite(out, bad, **how)
    done = cli(state, test_settings, "evidence", "verify", str(bad))
    assert done.returncode == 1 and named in done.stdout, done.stdout
    assert "NOT verified" in done.stdout


def test_another_machine_checks_the_manifest_only(package, test_settings, tmp_path):
    _, out = package
    copy = tmp_path / "copy.zip"
    shutil.copy(out, copy)
    done = cli(tmp_path / "other-state", test_settings, "evidence", "verify", str(copy))
    assert done.returncode == 0 and "verified" in done.stdout
    assert "not checked" in done.stdout and "not recorded" in done.stdout
    _rewrite(out, tmp_path / "bad.zip", change="result.csv")
    bad = cli(tmp_path / "other-state", test_settings, "evidence", "verify", str(tmp_path / "bad.zip"))
    assert bad.returncode == 1 and "result.csv was changed" in bad.stdout


def test_not_a_zip_is_a_sentence(test_settings, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    done = cli(tmp_path, test_settings, "evidence", "verify", str(junk))
    assert done.returncode == 1 and "not a readable zip" in done.stdout and "Traceback" not in done.stderr

"""Exports of a query result (queries/export.py): every format opens and shows Chinese.

The PDF checks use Debian's poppler-utils (pdftotext, pdftoppm, pdffonts); they are skipped,
saying so, only when those programs are not installed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:  # plain `pytest` puts tests/ first on the path, not the project
    sys.path.insert(0, _ROOT)

from core.errors import ExportError  # noqa: E402
from exports import (  # noqa: E402
    FORMATS, canonical_json, export, find_cjk_font, neutralise, result_sha256)
from queries.result import ExportMeta, ResultData, to_plain  # noqa: E402

ORG = "中华精准扶贫促进会"
FORMULA = '=HYPERLINK("http://evil.example/x","点我")'
CST = dt.timezone(dt.timedelta(hours=8))
if os.environ.get("CI") and not (shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdffonts")):
    raise RuntimeError("CI must have poppler-utils installed (.ci/run installs it): the PDF checks need it")
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="pdftotext/pdftoppm not installed (Debian package poppler-utils); CI installs it")


def make_result(n: int = 6, truncated: bool = True) -> ResultData:
    rows = []
    for i in range(n):
        rows.append({
            "组织名称": f"{ORG}{i}",
            "金额": -120.5 + i,
            "笔数": i,
            "路径": [ORG, "北京某某科技有限公司", "张三"],
            "属性": {"状态": "撤销", "级别": i},
            "备注": FORMULA if i == 0 else ("<script>alert(1)</script>" if i == 1 else None),
            "成立日期": dt.date(2015, 3, i + 1),
            "正常": i % 2 == 0,
        })
    return ResultData(columns=["组织名称", "金额", "笔数", "路径", "属性", "备注", "成立日期", "正常"],
                      rows=rows, truncated=truncated)


def make_meta(kind: str = "graph") -> ExportMeta:
    graph = {
        "nodes": [{"id": 1, "label": "Organization", "caption": ORG},
                  {"id": 2, "label": "Company", "caption": "北京某某科技有限公司"},
                  {"id": 3, "label": "Person", "caption": "张三"}],
        "edges": [{"source": 1, "target": 2, "type": "FUNDED", "caption": "资助"},
                  {"source": 1, "target": 2, "type": "TRANSFER", "caption": "转账"},
                  {"source": 2, "target": 3, "type": "LEGAL_REP", "caption": "法定代表人"},
                  {"source": 3, "target": 3, "type": "SELF", "caption": "自环"}],
    }
    return ExportMeta(
        title=f"资金往来核查 — {ORG}", report_id="R-007", user="王调查员",
        run_at=dt.datetime(2026, 11, 27, 9, 30, tzinfo=CST), database="neo4j",
        server="bolt://127.0.0.1:7687 (Neo4j 5.26.30)",
        cypher="MATCH p=(o:Organization {name: $name})-[*1..2]-(x)\nWHERE o.status <> '正常'\nRETURN p",
        parameters={"name": ORG, "since": dt.date(2020, 1, 1)}, result_kind=kind,
        graph=graph if kind in ("graph", "paths") else None)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    result, meta = make_result(), make_meta()
    return {fmt: export(result, meta, fmt, folder / f"result.{fmt}") for fmt in FORMATS}


# --------------------------------------------------------------------------- hash

def test_sha256_is_stable_for_equal_data() -> None:
    a = make_result()
    b = make_result()
    b.rows = [dict(reversed(list(row.items()))) for row in b.rows]  # same data, other key order
    assert result_sha256(a) == result_sha256(b)
    assert re.fullmatch(r"[0-9a-f]{64}", result_sha256(a))


def test_sha256_differs_for_different_data() -> None:
    a, b, c, d = make_result(), make_result(), make_result(), make_result()
    b.rows[3]["金额"] = 0.0
    c.columns = list(reversed(c.columns))
    d.rows = d.rows[:-1]
    hashes = {result_sha256(x) for x in (a, b, c, d)}
    assert len(hashes) == 4
    assert result_sha256(ResultData(["x"], [{"x": 1}])) != result_sha256(ResultData(["x"], [{"x": "1"}]))


def test_neo4j_temporal_values_hash_like_python_ones() -> None:
    from neo4j.time import Date, DateTime

    native = ResultData(["d", "t"], [{"d": dt.date(2024, 1, 2),
                                      "t": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=CST)}])
    driver = ResultData(["d", "t"], [{"d": Date(2024, 1, 2), "t": DateTime(2024, 1, 2, 3, 4, 5, tzinfo=CST)}])
    assert result_sha256(native) == result_sha256(driver)
    assert to_plain(Date(2024, 1, 2)) == "2024-01-02"


def test_json_export_lets_a_reader_recompute_the_hash(exported: dict[str, Path]) -> None:
    data = json.loads(exported["json"].read_text(encoding="utf-8"))
    recomputed = ResultData(columns=data["columns"], rows=data["rows"])
    assert result_sha256(recomputed) == data["sha256"] == result_sha256(make_result())
    assert canonical_json(recomputed) == canonical_json(make_result())


# --------------------------------------------------------------------------- CSV

def test_csv_opens_with_bom_and_round_trips(exported: dict[str, Path]) -> None:
    raw = exported["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with exported["csv"].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == make_result().columns
    assert rows[1][0] == f"{ORG}0"
    assert rows[1][1] == "-120.5"  # a plain negative number is left alone
    assert json.loads(rows[1][3]) == [ORG, "北京某某科技有限公司", "张三"]
    assert json.loads(rows[1][4]) == {"状态": "撤销", "级别": 0}
    assert rows[1][6] == "2015-03-01"
    assert rows[1][7] == "true"
    assert rows[3][5] == ""  # None
    assert len(rows) == 1 + 6


def test_csv_neutralises_formulas(exported: dict[str, Path]) -> None:
    with exported["csv"].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][5] == "'" + FORMULA


@pytest.mark.parametrize("text, expected", [
    ("=1+2", "'=1+2"), ("+8610-1234", "'+8610-1234"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-120.5", "-120.5"), ("+3", "+3"), ("-1e5", "-1e5"),
    ("中华", "中华"), ("a=b", "a=b"), ("", ""),
])
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


# --------------------------------------------------------------------------- XLSX

def test_xlsx_opens_with_result_and_metadata(exported: dict[str, Path]) -> None:
    import openpyxl

    book = openpyxl.load_workbook(exported["xlsx"])
    assert book.sheetnames == ["result", "metadata"]
    sheet = book["result"]
    assert [c.value for c in sheet[1]] == make_result().columns
    assert sheet["A2"].value == f"{ORG}0"
    assert sheet["B2"].value == -120.5 and sheet["C3"].value == 1
    assert sheet["H2"].value is True
    assert json.loads(sheet["D2"].value) == [ORG, "北京某某科技有限公司", "张三"]
    assert sheet.max_row == 7
    meta = {row[0]: row[1] for row in book["metadata"].iter_rows(min_row=2, values_only=True)}
    values = list(meta.values())
    assert f"资金往来核查 — {ORG}" in values and "王调查员" in values and "neo4j" in values
    assert "bolt://127.0.0.1:7687 (Neo4j 5.26.30)" in values
    assert make_meta().cypher in values
    assert result_sha256(make_result()) in values
    assert 6 in values and True in values
    assert any(isinstance(v, str) and '"name": "中华精准扶贫促进会"' in v for v in values)


def test_xlsx_never_holds_a_formula(exported: dict[str, Path]) -> None:
    import openpyxl

    book = openpyxl.load_workbook(exported["xlsx"])
    assert book["result"]["F2"].value == "'" + FORMULA
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"


def test_xlsx_header_and_big_integers(tmp_path: Path) -> None:
    import openpyxl

    result = ResultData(columns=["=cmd()", "id"], rows=[{"=cmd()": "x", "id": 91110000123456789}])
    path = export(result, make_meta("table"), "xlsx", tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path)["result"]
    assert sheet["A1"].value == "'=cmd()"
    assert sheet["B2"].value == "91110000123456789"  # past Excel's 15 digits: kept as text


# --------------------------------------------------------------------------- JSON

def test_json_document(exported: dict[str, Path]) -> None:
    text = exported["json"].read_text(encoding="utf-8")
    assert ORG in text  # ensure_ascii=False: Chinese is written as is
    data = json.loads(text)
    assert set(data) == {"meta", "columns", "rows", "row_count", "truncated", "sha256"}
    assert data["row_count"] == 6 and data["truncated"] is True
    assert data["rows"][0]["备注"] == FORMULA  # JSON keeps the data exact
    assert data["rows"][0]["成立日期"] == "2015-03-01"
    meta = data["meta"]
    assert meta["user"] == "王调查员" and meta["run_at"] == "2026-11-27T09:30:00+08:00"
    assert meta["parameters"] == {"name": ORG, "since": "2020-01-01"}
    assert meta["server"].startswith("bolt://") and meta["sha256"] == data["sha256"]


# --------------------------------------------------------------------------- HTML

def test_html_is_self_contained_and_chinese(exported: dict[str, Path]) -> None:
    page = exported["html"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert f"资金往来核查 — {ORG}" in page and "王调查员" in page and "北京某某科技有限公司" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "@import" not in page and "url(" not in page and "<link" not in page
    assert '"Noto Sans CJK SC"' in page and '"Microsoft YaHei"' in page and "sans-serif" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "WHERE o.status &lt;&gt; &#x27;正常&#x27;" in page
    assert result_sha256(make_result()) in page
    assert 'class="warning"' in page and "truncated" in page


def test_html_draws_the_graph_with_chinese_captions(exported: dict[str, Path]) -> None:
    page = exported["html"].read_text(encoding="utf-8")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count("<circle") >= 3
    assert ORG in svg and "法定代表人" in svg and "张三" in svg


def test_html_table_result_has_no_picture(tmp_path: Path) -> None:
    page = export(make_result(truncated=False), make_meta("table"), "html",
                  tmp_path / "t.html").read_text(encoding="utf-8")
    assert "<svg" not in page and "class=\"warning\"" not in page


# --------------------------------------------------------------------------- PDF

def _pdftotext(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, timeout=60).stdout.decode("utf-8")
    return re.sub(r"\s+", "", out)


@needs_poppler
def test_pdf_text_is_chinese(exported: dict[str, Path]) -> None:
    text = _pdftotext(exported["pdf"])
    for expected in (f"资金往来核查—{ORG}", "王调查员", "北京某某科技有限公司", "法定代表人",
                     f"{ORG}5", "bolt://127.0.0.1:7687", result_sha256(make_result()), "截断"):
        assert expected in text, expected


@needs_poppler
def test_pdf_embeds_its_font(exported: dict[str, Path]) -> None:
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts not installed (Debian package poppler-utils)")
    listing = subprocess.run(["pdffonts", str(exported["pdf"])], check=True, capture_output=True,
                             timeout=60).stdout.decode()
    fonts = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert fonts, listing
    for columns in fonts:
        assert columns[-5:-3] == ["yes", "yes"], listing  # embedded and subset


@needs_poppler
def test_pdf_page_one_renders(exported: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(exported["pdf"]),
                    str(tmp_path / "page")], check=True, timeout=60)
    [png] = sorted(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 500, f"page 1 looks blank ({dark} dark pixels)"


@needs_poppler
def test_pdf_long_table_paginates_and_wide_cells_wrap(tmp_path: Path) -> None:
    rows = [{"名称": f"{ORG}{i}", "说明": "长文本说明，" * (60 if i % 50 == 0 else 2), "i": i}
            for i in range(300)]
    rows[0]["说明"] = "超长" * 5000  # longer than a page: cut in the PDF, whole in CSV/JSON
    path = export(ResultData(["名称", "说明", "i"], rows), make_meta("table"), "pdf",
                  tmp_path / "long.pdf")
    pages = len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))
    assert pages > 3
    text = _pdftotext(path)
    assert f"{ORG}0" in text and f"{ORG}299" in text and "已截断" in text


def test_exports_are_reproducible(tmp_path: Path) -> None:
    for fmt in FORMATS:
        first = export(make_result(), make_meta(), fmt, tmp_path / f"a.{fmt}").read_bytes()
        second = export(make_result(), make_meta(), fmt, tmp_path / f"b.{fmt}").read_bytes()
        assert first == second, fmt


def test_pdf_font_comes_from_pypi_package() -> None:
    pytest.importorskip("pylopdf_fonts_zh_cn")
    assert find_cjk_font().name == "NotoSansSC-Regular.otf"


def test_pdf_without_a_chinese_font_says_so(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export(make_result(), make_meta(), "pdf", tmp_path / "x.pdf", font_path=tmp_path / "none.ttf")
    not_a_font = tmp_path / "fake.ttf"
    not_a_font.write_bytes(b"not a font")
    with pytest.raises(ExportError, match="no Chinese characters"):
        export(make_result(), make_meta(), "pdf", tmp_path / "x.pdf", font_path=not_a_font)
    assert not (tmp_path / "x.pdf").exists()
    assert not list(tmp_path.glob(".*.part"))


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="choose one of csv, xlsx, json, html, pdf"):
        export(make_result(), make_meta(), "docx", tmp_path / "r.docx")


def test_empty_result_exports(tmp_path: Path) -> None:
    empty = ResultData(columns=["名称"], rows=[], truncated=False)
    for fmt in FORMATS:
        assert export(empty, make_meta("table"), fmt, tmp_path / f"e.{fmt}").stat().st_size > 0


def test_no_chinese_font_anywhere_raises_export_error(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    import exports.fonts as module

    monkeypatch.setattr(module, "_packaged_font", lambda: None)
    monkeypatch.setattr(module, "_ASSET_FONTS", tmp_path / "no-fonts")
    monkeypatch.setattr(module, "SYSTEM_CJK_FONTS", (str(tmp_path / "missing.ttc"),))
    module.find_cjk_font.cache_clear()
    try:
        with pytest.raises(ExportError, match="no font with Chinese characters"):
            export(make_result(), make_meta(), "pdf", tmp_path / "x.pdf")
    finally:
        module.find_cjk_font.cache_clear()
    assert not (tmp_path / "x.pdf").exists()

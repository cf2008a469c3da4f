"""loaders/read.py: format, encoding and delimiter detection, header finding, row numbers,
cell conversion and bounded memory, on files written to a temporary folder."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import sys
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # plain `pytest` puts tests/ first on the path, not the project
    sys.path.insert(0, str(_ROOT))

from core.errors import LoadError  # noqa: E402
from loaders import read  # noqa: E402
from loaders.read import (  # noqa: E402
    ERROR_KEY, EXTRA_KEY, SAMPLE_BYTES, WARNINGS_KEY, detect_delimiter, detect_encoding,
    iter_table, sha256_file)

HEADER = ["交易卡号", "交易时间", "交易金额", "对手户名", "摘要说明"]
ROW = ["6222021234567890", "2023-05-06 14:03:00", "1234.50", "李娜", "会费"]


def write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def csv_lines(*rows: list[str], sep: str = ",") -> str:
    return "".join(sep.join(r) + "\n" for r in rows)


def all_rows(path: Path, **kw) -> list[tuple[int, dict]]:
    return [row for chunk in iter_table(path, **kw).chunks() for row in chunk]


def xlsx(tmp_path: Path, rows: list[list[object]], name: str = "t.xlsx",
         title: str = "Sheet") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


# --- sha256, encodings, delimiters ---------------------------------------------------

def test_sha256_file(tmp_path: Path) -> None:
    data = b"abc" * 1_000_000
    assert sha256_file(write(tmp_path, "f", data)) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("data", "expected"), [
    ("交易时间,金额\n2023-05-06,1\n".encode(), "utf-8"),
    (codecs.BOM_UTF8 + "交易时间,金额\n".encode(), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + "交易时间\t金额\n".encode("utf-16-le"), "utf-16"),
    ("交易时间,金额,对手户名\n张伟,李娜\n".encode("gbk"), "gb18030"),
    ("对手户名\n刘䶮,吉𠮷\n".encode("gb18030"), "gb18030"),
    (b"name,amount\n1,2\n", "utf-8"),
])
def test_detect_encoding(tmp_path: Path, data: bytes, expected: str) -> None:
    assert detect_encoding(write(tmp_path, "f.csv", data)) == expected


def test_detect_encoding_other_encodings_via_charset_normalizer(tmp_path: Path) -> None:
    text = "Name;City\nFrançois Müller;Genève\nJosé Núñez;Málaga\n" * 20
    path = write(tmp_path, "f.csv", text, "cp1252")
    encoding = detect_encoding(path)     # a Latin code page; which one is a guess
    assert encoding not in ("utf-8", "gb18030")
    assert "François Müller" in path.read_bytes().decode(encoding)


def test_mostly_utf8_with_one_gbk_line_is_utf8(tmp_path: Path) -> None:
    data = ("对手户名,摘要\n" + "李娜,会费\n" * 5).encode() + "王强,扶贫款\n".encode("gbk")
    assert detect_encoding(write(tmp_path, "f.csv", data)) == "utf-8"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_character_cut_at_sample_end_is_no_false_negative(tmp_path: Path, encoding: str) -> None:
    char, start = "中".encode(encoding), "交易时间,摘要\n".encode(encoding)
    data = start + b"a" * (SAMPLE_BYTES - 1 - len(start)) + char + "文\n".encode(encoding)
    path = write(tmp_path, "f.csv", data)
    assert detect_encoding(path) == encoding
    assert path.read_bytes()[:SAMPLE_BYTES].endswith(char[:1])   # the sample does cut it


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(256)) * 4])
def test_binary_file_raises(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(LoadError, match="binary") as caught:
        detect_encoding(write(tmp_path, "photo.jpg", data))
    assert "photo.jpg" in str(caught.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("a,b,c\n1,2,3\n4,5,6\n", ","),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a;b;c\n1;2;3\n", ";"),
    ("a|b|c\n1|2|3\n", "|"),
    ('a;b;c\n"1,5";"2,5";"x,y"\n"3,5";"4";"z"\n', ";"),
    ("交易时间,交易金额,摘要说明\n", ","),
    ("交易时间 交易金额 摘要说明\n2023-05-06 1 x\n", ","),
    ("某某银行交易明细\n交易时间|交易金额|摘要说明\n2023|1|x\n", "|"),
    ("", ","),
])
def test_detect_delimiter(text: str, expected: str) -> None:
    assert detect_delimiter(text) == expected


# --- CSV -------------------------------------------------------------------------------

def test_csv_rows_numbers_padding_and_extras(tmp_path: Path) -> None:
    text = ("\n"                                  # 1 blank
            + ",".join(HEADER) + "\n"             # 2 header
            + ",".join(ROW[:4]) + ',"two\nlines"\n'   # 3-4 one row over two lines
            + "\n"                                # 5 blank
            + "1,2\n"                             # 6 short
            + ",".join(ROW) + ",extra,,\n"        # 7 long
            + ",".join(ROW) + ",,\n")             # 8 trailing empty cells: not extra
    table = iter_table(write(tmp_path, "s.csv", text))
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-8", ",")
    assert table.header_row == 2
    assert table.header == HEADER
    rows = [r for chunk in table.chunks() for r in chunk]
    assert [n for n, _ in rows] == [3, 6, 7, 8]
    assert rows[0][1]["摘要说明"] == "two\nlines"
    assert rows[1][1] == {"交易卡号": "1", "交易时间": "2", "交易金额": "", "对手户名": "", "摘要说明": ""}
    assert rows[2][1][EXTRA_KEY] == ["extra", "", ""]
    assert EXTRA_KEY not in rows[3][1]


def test_csv_values_are_raw_strings(tmp_path: Path) -> None:
    rows = all_rows(write(tmp_path, "s.csv", "a,b\n 1 ,\u3000x\n"))
    assert rows == [(2, {"a": " 1 ", "b": "\u3000x"})]


def test_header_cells_cleaned_and_made_unique(tmp_path: Path) -> None:
    text = "\ufeff 交易\u3000时间 ,金额,,金额,金额_2,,\n1,2,3,4,5\n"
    table = iter_table(write(tmp_path, "s.csv", text))
    assert table.header == ["交易时间", "金额", "column_3", "金额_2", "金额_2_2"]
    assert all_rows(table.path)[0][1]["金额_2"] == "4"


def test_title_lines_above_csv_header(tmp_path: Path) -> None:
    text = "某某银行交易明细,,,,\n,,,,\n户名：张伟,,,,\n" + csv_lines(HEADER, ROW)
    table = iter_table(write(tmp_path, "s.csv", text))
    assert table.header_row == 4 and table.header == HEADER
    assert [n for n, _ in all_rows(table.path)] == [5]


@pytest.mark.parametrize(("name", "data"), [
    ("empty.csv", b""), ("blank.csv", b"\n \r\n\t\n"), ("commas.csv", b",,,\n,,\n")])
def test_empty_file_raises(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(LoadError, match="empty") as caught:
        iter_table(write(tmp_path, name, data))
    assert caught.value.file == name


def test_header_only_is_a_table_without_rows(tmp_path: Path) -> None:
    table = iter_table(write(tmp_path, "h.csv", csv_lines(HEADER)))
    assert table.header == HEADER and list(table.chunks()) == []


def test_one_megabyte_field_loads(tmp_path: Path) -> None:
    big = "长" * (1 << 20)
    rows = all_rows(write(tmp_path, "b.csv", csv_lines(HEADER, ROW[:4] + [big])))
    assert rows[0][1]["摘要说明"] == big


def test_field_over_the_limit_raises_with_line(tmp_path: Path) -> None:
    text = csv_lines(HEADER, ROW) + ",".join(ROW[:4]) + ',"unclosed quote\n' + csv_lines(ROW) * 50
    with pytest.raises(LoadError, match="line 3") as caught:
        all_rows(write(tmp_path, "q.csv", text), max_field_bytes=500)
    assert caught.value.row == 3


def test_semicolon_and_tab_files(tmp_path: Path) -> None:
    for sep, name in ((";", "s.csv"), ("\t", "t.txt")):
        table = iter_table(write(tmp_path, name, csv_lines(HEADER, ROW, sep=sep)))
        assert table.delimiter == sep and table.header == HEADER


def test_whitespace_separated_file_is_one_column(tmp_path: Path) -> None:
    table = iter_table(write(tmp_path, "w.txt", csv_lines(HEADER, ["a", "b", "c", "d", "e"],
                                                        sep=" ")))
    assert table.header == [" ".join(HEADER)]


def test_gbk_and_mixed_lines(tmp_path: Path) -> None:
    gbk = iter_table(write(tmp_path, "g.csv", csv_lines(HEADER, ROW), "gbk"))
    assert gbk.encoding == "gb18030" and all_rows(gbk.path)[0][1]["对手户名"] == "李娜"
    data = csv_lines(HEADER, ROW, ROW).encode() + csv_lines(ROW[:3] + ["王强", "扶贫"]).encode("gbk")
    rows = all_rows(write(tmp_path, "m.csv", data))
    assert [WARNINGS_KEY in r for _, r in rows] == [False, False, True]
    assert rows[2][1]["对手户名"] == "王强"
    assert rows[2][1][WARNINGS_KEY] == [("encoding_fallback", None)]


def test_undecodable_line_gets_replacement_characters(tmp_path: Path) -> None:
    data = csv_lines(HEADER, ROW, ROW).encode() + b"\xff\xfe\xff,x,y,z,w\n"
    rows = all_rows(write(tmp_path, "r.csv", data))
    assert rows[2][1]["交易卡号"].count("\ufffd") == 3


def test_utf8_bom_and_utf16(tmp_path: Path) -> None:
    bom = iter_table(write(tmp_path, "b.csv", codecs.BOM_UTF8 + csv_lines(HEADER, ROW).encode()))
    assert bom.header == HEADER
    text = csv_lines(HEADER, ROW, sep="\t")
    utf16 = iter_table(write(tmp_path, "u.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le")))
    assert (utf16.encoding, utf16.header) == ("utf-16", HEADER)
    assert all_rows(utf16.path) == [(2, dict(zip(HEADER, ROW)))]


def test_chunks_are_bounded_and_repeatable(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", csv_lines(HEADER, *[ROW] * 12))
    table = iter_table(path, chunk_rows=5)
    sizes = [len(c) for c in table.chunks()]
    assert sizes == [5, 5, 2] and [len(c) for c in table.chunks()] == sizes
    assert [n for c in table.chunks() for n, _ in c] == list(range(2, 14))


def test_a_load_s_first_chunks_grow_to_the_chunk_size(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", csv_lines(HEADER, *[ROW] * 40))
    table = iter_table(path, chunk_rows=16)
    assert [len(c) for c in table.chunks(first_rows=3)] == [3, 6, 12, 16, 3]
    assert [n for c in table.chunks(first_rows=3) for n, _ in c] == list(range(2, 42))
    assert [len(c) for c in table.chunks(first_rows=50)] == [16, 16, 8]


def test_memory_stays_bounded_on_a_large_csv(tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADER) + "\n")
        for i in range(300_000):
            f.write(f"6222021234{i:06d},2023-05-06 14:03:00,{i}.50,李娜{i},会费 第{i}笔\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = sum(len(chunk) for chunk in iter_table(path, chunk_rows=1000).chunks())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 300_000
    assert peak < size / 10, (peak, size)


# --- XLSX ------------------------------------------------------------------------------

def test_xlsx_title_row_merged_and_blank_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某某银行交易明细"])
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(HEADER)
    ws.append(["6222021234567890", dt.datetime(2023, 5, 6, 14, 3), 1234.5, "李娜", "会费"])
    ws.append([])
    ws.append(["6222021234567890", dt.date(2023, 5, 7), 100, "王强", None])
    path = tmp_path / "title.xlsx"
    wb.save(path)
    table = iter_table(path)
    assert (table.format, table.encoding, table.header_row) == ("xlsx", None, 3)
    assert table.header == HEADER
    assert table.sheet == "Sheet" and table.sheets == ("Sheet",)
    assert all_rows(path) == [
        (4, {"交易卡号": "6222021234567890", "交易时间": "2023-05-06 14:03:00", "交易金额": "1234.5",
             "对手户名": "李娜", "摘要说明": "会费"}),
        (6, {"交易卡号": "6222021234567890", "交易时间": "2023-05-07", "交易金额": "100",
             "对手户名": "王强", "摘要说明": ""})]


def test_xlsx_header_below_account_info_lines(tmp_path: Path) -> None:
    path = xlsx(tmp_path, [
        ["账户交易明细查询"], ["户名：", "张伟"], ["卡号：", "6222021234567890"],
        ["查询期间", "2023-01-01", "至", "2023-12-31"], HEADER, ROW])
    table = iter_table(path)
    assert table.header_row == 5 and table.header == HEADER


def test_xlsx_all_text_data_rows_do_not_beat_the_header(tmp_path: Path) -> None:
    path = xlsx(tmp_path, [["说明"], ["姓名", "职务"], ["张伟", "会长"], ["李娜", "秘书长"]])
    table = iter_table(path)
    assert table.header_row == 2 and table.header == ["姓名", "职务"]


def test_numeric_header_labels_fall_back_to_the_widest_row(tmp_path: Path) -> None:
    path = xlsx(tmp_path, [["2023年会费收缴表"], ["姓名", "2022", "2023"], ["张伟", 100, 200]])
    table = iter_table(path)
    assert table.header_row == 2 and table.header == ["姓名", "2022", "2023"]


def test_xlsx_cell_values(tmp_path: Path) -> None:
    header = ["a", "b", "c", "d", "e", "f", "g", "h"]
    path = xlsx(tmp_path, [header, [
        "6222021234567890123", 6.22202123456789e18, 1234.0, 0.1 + 0.2, True,
        dt.datetime(2023, 5, 6, 14, 2, 59, 999_600), dt.time(9, 30), 45052.5]])
    (number, row), = all_rows(path)
    assert number == 2
    assert row == {"a": "6222021234567890123", "b": "6222021234567890000", "c": "1234",
                   "d": "0.3", "e": "TRUE", "f": "2023-05-06 14:03:00", "g": "09:30:00",
                   "h": "45052.5", WARNINGS_KEY: [("excel_number_precision", "b")]}


@pytest.mark.parametrize(("value", "expected"), [
    (None, ("", False)), (6222021234567890123, ("6222021234567890123", True)),
    (123456789012345, ("123456789012345", False)), (-5, ("-5", False)),
    (1e16, ("10000000000000000", True)), (12.0, ("12", False)), (1.5e-7, ("0.00000015", False)),
    (dt.date(2023, 5, 6), ("2023-05-06", False)), (False, ("FALSE", False)),
    (dt.datetime(2023, 5, 6), ("2023-05-06", False)), ("#N/A", ("#N/A", False)),
])
def test_cell_text(value: object, expected: tuple[str, bool]) -> None:
    assert read._cell_text(value) == expected


def test_xlsx_fifteen_digits_are_not_flagged(tmp_path: Path) -> None:
    (_, row), = all_rows(xlsx(tmp_path, [["a", "b"], [123456789012345, 1]]))
    assert row == {"a": "123456789012345", "b": "1"}


def test_xlsx_extra_cells(tmp_path: Path) -> None:
    rows = all_rows(xlsx(tmp_path, [["a", "b"], [1, 2, None, "x"], [3, 4, None]]))
    assert rows == [(2, {"a": "1", "b": "2", EXTRA_KEY: ["", "x"]}), (3, {"a": "3", "b": "4"})]


def test_xlsx_sheet_by_name_and_index(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    wb.active.append(["说明"])
    second = wb.create_sheet("明细")
    second.append(["姓名", "职务"])
    second.append(["张伟", "会长"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    for sheet in ("明细", 1, -1):
        table = iter_table(path, sheet=sheet)
        assert table.sheet == "明细" and table.sheets == ("封面", "明细")
        assert all_rows(path, sheet=sheet) == [(2, {"姓名": "张伟", "职务": "会长"})]
    with pytest.raises(LoadError, match="封面, 明细"):
        iter_table(path, sheet="汇总")
    with pytest.raises(LoadError, match="工作表"):
        iter_table(path, sheet=5)


def test_xlsx_empty_sheet(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="empty"):
        iter_table(xlsx(tmp_path, []))


def test_truncated_xlsx(tmp_path: Path) -> None:
    data = xlsx(tmp_path, [HEADER, ROW] * 50).read_bytes()
    with pytest.raises(LoadError, match="not a valid Excel file") as caught:
        iter_table(write(tmp_path, "cut.xlsx", data[: len(data) // 2]))
    assert caught.value.file == "cut.xlsx"


def test_damaged_member_in_xlsx(tmp_path: Path) -> None:
    source = xlsx(tmp_path, [HEADER, ROW])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    with pytest.raises(LoadError, match="not a valid Excel file"):
        all_rows(damaged)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "files.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.csv", "a,b\n")
    with pytest.raises(LoadError, match="ZIP archive"):
        iter_table(path)


# --- format by content, JSON lines -----------------------------------------------------

def test_format_is_judged_by_content(tmp_path: Path) -> None:
    csv_as_xlsx = write(tmp_path, "statement.xlsx", csv_lines(HEADER, ROW))
    assert iter_table(csv_as_xlsx).format == "csv"
    xlsx_as_csv = xlsx(tmp_path, [HEADER, ROW], name="statement.csv")
    assert iter_table(xlsx_as_csv).format == "xlsx"
    assert iter_table(write(tmp_path, "x.csv", '\n {"a": 1}\n')).format == "jsonl"


@pytest.mark.parametrize(("data", "word"), [
    (b"<html><body><table><tr><td>a</td></tr></table></body></html>", "HTML"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), ".xls"),
])
def test_legacy_and_html_spreadsheets(tmp_path: Path, data: bytes, word: str) -> None:
    with pytest.raises(LoadError, match=word.replace(".", r"\.")):
        iter_table(write(tmp_path, "statement.xls", data))


def test_jsonl(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "p1", "schema": "Person", "properties": {"name": ["张伟"]}},
                        ensure_ascii=False), "", '{"id": "p2", "schema": ', "[1, 2]",
             '{"id": "o1", "n": 3, "ok": true}']
    table = iter_table(write(tmp_path, "e.jsonl", "\n".join(lines) + "\n"))
    assert (table.format, table.header, table.header_row) == ("jsonl", [], 0)
    rows = all_rows(table.path)
    assert [n for n, _ in rows] == [1, 3, 4, 5]
    assert rows[0][1]["properties"] == {"name": ["张伟"]}
    assert rows[1][1][ERROR_KEY].startswith("not valid JSON")
    assert rows[2][1] == {ERROR_KEY: "not a JSON object"}
    assert rows[3][1] == {"id": "o1", "n": 3, "ok": True}


def test_jsonl_line_over_the_limit_is_a_row_error(tmp_path: Path) -> None:
    text = '{"a": 1}\n{"a": "' + "x" * 200 + '"}\n'
    rows = all_rows(write(tmp_path, "e.jsonl", text), max_field_bytes=100)
    assert rows[0][1] == {"a": 1} and ERROR_KEY in rows[1][1]


def test_module_constants() -> None:
    assert read.DELIMITERS == ",\t;|" and read.HEADER_SCAN_ROWS == 20

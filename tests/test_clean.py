"""loaders/clean.py: normalisation, parsing, ID checks, formula and flag helpers."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import OrgTraceError
from stdnum.cn import ric, uscc

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # plain `pytest` puts tests/ first on the path, not the project
    sys.path.insert(0, str(_ROOT))

from loaders.clean import (  # noqa: E402
    CodeCheck, IdCheck, check_credit_code, check_resident_id, direction_of, is_cash,
    looks_like_formula, luhn_ok, neutralize_formula, normalize_account, normalize_address,
    normalize_name, normalize_phone, parse_amount, parse_date, parse_datetime, to_halfwidth)


def with_check_digit(first17: str) -> str:
    """An 18-digit ID whose check digit is right, computed by stdnum."""
    return first17 + ric.calc_check_digit(first17 + "0")


def with_wrong_check_digit(first17: str) -> str:
    right = ric.calc_check_digit(first17 + "0")
    return first17 + ("1" if right == "0" else "0")


# --- text ------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("ＡＢＣ　１２３", "ABC 123"), ("（重庆）", "(重庆)"), ("！～", "!~"), ("中文", "中文"),
    ("", ""), ("￥", "￥"),                       # outside the full-width ASCII block
])
def test_to_halfwidth(raw: str, expected: str) -> None:
    assert to_halfwidth(raw) == expected


@pytest.mark.parametrize("raw", [
    "中华精准扶贫促进会(重庆)", "中华精准扶贫促进会（重庆）", " 中华 精准扶贫促进会（重庆） ",
    "中华精准扶贫促进会\u3000(重庆)", "中华精准扶贫促进会\u200b（重庆)", "\t中华精准扶贫促进会 ( 重庆 )\n",
])
def test_org_name_variants_normalise_equal(raw: str) -> None:
    assert normalize_name(raw) == "中华精准扶贫促进会（重庆）"


@pytest.mark.parametrize(("raw", "expected"), [
    ("张 伟", "张伟"), ("买买提・艾力", "买买提·艾力"), ("买买提•艾力", "买买提·艾力"),
    ("  John   Smith ", "John Smith"), ("ＪＯＨＮ　ＳＭＩＴＨ", "JOHN SMITH"),
    ("Hope Foundation (HK)", "Hope Foundation （HK）"), ("中国ABC 协会", "中国ABC协会"),
    ("", None), ("  \u3000 ", None), (None, None),
])
def test_normalize_name(raw: str | None, expected: str | None) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("重庆市 渝中区 解放碑路１８号", "重庆市渝中区解放碑路18号"),
    ("重庆市渝中区(解放碑)", "重庆市渝中区（解放碑）"), ("  ", None), (None, None),
])
def test_normalize_address(raw: str | None, expected: str | None) -> None:
    assert normalize_address(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("13800138000", "13800138000"), ("+86 138 0013 8000", "13800138000"),
    ("86-13800138000", "13800138000"), ("0086 13800138000", "13800138000"),
    ("１３８００１３８０００", "13800138000"), ("023-6386 1234", "02363861234"),
    ("8613800138000123", "8613800138000123"),          # not a prefixed mobile: kept
    ("86 23 6386 1234", "862363861234"),               # landline: prefix kept
    ("无", None), ("", None), (None, None),
])
def test_normalize_phone(raw: str | None, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("6222 0212 3456 7890", "6222021234567890"), ("6222-0212-3456-7890", "6222021234567890"),
    ("ｃｎ８８ ａｂ", "CN88AB"), ("'6222021234567890", "6222021234567890"),
    ("  ", None), ("--", None), (None, None),
])
def test_normalize_account(raw: str | None, expected: str | None) -> None:
    assert normalize_account(raw) == expected


# --- amounts ---------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("1234.56", "1234.56"), ("1,234.56", "1234.56"), ("1,234,567", "1234567"),
    ("１２３．５０", "123.50"), ("１，２３４", "1234"), ("¥1,234.00", "1234.00"),
    ("￥1,234.00", "1234.00"), ("¥５００元", "500"), ("500元", "500"), ("RMB 88", "88"),
    ("rmb88", "88"), ("CNY 1.5", "1.5"), ("人民币100元", "100"), ("100元整", "100"),
    (" 1 234 ", "1234"), ("+120", "120"), ("-120.50", "-120.50"), ("−120.50", "-120.50"),
    ("¥-5", "-5"), ("-¥5", "-5"), ("(1,234.00)", "-1234.00"), ("（1,234.00）", "-1234.00"),
    ("1.5万", "15000"), ("1.5万元", "15000"), ("2亿", "200000000"), (".5", "0.5"),
    ("0", "0"), ("0.00", "0"), ("-0", "0"), ("1234.", "1234"),
    # issue 10: scientific notation as spreadsheets and JSON/Java tools write it, currency after
    ("5.689852347E7", "56898523.47"), ("1.5e+04", "15000"), ("-2.5E3", "-2500"), ("1e5", "100000"),
    ("1E-2", "0.01"), ("１.５Ｅ３", "1500"), ("500 CNY", "500"), ("500RMB", "500"), ("500¥", "500"),
    ("500 ￥", "500"), ("CNY -5", "-5"), ("￥1.2E3元", "1200"), ("1,234.50元", "1234.50"),
    ("999999999999999.99", "999999999999999.99"),
])
def test_parse_amount(raw: str, expected: str) -> None:
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "  ", "\u3000", None])
def test_parse_amount_empty(raw: str | None) -> None:
    assert parse_amount(raw) is None


@pytest.mark.parametrize("raw", [
    "abc", "12元5角", "1,2,3", "12,50", "1.2.3", "--5", "+-5", "5-", "NaN", "inf",
    "万", "¥", "(5", "1,234.5.6", "一百元", "$100", "100 USD", "1e", "E5", "1e5.5", "1e+", "1ee5",
    "x" * 5000,
])
def test_parse_amount_garbage(raw: str) -> None:
    with pytest.raises(ValueError, match="not an amount") as exc:
        parse_amount(raw)
    assert isinstance(exc.value, OrgTraceError) and len(str(exc.value)) < 200   # clipped quote


@pytest.mark.parametrize("raw", ["1000000000000000000000000000000", "1000000000000000", "1E15", "1e999",
                                 "-9" * 1 + "9" * 40, "100000000亿"])
def test_parse_amount_refuses_amounts_no_float_holds_to_the_cent(raw: str) -> None:
    """Issue 9: a 31-digit amount crashed the load (decimal.InvalidOperation on quantize)."""
    with pytest.raises(ValueError, match="too large"):
        parse_amount(raw)


@pytest.mark.parametrize(("raw", "sign"), [("-5", -1), ("(5)", -1), ("¥-5", -1), ("+5", 1), ("＋5元", 1),
                                           ("5", 0), ("CNY 5", 0), ("5.0E+3", 0), ("-5e-1", -1)])
def test_amount_sign(raw: str, sign: int) -> None:
    from loaders.clean import amount_sign
    assert amount_sign(raw) == sign


# --- dates -----------------------------------------------------------------------------

D = dt.datetime


@pytest.mark.parametrize(("raw", "expected"), [
    ("2023-05-06", D(2023, 5, 6)), ("2023-5-6", D(2023, 5, 6)), ("2023/5/6", D(2023, 5, 6)),
    ("2023.5.6", D(2023, 5, 6)), ("20230506", D(2023, 5, 6)), ("2023年5月6日", D(2023, 5, 6)),
    ("2023年05月06号", D(2023, 5, 6)),
    ("2023年5月6日 14时03分", D(2023, 5, 6, 14, 3)), ("2023年5月6日14点3分5秒", D(2023, 5, 6, 14, 3, 5)),
    ("2023/5/6 14:03", D(2023, 5, 6, 14, 3)), ("2023-05-06 14:03:05", D(2023, 5, 6, 14, 3, 5)),
    ("2023-05-06T14:03:05", D(2023, 5, 6, 14, 3, 5)),
    ("2023-05-06 14:03:05.25", D(2023, 5, 6, 14, 3, 5, 250000)),
    ("2023-05-06T06:03:05Z", D(2023, 5, 6, 14, 3, 5)),
    ("2023-05-06T14:03:05+08:00", D(2023, 5, 6, 14, 3, 5)),
    ("2023-05-06T01:03:05-0500", D(2023, 5, 6, 14, 3, 5)),
    ("20230506140300", D(2023, 5, 6, 14, 3)), ("20230506 1403", D(2023, 5, 6, 14, 3)),
    ("２０２３－０５－０６　１４：０３", D(2023, 5, 6, 14, 3)), ("  2023-05-06  ", D(2023, 5, 6)),
    ("45052", D(2023, 5, 6)), ("45052.5", D(2023, 5, 6, 12)),
    ("45052.58340", D(2023, 5, 6, 14, 0, 6)),
    ("1900-01-01", D(1900, 1, 1)), ("2100-12-31 23:59:59", D(2100, 12, 31, 23, 59, 59)),
    ("2024-02-29", D(2024, 2, 29)),
])
def test_parse_datetime(raw: str, expected: dt.datetime) -> None:
    assert parse_datetime(raw) == expected
    assert parse_date(raw) == expected.date()


@pytest.mark.parametrize(("raw", "reason"), [
    ("2023-02-30", "impossible"), ("2023-02-29", "impossible"), ("2023/13/01", "impossible"),
    ("2023-05-06 24:00", "impossible"), ("2023-05-06 14:60", "impossible"),
    ("20231301", "impossible"), ("1899-12-31", "year out of range"), ("2101-01-01", "year out"),
    ("昨天", "not a date"), ("2023年5月", "not a date"), ("2023-05", "not a date"),
    ("12345", "not a date"), ("19999", "not a date"), ("80001", "not a date"),
    ("45052.5.1", "not a date"), ("2023-05-06 下午2点", "not a date"), ("abc", "not a date"),
    ("202305061", "not a date"),
])
def test_parse_datetime_garbage(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_datetime(raw)
    with pytest.raises(ValueError):
        parse_date(raw)


@pytest.mark.parametrize("raw", ["", " ", "\u3000", None])
def test_parse_dates_empty(raw: str | None) -> None:
    assert parse_datetime(raw) is None and parse_date(raw) is None


def test_excel_serial_bounds() -> None:
    assert parse_date("20000") == dt.date(1954, 10, 3)
    assert parse_date("73415") == dt.date(2100, 12, 31)
    with pytest.raises(ValueError, match="year out of range"):
        parse_date("73416")                      # a serial, but after 2100
    with pytest.raises(ValueError, match="year out of range"):
        parse_datetime("2100-12-31T23:00:00Z")   # 2101 in China time


# --- resident IDs ----------------------------------------------------------------------

CHONGQING_1985 = with_check_digit("50010319850312123")     # 渝中区, code in use from 1997


def test_chongqing_id_before_1997_is_valid_with_a_note() -> None:
    assert not ric.is_valid(CHONGQING_1985)                  # stdnum alone refuses it
    check = check_resident_id(CHONGQING_1985)
    assert check == IdCheck(CHONGQING_1985, True, "region code 500103 not listed for 1985",
                            dt.date(1985, 3, 12), "男")


@pytest.mark.parametrize("first17", [
    "11010519800101123", "31010419750905156", "50010320000101002", "44010619900101002"])
def test_valid_ids(first17: str) -> None:
    number = with_check_digit(first17)
    check = check_resident_id(number)
    assert check.valid and check.number == number
    assert check.birth_date == dt.date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    assert check.gender == ("男" if int(first17[16]) % 2 else "女")


def test_id_note_only_when_region_unknown_for_the_year() -> None:
    assert check_resident_id(with_check_digit("11010519800101123")).note is None
    assert check_resident_id(with_check_digit("50010320000101002")).note is None   # 2000 >= 1997
    assert check_resident_id(with_check_digit("44010619800101002")).note == (
        "region code 440106 not listed for 1980")                                 # 天河区 from 1985


def test_id_normalisation() -> None:
    number = with_check_digit("11010519491231002")
    spaced = f" {number[:6]} {number[6:14]}-{number[14:]} "
    assert check_resident_id(spaced).number == number
    assert check_resident_id(number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))).valid
    x_id = next(with_check_digit(f"11010519800101{i:03d}") for i in range(200)
                if ric.calc_check_digit(f"11010519800101{i:03d}0") == "X")
    lower = check_resident_id(x_id.lower())
    assert lower.number == x_id and lower.valid


@pytest.mark.parametrize(("raw", "number", "note"), [
    (with_wrong_check_digit("11010519800101123"), with_wrong_check_digit("11010519800101123"),
     "check digit wrong"),
    (with_check_digit("11010519800230123"), with_check_digit("11010519800230123"),
     "impossible birth date"),
    (with_check_digit("11010518800101123"), with_check_digit("11010518800101123"),
     "impossible birth date"),                                   # born before 1900
    (with_check_digit("11010520990101123"), with_check_digit("11010520990101123"),
     "impossible birth date"),                                   # born in the future
    ("1101051980010112", None, "not an 18-character resident ID"),
    ("11010519800101123A", None, "not an 18-character resident ID"),
    ("张三", None, "not an 18-character resident ID"),
    ("", None, "empty"), (None, None, "empty"),
])
def test_invalid_ids(raw: str | None, number: str | None, note: str) -> None:
    check = check_resident_id(raw)
    assert (check.valid, check.number, check.note) == (False, number, note)


def test_old_15_digit_id() -> None:
    check = check_resident_id("110105491231002")
    assert check == IdCheck("110105491231002", False, "old 15-digit ID", dt.date(1949, 12, 31), "女")
    assert check_resident_id("110105499931002").birth_date is None


# --- credit codes, Luhn ----------------------------------------------------------------

SOCIAL_ORG = "51" + "500000" + "MJ0A12345"   # 社会团体 (civil affairs 5, type 1), 重庆


def test_credit_code() -> None:
    code = SOCIAL_ORG + uscc.calc_check_digit(SOCIAL_ORG)
    assert check_credit_code(code) == CodeCheck(code, True, None)
    assert check_credit_code(f" {code[:8]}-{code[8:].lower()} ") == CodeCheck(code, True, None)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert check_credit_code(wrong) == CodeCheck(wrong, False, "check character wrong")


@pytest.mark.parametrize(("raw", "note"), [
    ("1234567", "malformed credit code"), ("9111000060003734IL", "malformed credit code"),
    ("", "empty"), (None, "empty"),
])
def test_credit_code_malformed(raw: str | None, note: str) -> None:
    assert check_credit_code(raw) == CodeCheck(None, False, note)


@pytest.mark.parametrize(("raw", "ok"), [
    ("4111111111111111", True), ("4111 1111 1111 1111", True), ("4111111111111112", False),
    ("6222021234567890", False), ("CN123", False), ("", False), (None, False),
])
def test_luhn_ok(raw: str | None, ok: bool) -> None:
    assert luhn_ok(raw) is ok


# --- formulas ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    '=HYPERLINK("http://example.com","点击")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3",
    "=1+1", "\t=1+1", "\r@SUM(A1)", "\t\r-cmd", "+86 138 0013 8000", "=", "-A1",
])
def test_formulas(raw: str) -> None:
    assert looks_like_formula(raw)
    assert neutralize_formula(raw) == "'" + raw


@pytest.mark.parametrize("raw", [
    "-120.50", "+120", "-1,234.00", "-.5", "+8613800138000", "-", "---", "", "会费",
    "a=b", " =1+1", "'=1+1", "１=1",
])
def test_not_formulas(raw: str) -> None:
    assert not looks_like_formula(raw)
    assert neutralize_formula(raw) == raw


# --- flags -------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", [
    "进", "收", "入", "贷", "收入", "转入", "C", "CR", "cr", "in", "IN", "+", " 贷方 ", "收款", "进账",
    "Cr", "Cr.", "credit", "Credit", "CREDIT", "ｃｒ", "贷记", "收　入", "\t进\n", "Ｃ"])
def test_direction_in(flag: str) -> None:
    assert direction_of(flag) == "in"


@pytest.mark.parametrize("flag", [
    "出", "付", "支", "借", "支出", "转出", "D", "DR", "dr", "out", "-", "借方", "付款", "出账", "Ｄ",
    "Dr", "Dr.", "debit", "Debit", "DEBIT", "付出", "借记", "OUT", " 支 出 ", "－", "−"])
def test_direction_out(flag: str) -> None:
    assert direction_of(flag) == "out"


@pytest.mark.parametrize("flag", ["", None, "?", "未知", "0", "1", "收付", "转账"])
def test_direction_unknown(flag: str | None) -> None:
    assert direction_of(flag) is None


@pytest.mark.parametrize("value", [
    "现金", "现", "是", "Y", "y", "yes", "1", "true", "TRUE", "cash", "取现", "存现", "ATM取款",
    "ATM存款", "柜面现金存入", "现金支票", "现支", "跨行取款", "ＡＴＭ取款",
])
def test_is_cash(value: str) -> None:
    assert is_cash(value)


@pytest.mark.parametrize("value", [
    "转", "转账", "否", "N", "0", "false", "", None, "非现金", "ATM转账", "网银转账", "会费",
    "ATM取款手续费", "存款利息",
])
def test_is_not_cash(value: str | None) -> None:
    assert not is_cash(value)


def test_resident_id_check_agrees_with_stdnum_validate():
    """check_resident_id runs stdnum's checks in a cheaper order with a memo of the region
    lookup; on random IDs (good and bad check digits, impossible dates, regions not listed
    in the birth year) it must say what ric.validate says."""
    import random

    from stdnum.cn import ric
    from stdnum.exceptions import InvalidChecksum, InvalidComponent

    from loaders.clean import check_resident_id
    rng = random.Random(11)
    regions = ["500101", "500103", "500108", "110101", "360426", "440301", "999999", "510104", "522701"]
    for _ in range(5000):
        body = (f"{rng.choice(regions)}{rng.randint(1890, 2030):04d}{rng.randint(0, 13):02d}"
                f"{rng.randint(0, 32):02d}{rng.randint(0, 999):03d}")
        number = body + (ric.calc_check_digit(body + "0") if rng.random() < 0.8 else rng.choice("0123456789X"))
        check = check_resident_id(number)
        try:
            ric.validate(number)
            expected = "ok"
        except InvalidChecksum:
            expected = "checksum"
        except InvalidComponent:
            expected = "component"
        try:
            born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            born = None
        if expected != "checksum" and born and not dt.date(1900, 1, 1) <= born <= dt.date.today():
            expected = "component"   # OrgTrace also refuses births before 1900 or in the future
        if expected == "ok":
            assert check.valid and check.note is None, number
        elif expected == "checksum":
            assert not check.valid and check.note == "check digit wrong", number
        else:   # an impossible birth date, or a region not listed in the birth year (still valid)
            assert check.note == "impossible birth date" or (check.valid and check.note.startswith("region code")), number

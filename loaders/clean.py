"""Cleaning values read from investigators' files: small pure functions, no I/O.

Canonical forms (they feed merge keys; change them only with a re-load in mind):

- Names (:func:`normalize_name`): NFKC (full-width letters, digits and spaces become
  half-width), zero-width characters dropped, round brackets always full-width （）. A name
  with a Chinese character loses all whitespace and has its middle dots unified to '·'; any
  other name has its whitespace collapsed to one space. Letter case is kept.
- Addresses: NFKC, full-width brackets, no whitespace at all.
- Phones: digits only, a +86 / 86 / 0086 prefix before an 11-digit mobile dropped.
- Accounts: letters and digits only, upper case.

The ``normalize_*`` and ``parse_*`` functions return None for an empty value; ``parse_*``
raise :class:`BadValue` (a ValueError), with a short reason, for a value that is not empty but wrong.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from core.errors import OrgTraceError


class BadValue(OrgTraceError, ValueError):
    """A value that is not empty but cannot be read as its type; the message says why.
    A ValueError too, so callers written for the ValueError contract keep working."""

_HALFWIDTH = {0x3000: 0x20, **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}}
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_BRACKETS = str.maketrans("()", "（）")
_MIDDLE_DOTS = str.maketrans(dict.fromkeys("•∙⋅・‧", "·"))
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s).translate(_ZERO_WIDTH)


def to_halfwidth(s: str) -> str:
    """Full-width ASCII (！ to ～) and the ideographic space as their half-width forms.

    >>> to_halfwidth('ＡＢＣ１２３　（测试）')
    'ABC123 (测试)'
    """
    return s.translate(_HALFWIDTH)


def normalize_name(s: str | None) -> str | None:
    """A person's or organization's name in canonical form (see the module docstring).

    >>> normalize_name('中华精准扶贫促进会(重庆)')
    '中华精准扶贫促进会（重庆）'
    >>> normalize_name(' 中华 精准扶贫促进会（重庆） ') == normalize_name('中华精准扶贫促进会(重庆)')
    True
    >>> normalize_name('买买提•艾力'), normalize_name('  John   SMITH ')
    ('买买提·艾力', 'John SMITH')
    >>> normalize_name('　') is None
    True
    """
    if s is None:
        return None
    text = _nfkc(s).translate(_BRACKETS)
    if _CJK.search(text):
        text = "".join(text.split()).translate(_MIDDLE_DOTS)
    else:
        text = " ".join(text.split())
    return text or None


def normalize_address(s: str | None) -> str | None:
    """An address in canonical form: NFKC, full-width brackets, no whitespace.

    >>> normalize_address(' 重庆市 渝中区 解放碑路１８号(A座) ')
    '重庆市渝中区解放碑路18号（A座）'
    """
    if s is None:
        return None
    return "".join(_nfkc(s).translate(_BRACKETS).split()) or None


def normalize_phone(s: str | None) -> str | None:
    """Digits only; the country prefix of a mobile number dropped; None without digits.

    >>> normalize_phone('+86 138-0013-8000'), normalize_phone('８６１３８００１３８０００')
    ('13800138000', '13800138000')
    >>> normalize_phone('023-6386 1234')
    '02363861234'
    >>> normalize_phone('无') is None
    True
    """
    if s is None:
        return None
    digits = re.sub(r"[^0-9]", "", _nfkc(s))
    if re.fullmatch(r"(?:0086|86)1\d{10}", digits):
        digits = digits[-11:]
    return digits or None


def normalize_account(s: str | None) -> str | None:
    """Letters and digits only, upper case; None when nothing is left.

    >>> normalize_account(' 6222 0212-3456 7890 '), normalize_account('ｃｎ１２３')
    ('6222021234567890', 'CN123')
    """
    if s is None:
        return None
    return re.sub(r"[^0-9A-Za-z]", "", _nfkc(s)).upper() or None


_CURRENCY = r"(?:人民币|RMB|CNY|¥)"
_AMOUNT = re.compile(rf"""
    (?P<sign>[+-])?
    {_CURRENCY}?
    (?P<sign2>[+-])?
    (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)
    (?:E(?P<exp>[+-]?\d{{1,3}}))?
    (?P<unit>[万亿])?
    (?:元整?|{_CURRENCY})?
    """, re.X | re.I)
_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
#: Digits an amount may have before the decimal point: more cannot be stored to the cent
#: as a float (the graph's number type), and is never a real amount of money.
MAX_AMOUNT_DIGITS = 15
MAX_AMOUNT = Decimal(10) ** MAX_AMOUNT_DIGITS


def clip(text: str, limit: int = 80) -> str:
    """Text quoted in a message, cut to ``limit`` characters with '…' and the length.

    >>> clip('abc'), clip('x' * 100, 10)
    ('abc', 'xxxxxxxxx… (100 characters)')
    """
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 1]}… ({len(text):,} characters)"


def _quoted(s: str) -> str:
    return repr(clip(s, 60))


def parse_amount(s: str | None) -> Decimal | None:
    """An amount of money as Decimal; None when empty; BadValue (a ValueError) when not an
    amount.

    Accepts thousands separators, full-width digits, scientific notation (5.689852347E7,
    as spreadsheets and JSON tools write it), ¥ ￥ 元 RMB CNY 人民币 before or after the
    number, spaces, a leading sign, accounting parentheses for negatives and the 万 / 亿
    multipliers. An amount of :data:`MAX_AMOUNT` (10^15) or more is refused: no money
    amount is that large, and a float cannot hold it to the cent.

    >>> parse_amount('￥1,234.50'), parse_amount('(1,234.00)'), parse_amount('1.5万')
    (Decimal('1234.50'), Decimal('-1234.00'), Decimal('15000.0'))
    >>> parse_amount('－１２０．５元'), parse_amount('RMB 300'), parse_amount(' ')
    (Decimal('-120.5'), Decimal('300'), None)
    >>> parse_amount('5.689852347E7'), parse_amount('300 CNY'), parse_amount('-2.5E3')
    (Decimal('56898523.47'), Decimal('300'), Decimal('-2.5E+3'))
    >>> parse_amount('12元5角')
    Traceback (most recent call last):
    loaders.clean.BadValue: not an amount: '12元5角'
    """
    if s is None:
        return None
    text = "".join(_nfkc(s).replace("−", "-").split())
    if not text:
        return None
    negative = text.startswith("(") and text.endswith(")")
    m = _AMOUNT.fullmatch(text[1:-1] if negative else text)
    if not m or (m["sign"] and m["sign2"]):
        raise BadValue(f"not an amount: {_quoted(s)}")
    digits = m["num"].replace(",", "")
    if len(digits.split(".")[0].lstrip("0")) > MAX_AMOUNT_DIGITS + 8:   # bounds the work below
        raise BadValue(f"too large to be an amount: {_quoted(s)}")
    value = Decimal(digits)
    if m["exp"]:
        value = value.scaleb(int(m["exp"]))
    value *= _UNITS.get(m["unit"], 1)
    if abs(value) >= MAX_AMOUNT:
        raise BadValue(f"too large to be an amount (10^{MAX_AMOUNT_DIGITS} or more): {_quoted(s)}")
    return -value if negative or "-" in (m["sign"], m["sign2"]) else value


def amount_sign(s: str) -> int:
    """-1 when an amount's text carries a minus sign (or accounting parentheses), +1 for an
    explicit plus sign, 0 when it has no sign.

    >>> amount_sign('-500.00'), amount_sign('(12)'), amount_sign(' +5 '), amount_sign('5'), amount_sign('－5')
    (-1, -1, 1, 0, -1)
    """
    text = "".join(_nfkc(s).replace("−", "-").split())
    if text.startswith("(") and text.endswith(")"):
        return -1
    m = _AMOUNT.fullmatch(text)
    sign = m and (m["sign"] or m["sign2"])
    return -1 if sign == "-" else 1 if sign == "+" else 0


_ZH_DATE = str.maketrans({"年": "-", "月": "-", "日": " ", "号": " ", "时": ":", "点": ":",
                          "分": ":", "秒": ""})
_DATETIME = re.compile(r"""
    (?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})
    (?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{1,2})(?::(?P<S>\d{1,2})(?:\.(?P<f>\d{1,6}))?)?)?
    (?P<tz>Z|[+-]\d{2}:?\d{2})?
    """, re.X)
_COMPACT = re.compile(
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:[T\s]?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_CHINA = dt.timezone(dt.timedelta(hours=8))


def parse_datetime(s: str | None) -> dt.datetime | None:
    """A date and time, naive, in China time; a date alone gives midnight.

    Accepts 2023-05-06 14:03:05, 2023/5/6 14:03, 2023.5.6, 2023年5月6日 14时03分, 20230506,
    20230506140300, ISO 8601 with 'T' (an offset is converted to UTC+8), full-width digits,
    and Excel serial numbers from 20000 to 80000. Years outside 1900-2100 are refused.

    >>> parse_datetime('2023年5月6日 14时03分')
    datetime.datetime(2023, 5, 6, 14, 3)
    >>> parse_datetime('45052.5'), parse_datetime('2023-05-06T06:03:00Z')
    (datetime.datetime(2023, 5, 6, 12, 0), datetime.datetime(2023, 5, 6, 14, 3))
    >>> parse_datetime('2023-02-30')
    Traceback (most recent call last):
    loaders.clean.BadValue: impossible date: '2023-02-30'
    """
    if s is None:
        return None
    text = _nfkc(s).strip()
    if not text:
        return None
    if _SERIAL.fullmatch(text):
        value = _from_serial(text, s)
    else:
        m = _DATETIME.fullmatch(text.translate(_ZH_DATE).strip(": ")) or _COMPACT.fullmatch(text)
        if not m:
            raise BadValue(f"not a date: {_quoted(s)}")
        value = _from_parts(m.groupdict(), s)
    if not 1900 <= value.year <= 2100:
        raise BadValue(f"year out of range: {_quoted(s)}")
    return value


def _from_serial(text: str, s: str) -> dt.datetime:
    """An Excel serial day number (epoch 1899-12-30), to the nearest second."""
    if not 20000 <= float(text) <= 80000:
        raise BadValue(f"not a date: {_quoted(s)}")
    value = _EXCEL_EPOCH + dt.timedelta(days=float(text))
    return (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)


def _from_parts(part: dict[str, str | None], s: str) -> dt.datetime:
    """The date-time of a regex match's groups; an offset, if any, converted to UTC+8."""
    try:
        value = dt.datetime(*(int(part[k] or 0) for k in ("y", "m", "d", "H", "M", "S")),
                            int((part.get("f") or "0").ljust(6, "0")))
    except ValueError:
        raise BadValue(f"impossible date: {_quoted(s)}") from None
    if tz := part.get("tz"):
        offset = dt.timedelta() if tz == "Z" else dt.timedelta(hours=int(tz[1:3]),
                                                               minutes=int(tz[-2:]))
        try:
            zone = dt.timezone(-offset if tz.startswith("-") else offset)
            value = value.replace(tzinfo=zone).astimezone(_CHINA).replace(tzinfo=None)
        except (ValueError, OverflowError):   # an offset of 24 h or more; a date at year 1 or 9999
            raise BadValue(f"impossible date: {_quoted(s)}") from None
    return value


def parse_date(s: str | None) -> dt.date | None:
    """A date, from the same forms as :func:`parse_datetime` (a time, if any, is dropped).

    >>> parse_date('2023/5/6 14:03'), parse_date('２０２３．５．６')
    (datetime.date(2023, 5, 6), datetime.date(2023, 5, 6))
    """
    value = parse_datetime(s)
    return value.date() if value else None


@dataclass(frozen=True)
class IdCheck:
    """A resident ID checked. ``number`` is the 18-character upper-case ID (the 15 digits of
    an old ID), None when the text is not shaped like an ID."""

    number: str | None
    valid: bool
    note: str | None = None
    birth_date: dt.date | None = None
    gender: str | None = None          # '男' | '女'


@dataclass(frozen=True)
class CodeCheck:
    """A unified social credit code checked; ``number`` as :class:`IdCheck`'s."""

    number: str | None
    valid: bool
    note: str | None = None


def _compact_id(s: str | None) -> str:
    return re.sub(r"[\s\-]", "", _nfkc(s or "")).upper()


def _gender(digit: str) -> str:
    return "男" if int(digit) % 2 else "女"


def _birth_date(number: str) -> dt.date | None:
    try:
        born = ric.get_birth_date(number)
    except InvalidComponent:
        return None
    return born if dt.date(1900, 1, 1) <= born <= dt.date.today() else None


def check_resident_id(s: str | None) -> IdCheck:
    """Check a resident ID (居民身份证号码): valid when its format, birth date and ISO 7064
    mod 11-2 check digit are right. A region code not listed for the birth year (such as
    Chongqing's 500… before 1997) is only a note; an old 15-digit ID is kept, not valid.

    >>> c = check_resident_id('36042619910101007x')
    >>> c.number, c.valid, c.note, c.birth_date, c.gender
    ('36042619910101007X', False, 'check digit wrong', datetime.date(1991, 1, 1), '男')
    >>> check_resident_id('360426199101010071').valid
    True
    >>> check_resident_id('360426910101007').note
    'old 15-digit ID'
    """
    number = _compact_id(s)
    if not number:
        return IdCheck(None, False, "empty")
    if len(number) == 15 and number.isdigit():
        try:
            born = dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        except ValueError:
            born = None
        return IdCheck(number, False, "old 15-digit ID", born, _gender(number[14]))
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return IdCheck(None, False, "not an 18-character resident ID")
    born, gender = _birth_date(number), _gender(number[16])
    # ric.validate's checks in its order (check digit, birth date, region in the birth
    # year), with the region lookup memoised per (region, year): it is a walk through
    # stdnum's region database, 90 % of the cost of a check, and IDs share regions.
    if number[-1] != ric.calc_check_digit(number):
        return IdCheck(number, False, "check digit wrong", born, gender)
    if born is None:
        return IdCheck(number, False, "impossible birth date", None, gender)
    note = None if _region_listed(number[:6], born.year) else f"region code {number[:6]} not listed for {born.year}"
    return IdCheck(number, True, note, born, gender)


@functools.lru_cache(maxsize=65536)
def _region_listed(region: str, year: int) -> bool:
    """Whether stdnum's region database lists this region code in that year."""
    try:
        ric.get_birth_place(f"{region}{year:04d}01010000")
    except InvalidComponent:
        return False
    return True


def check_credit_code(s: str | None) -> CodeCheck:
    """Check a unified social credit code (统一社会信用代码) with its check character.

    >>> check_credit_code('91110000600037341l')
    CodeCheck(number='91110000600037341L', valid=True, note=None)
    >>> check_credit_code('91110000600037341M').note
    'check character wrong'
    """
    number = _compact_id(s)
    if not number:
        return CodeCheck(None, False, "empty")
    try:
        uscc.validate(number)
    except InvalidChecksum:
        return CodeCheck(number, False, "check character wrong")
    except ValidationError:
        return CodeCheck(None, False, "malformed credit code")
    return CodeCheck(number, True)


def luhn_ok(number: str | None) -> bool:
    """Whether a card number passes the Luhn check (information only: many Chinese
    account numbers do not use it).

    >>> luhn_ok('4111 1111 1111 1111'), luhn_ok('4111 1111 1111 1112')
    (True, False)
    """
    digits = normalize_account(number)
    return bool(digits) and digits.isdigit() and luhn.is_valid(digits)


# The formula rule is shared with every export (one place: core/cells.py).
from core.cells import looks_like_formula  # noqa: E402,F401
from core.cells import neutralise as neutralize_formula  # noqa: E402,F401


#: 收付标志 / 借贷标志 values, compared after NFKC (full-width to half-width), without
#: whitespace or a trailing '.', in upper case. Seen from the holder of the statement:
#: 借 = debit = money out, 贷 = credit = money in. A lone '+' / '-' is a flag too.
_IN = frozenset({"进", "收", "入", "贷", "存", "收入", "转入", "贷方", "贷记", "收款", "收方", "进账", "入账",
                 "存入", "汇入", "来账", "C", "CR", "CREDIT", "IN", "INFLOW", "INCOME", "DEPOSIT", "+"})
_OUT = frozenset({"出", "付", "支", "借", "取", "支出", "转出", "付出", "借方", "借记", "付款", "付方", "出账",
                  "取出", "汇出", "往账", "D", "DR", "DEBIT", "OUT", "OUTFLOW", "EXPENSE", "WITHDRAWAL",
                  "-", "\u2212"})


def direction_of(flag: str | None) -> str | None:
    """'in' or 'out' for a 收付标志 / 借贷标志 value, seen from the account holder; else None.
    Case, width, whitespace and a trailing '.' do not matter.

    >>> direction_of('贷'), direction_of(' 借方 '), direction_of('dr'), direction_of('?')
    ('in', 'out', 'out', None)
    >>> direction_of('Ｃｒ.'), direction_of('Debit'), direction_of('转 出'), direction_of('+')
    ('in', 'out', 'out', 'in')
    """
    key = "".join(_nfkc(flag or "").split()).rstrip(".").upper()
    return "in" if key in _IN else "out" if key in _OUT else None


_CASH_FLAGS = frozenset({"现金", "现", "是", "Y", "YES", "1", "TRUE", "T", "CASH"})
_CASH_WORDS = ("现金", "取现", "存现", "现存", "现取", "现支", "取款", "ATM取", "ATM存", "CASH")
_NOT_CASH_WORDS = ("非现金", "手续费")


def is_cash(flag_or_memo: str | None) -> bool:
    """Whether a 现金标志 / 现转标志 value or a memo (摘要) means a cash movement.

    >>> [is_cash(v) for v in ('现金', '现', 'Y', '1', 'ATM取款', '柜面存现', '转', '否', '非现金', 'ATM转账')]
    [True, True, True, True, True, True, False, False, False, False]
    """
    text = _nfkc(flag_or_memo or "").strip().upper()
    if text in _CASH_FLAGS:
        return True
    return not any(w in text for w in _NOT_CASH_WORDS) and any(w in text for w in _CASH_WORDS)

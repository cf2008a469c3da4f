"""Issue 9 §2: random and hostile values fed to every cleaning function and to every
built-in mapping's row cleaning. A cleaner may return a value or raise the project's own
error (core.errors.OrgTraceError); a mapping's row never raises (a bad value is a reject).

Hypothesis with a fixed seed (derandomize) and a bounded count of examples: the same
values on every run, in CI too. No database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from core.errors import OrgTraceError  # noqa: E402
from loaders import clean, keys  # noqa: E402
from loaders.mapping import builtin_mappings  # noqa: E402
from loaders.read import WARNINGS_KEY  # noqa: E402

FUZZ = settings(max_examples=400, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

#: Values that broke, or could break, a cleaner: huge and odd numbers, impossible dates and
#: offsets, digits of other scripts, control and invisible characters, very long text.
HOSTILE = [
    "1000000000000000000000000000000", "9" * 400, "-" + "9" * 40, "1e999999", "1E-999999", "1e308", "-1e309",
    "NaN", "nan", "Infinity", "-inf", "sNaN", "0e0", "-0", "0x1F", "1_000", "١٢٣٤٥", "१२३", "௧௨", "½", "²³",
    "1,000,000,000,000,000.00", "(((1)))", "()", "(-5)", "--5", "¥", "元", "亿亿", "1万亿", "9999999999亿",
    "0001-01-01", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2023-01-01T00:00:00+99:99",
    "2023-02-30", "2023年13月45日", "99999", "20000", "80000.99999999", "45052.5e3", "00000000",
    "20231301250000", "2023-01-01 24:61:61", "\x00", "\x00\x01\x02", "\ufeff", "\u200b", "\u202e123", "\ud7ff",
    "\U0010ffff", "𠀀𠀁", "é" * 3, "e\u0301", "\r\n", "\t", " " * 100, "x" * 70_000, "=cmd|' /C calc'!A0",
    "@SUM(1)", "+", "-", "+-", "()", "（）", "3604261991010100７x", "36042619910101007X" * 3, "000000000000000000",
    "91110000600037341L", "9111000060003734１L", "11111111111111111", "Ｄｒ．", "收付", "借贷", "\u3000出\u3000",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet="0123456789.,-+eE元¥￥()万亿 RMBCNY０１９．－（）", max_size=30),
    st.text(alphabet="0123456789-/:T .年月日时分秒Z+０９", max_size=30),
    st.from_regex(r"[+-]?\d{1,40}(\.\d{0,40})?([eE][+-]?\d{1,6})?", fullmatch=True),
)
MAYBE = st.one_of(st.none(), VALUES)

CLEANERS = [clean.to_halfwidth, clean.normalize_name, clean.normalize_address, clean.normalize_phone,
            clean.normalize_account, clean.parse_amount, clean.amount_sign, clean.clip, clean.parse_datetime,
            clean.parse_date, clean.check_resident_id, clean.check_credit_code, clean.luhn_ok,
            clean.looks_like_formula, clean.neutralize_formula, clean.direction_of, clean.is_cash,
            keys.account_key, keys.looks_like_org]


def _call(func, value):
    try:
        func(value)
    except OrgTraceError:
        pass


@pytest.mark.parametrize("func", CLEANERS, ids=lambda f: f.__name__)
def test_cleaners_raise_only_project_errors(func):
    takes_none = func not in (clean.to_halfwidth, clean.amount_sign, clean.clip, clean.looks_like_formula,
                              clean.neutralize_formula)

    @FUZZ
    @given(MAYBE if takes_none else VALUES)
    def run(value):
        _call(func, value)

    for value in HOSTILE:          # every hostile value at least once, whatever the sampling
        _call(func, value)
    run()


@FUZZ
@given(st.one_of(st.none(), VALUES), VALUES, VALUES, st.floats(allow_nan=True, allow_infinity=True))
def test_keys_raise_only_project_errors(tx_id, payer, payee, amount):
    try:
        keys.transfer_key(tx_id, payer, payee, "", amount)
    except OrgTraceError:
        pass
    keys.composite_key(tx_id, payer, payee)


MAPPINGS = builtin_mappings()


@pytest.mark.parametrize("kind", sorted(MAPPINGS))
def test_mapping_rows_never_raise(kind):
    """Every column of every built-in layout gets hostile values: the row is cleaned into
    records, rejects and warnings, and nothing escapes."""
    mapping = MAPPINGS[kind]
    header = [f.columns[0] if f.columns else f.name for f in mapping.fields.values()]
    found = mapping.match_header(header)

    @FUZZ
    @given(st.lists(MAYBE, min_size=len(header), max_size=len(header)), st.booleans())
    def run(cells, broken):
        raw = dict(zip(header, cells))
        if broken:
            raw[WARNINGS_KEY] = [("bad_bytes", header[0], "broken bytes at byte offset 1"),
                                 ("encoding_fallback", None)]
        result = mapping.apply(7, raw, found, "scope")
        assert all(i.row == 7 and i.code for i in result.rejects + result.warnings)

    for value in HOSTILE:
        mapping.apply(7, dict.fromkeys(header, value), found, "scope")
    run()

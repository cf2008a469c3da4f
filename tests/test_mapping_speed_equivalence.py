"""The loader's fast paths give what the general code they shortcut gives (no database)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from loaders import clean  # noqa: E402
from loaders.mapping import Mapping, Reject, Values, _amount_converter, _parse_datetime, Field  # noqa: E402
from loaders.pipeline import _row_fingerprint  # noqa: E402
from loaders.writer import _value_key  # noqa: E402


def _json_fingerprint(raw: dict) -> int:
    """The fingerprint as it was: a hash of the row's JSON text."""
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


ROWS = [
    {"a": "1", "b": None}, {"b": None, "a": "1"}, {"a": 1, "b": None}, {"a": 1.0, "b": None},
    {"a": True, "b": None}, {"a": "true", "b": None}, {"a": None, "b": None}, {"a": "null", "b": None},
    {"a": "2023-01-01 00:00:00", "b": None}, {"a": dt.datetime(2023, 1, 1), "b": None},
    {"a": ["x", "y"], "b": None}, {"a": ("x", "y"), "b": None}, {"a": '["x", "y"]', "b": None},
    {"a": {"k": 1, "j": [1]}, "b": None}, {"a": {"j": [1], "k": 1}, "b": None},
    {"a": "1", "__warnings__": [("encoding_fallback", None)]}, {"a": "1", "b": "", "c": "张三"},
]


@pytest.mark.parametrize("i", range(len(ROWS)))
def test_row_fingerprint_equal_exactly_when_the_json_was(i):
    for other in ROWS:
        assert (_row_fingerprint(ROWS[i]) == _row_fingerprint(other)) == \
            (_json_fingerprint(ROWS[i]) == _json_fingerprint(other)), (ROWS[i], other)


@pytest.mark.parametrize("text", ["17755.23", "1100.00", "0", "0.00", "007.5", "1", "123456789012345.99",
                                  "0.1", "0.05", "99999.99", "1.5", "10.10"])
@pytest.mark.parametrize("nonzero", [False, True])
def test_amount_shortcut_gives_the_decimal_route(text, nonzero):
    convert = _amount_converter(Field("amount", [], "amount", nonzero=nonzero, negative_reverses=True))
    amount = clean.parse_amount(text)
    if nonzero and amount == 0:
        with pytest.raises(Reject) as exc:
            convert(text, "col", Values(2, "s"))
        assert exc.value.issue == ("col", "zero_amount", "the amount is zero", text)
    else:
        value = convert(text, "col", Values(2, "s"))
        expected = float(amount.quantize(Decimal("0.01")))
        assert type(value) is float and value == expected and str(value) == str(expected)


@pytest.mark.parametrize("text", ["2023-01-01 00:00:30", "2023-12-31 23:59:59", "1900-01-01 00:00:00",
                                  "2100-12-31 23:59:59", "1899-12-31 23:59:59", "2101-01-01 00:00:00",
                                  "2023-02-30 10:00:00", "2023-13-01 10:00:00", "2023-01-01 24:00:00",
                                  "2023-01-01 10:60:00", "2023/01/01 10:00:00", "20230101"])
def test_datetime_shortcut_gives_the_full_parser(text):
    try:
        expected = clean.parse_datetime(text)
    except ValueError as exc:
        with pytest.raises(ValueError) as got:
            _parse_datetime(text)
        assert str(got.value) == str(exc)
    else:
        assert _parse_datetime(text) == expected


def test_value_key_tells_apart_what_repr_told_apart():
    assert len({_value_key(v) for v in (1, 1.0, True, "1")}) == 4
    assert _value_key(["x"]) == _value_key(["x"]) != _value_key(["y"])
    assert _value_key(["x"]) != _value_key("x") and _value_key(dt.date(2023, 1, 1)) != _value_key("2023-01-01")


def test_mapping_rejects_and_warnings_unchanged_for_odd_values():
    spec = {"kind": "t", "fields": {
        "name": {"columns": ["名称"], "type": "name", "required": True},
        "amount": {"columns": ["金额"], "type": "amount", "nonzero": True, "negative_reverses": True},
        "memo": {"columns": ["摘要"], "type": "string"}},
        "entities": {"p": {"rule": "person", "name": "name", "set": {"memo": "memo", "amount": "amount"}}}}
    m = Mapping(spec, "t.yaml")
    found = m.match_header(["名称", "金额", "摘要"])
    r = m.apply(2, {"名称": " 张 三 ", "金额": "-1,000.50元", "摘要": "=SUM(A1)"}, found, "s")
    assert [(i.code, i.value) for i in r.warnings] == [("negative_amount", "-1,000.50元"), ("formula_text", "=SUM(A1)")]
    assert r.nodes[0].props == {"name": "张三", "memo": "=SUM(A1)", "amount": 1000.5}
    r = m.apply(3, {"名称": "", "金额": "0.00", "摘要": "x" * 70_000}, found, "s")
    assert [i.code for i in r.rejects] == ["zero_amount", "field_too_long", "missing_value"]

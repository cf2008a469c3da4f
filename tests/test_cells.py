"""One formula rule for loaders and exports (core/cells.py)."""

from __future__ import annotations

import doctest

import pytest

import core.cells
from exports import neutralise
from loaders import clean


def test_loaders_and_exports_share_one_rule() -> None:
    assert clean.neutralize_formula is neutralise is core.cells.neutralise
    assert clean.looks_like_formula is core.cells.looks_like_formula


@pytest.mark.parametrize("text, expected", [
    ("--", "--"), ("-1,234", "-1,234"), ("-1,234.00", "-1,234.00"), ("-1e5", "-1e5"),
    ("-", "-"), ("=1+2", "'=1+2"), ("-cmd", "'-cmd"), ("\t=1", "'\t=1"), ("+8610-1234", "'+8610-1234"),
])
def test_cases_where_loader_and_export_used_to_disagree(text: str, expected: str) -> None:
    assert neutralise(text) == expected == clean.neutralize_formula(text)


def test_doctests() -> None:
    assert doctest.testmod(core.cells).failed == 0

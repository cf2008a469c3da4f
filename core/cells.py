"""The one rule for spreadsheet formulas, shared by the loaders and every export.

A spreadsheet runs a cell as a formula when its text starts with ``= + - @`` (also after
leading tabs or carriage returns). OrgTrace stores such text as it came (the loaders warn
about it) and neutralises it wherever a spreadsheet may open it (CSV and XLSX exports,
rejects and warnings files) by a leading apostrophe. Plain signed numbers (``-120.50``,
``+8613800138000``, ``-1,234.00``, ``-1e5``) and dash placeholders (``-``, ``--``) are not
formulas and stay as they are.
"""

from __future__ import annotations

import re

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def looks_like_formula(s: str) -> bool:
    """Whether a spreadsheet would run the text as a formula.

    >>> looks_like_formula('=HYPERLINK("http://x","点击")'), looks_like_formula('\\t@SUM(A1)')
    (True, True)
    >>> [looks_like_formula(s) for s in ('-120.50', '+8613800138000', '--', '-1,234', '-1e5')]
    [False, False, False, False, False]
    >>> [looks_like_formula(s) for s in ('-cmd', '+8610-1234', '-2+3', '=')]
    [True, True, True, True]
    """
    text = s.lstrip("\t\r")
    if not text or text[0] not in "=+-@":
        return False
    body = text.strip()
    return not (_PLAIN_NUMBER.fullmatch(body) or set(body) == {"-"})


def neutralise(s: str) -> str:
    """The text prefixed with ``'`` when it looks like a formula, so a spreadsheet shows it.

    >>> neutralise('+cmd|" /C calc"!A0'), neutralise('-5'), neutralise('\\t=1')
    ('\\'+cmd|" /C calc"!A0', '-5', "'\\t=1")
    """
    return "'" + s if looks_like_formula(s) else s

"""User text shown where Streamlit renders Markdown (expander labels, captions) as plain text.

A saved report's title is whatever its author typed: ``**x**``, ``[link](…)``, ``:red[…]``,
``$…$`` or HTML must show as those characters, not as formatting, links or colours.
"""

from __future__ import annotations

import string

_ESCAPED = frozenset(string.punctuation) - {":"}
_ZERO_WIDTH_SPACE = "\u200b"


def plain_text(text: object) -> str:
    """``text`` on one line with every Markdown character escaped: ASCII punctuation gets a
    backslash (CommonMark's escape; ``\\$`` is Streamlit's literal dollar), and a zero-width
    space follows each ``:`` so no ``:emoji:``, ``:red[…]`` or ``:material/…:`` forms."""
    out: list[str] = []
    for char in " ".join(str(text).split()):
        if char in _ESCAPED:
            out.append("\\" + char)
        elif char == ":":
            out.append(":" + _ZERO_WIDTH_SPACE)
        else:
            out.append(char)
    return "".join(out)

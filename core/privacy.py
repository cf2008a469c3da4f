"""Masking of personal data: resident ID numbers and phone numbers.

One function, :func:`mask_text`, masks every resident ID (18 characters, birth date inside)
and every mainland mobile number found in a text, keeping the first three and last four
characters: ``500101198001011234`` -> ``500***********1234``, ``13800138000`` ->
``138****8000``. :func:`mask_value` applies it through lists and maps, :func:`mask_result`
to a whole query result. Used for viewers, for public-facing exports and wherever
``core.auth.can(actor, "personal.full")`` is false; analysts' evidence packages hold full values.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{3})(\d{3}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
                 r"(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Resident IDs and mobile numbers in ``text`` masked, the rest unchanged.

    >>> mask_text("500101198001011234"), mask_text("电话 13800138000，账户 6222021234567890")
    ('500***********1234', '电话 138****8000，账户 6222021234567890')
    >>> mask_text("person:id:11010519491231002X")
    'person:id:110***********002X'
    """
    text = _ID.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def mask_value(value: Any) -> Any:
    """``value`` with :func:`mask_text` applied to every text inside (lists, maps, keys kept)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) == 11:
        masked = mask_text(str(value))
        return masked if masked != str(value) else value
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(mask_value(v) for v in value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value


def mask_result(result: Any) -> Any:
    """A copy of a query result (a dataclass with ``rows``, maybe ``parameters`` and
    ``graph``) with personal data masked everywhere it may show."""
    changes: dict[str, Any] = {"rows": [mask_value(dict(r)) for r in result.rows]}
    for name in ("parameters", "graph"):
        if getattr(result, name, None) is not None:
            changes[name] = mask_value(getattr(result, name))
    return replace(result, **changes)


def mask_id_number(value: Any) -> str:
    """A value known to be an ID number, masked whatever its form: first 3 and last 4 kept.

    >>> mask_id_number("500102197611083772"), mask_id_number("12345")
    ('500***********3772', '*****')
    """
    text = str(value or "")
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_phone(value: Any) -> str:
    """A value known to be a phone number, masked: first 3 and last 4 kept.

    >>> mask_phone("13812345678")
    '138****5678'
    """
    return mask_id_number(value)

"""Entity keys: how a row's values become the merge key of a node (see graph/schema.py).

- person: a resident ID that passes its checksum; else 'np:' + name + '|' + phone; else
  'ns:' + file-SHA prefix + ':' + name (a name alone never merges two people across files).
- organization: a credit code that passes its checksum; else 'name:' + normalised name.
- account: letters and digits, upper case; 'CASH:' + account for cash movements;
  'VIRTUAL:' + party key for a payment whose account is not named.
- transfer: 'id:' + transaction id; else 'h:' + a hash of accounts, time and amount.

The node rules below (:func:`person_node`, :func:`organization_node`, :func:`account_node`,
:func:`address_node`) and the checks' warnings (:func:`id_warning`, :func:`code_warning`)
are the one place where a person, an organization, an account or an address gets its key,
its checked identifiers and their flags: the table mappings (``loaders/mapping.py``) and
the FollowTheMoney reader (``loaders/ftm.py``) both call them, so the same values give the
same node and the same warnings whichever file they came from.

Names: the key uses the normalised name (``clean.normalize_name``); the ``name`` property
is what the caller passes as ``name``. FtM passes the text as the source wrote it
(``written_name``) and the normalised form as ``key_name``.
"""

from __future__ import annotations

import hashlib
import re

from typing import Any

from loaders import clean
from loaders.records import NodeRecord

#: Name endings that make an account holder or party without an ID an organization.
ORG_SUFFIXES = ("会", "协会", "学会", "研究会", "促进会", "联合会", "商会", "基金会", "公司", "中心", "社",
                "院", "所", "集团", "委员会", "办公室", "俱乐部", "联盟", "团", "队", "部", "厂", "店", "行",
                "Association", "Society", "Foundation", "Company", "Ltd", "Inc", "Club", "Center", "Centre")


def person_key(id_check: clean.IdCheck | None, name: str | None, phone: str | None, scope: str) -> str | None:
    if id_check is not None and id_check.valid and id_check.number:
        return id_check.number
    if not name:
        return None
    if phone:
        return f"np:{name}|{phone}"
    return f"ns:{scope}:{name}"


def org_key(code_check: clean.CodeCheck | None, name: str | None) -> str | None:
    if code_check is not None and code_check.valid and code_check.number:
        return code_check.number
    return f"name:{name}" if name else None


def looks_like_org(name: str | None) -> bool:
    return bool(name) and len(name) >= 4 and name.endswith(ORG_SUFFIXES)


def party(id_check: clean.IdCheck | None, code_check: clean.CodeCheck | None, name: str | None,
          phone: str | None, scope: str) -> tuple[str, str] | None:
    """(label, key) of an account holder or payment party that may be a person or an org."""
    if id_check is not None and id_check.valid:
        return "Person", person_key(id_check, name, phone, scope)  # type: ignore[return-value]
    if code_check is not None and code_check.valid or looks_like_org(name):
        key = org_key(code_check, name)
        return ("Organization", key) if key else None
    key = person_key(id_check, name, phone, scope)
    return ("Person", key) if key else None


def account_key(number: str | None) -> str | None:
    return clean.normalize_account(number)


def cash_key(account: str) -> str:
    return f"CASH:{account}"


def virtual_account_key(party_key: str) -> str:
    return f"VIRTUAL:{party_key}"


def transfer_key(tx_id: str | None, payer: str, payee: str, time_iso: str, amount: float) -> str:
    if tx_id:
        return "id:" + "".join(tx_id.split()).upper()     # (every white space out, as re's \s+)
    digest = hashlib.sha1(f"{payer}|{payee}|{time_iso}|{amount:.2f}".encode()).hexdigest()[:24]
    return f"h:{digest}"


def composite_key(*parts: object) -> str:
    """A readable key from several parts (events, blacklist entries, leads without a number)."""
    return "|".join("" if p is None else str(p) for p in parts)


# ------------------------------------------------------------------ shared node rules

def written_name(text: Any) -> str | None:
    """A name as the source wrote it: only the surrounding whitespace and zero-width
    characters removed (the key is made from :func:`clean.normalize_name`).

    >>> written_name('  ACME (Holdings)  Ltd '), written_name('\u200b')
    ('ACME (Holdings)  Ltd', None)
    """
    if text is None:
        return None
    out = str(text).translate(_ZERO_WIDTH).strip()
    return out or None


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def id_warning(check: clean.IdCheck) -> str | None:
    """The ``bad_id_checksum`` detail for a resident ID that is shaped like one but not
    valid (kept as data, not used as a key); None when there is nothing to say."""
    if check.number and not check.valid:
        return f"resident ID not valid ({check.note}); kept as data, not used as a key"
    return None


def code_warning(code: clean.CodeCheck) -> str | None:
    """The ``bad_code_checksum`` detail for a credit code that is not valid."""
    if not code.valid:
        return f"credit code not valid ({code.note}); kept as data, not used as a key"
    return None


def person_node(row: int, name: str | None, check: clean.IdCheck | None, phone: str | None, scope: str,
                props: dict[str, Any], *, key: str | None = None, key_name: str | None = None,
                label: str = "Person") -> NodeRecord | None:
    """A person: key by :func:`person_key` (from ``key_name``, default ``name``); the ID
    kept with ``id_valid`` and the birth date and gender it encodes."""
    if key is None:
        key = person_key(check, key_name if key_name is not None else name, phone, scope)
    if key is None:
        return None
    out = {"name": name, **props}
    if check is not None and check.number:
        out.update(id_number=check.number, id_valid=check.valid)
        if check.birth_date:
            out["birth_date"] = check.birth_date
        if check.gender:
            out["gender"] = check.gender
    if name is None:
        out.pop("name")
        out["name"] = key
    return NodeRecord(label, key, out, row)


def organization_node(row: int, name: str | None, code: clean.CodeCheck | None, props: dict[str, Any], *,
                      key_name: str | None = None) -> NodeRecord | None:
    """An organization: key by :func:`org_key` (from ``key_name``, default ``name``); a
    credit code kept with ``credit_code_valid`` whether or not it is valid. Name-keyed
    organizations resolve to an existing one of that name; code-keyed ones adopt one."""
    match = key_name if key_name is not None else name
    key = org_key(code, match)
    if key is None:
        return None
    out = {"name": name or key, **props}
    if code is not None and code.number:
        out.update(credit_code=code.number, credit_code_valid=code.valid)
    by_code = bool(code and code.valid)
    node = NodeRecord("Organization", key, out, row, resolve_by_name=not by_code,
                      adopt_name_key=by_code and bool(match))
    if match and match != out["name"]:
        node.match_name = match
        out["name_norm"] = match
    return node


def account_node(row: int, number: str | None, props: dict[str, Any], *,
                 normalize: Any = None, luhn: Any = clean.luhn_ok) -> NodeRecord | None:
    """A bank account: key by :func:`account_key`; ``luhn_valid`` for information.
    (``normalize`` and ``luhn`` let a caller pass memoised forms of the same functions.)"""
    key = (normalize or account_key)(number)
    if key is None:
        return None
    out = {"number": key, "kind": "account", **props}
    out["luhn_valid"] = luhn(key)
    return NodeRecord("BankAccount", key, out, row)


_DISTRICT = re.compile(r"([\u4e00-\u9fff]{1,6}?(?:区|县))")


def address_node(row: int, text: str | None, props: dict[str, Any]) -> NodeRecord | None:
    """An address: key and ``text`` the normalised address; ``district`` when it names one."""
    text = clean.normalize_address(text) if text else None
    if not text:
        return None
    out = {"text": text, **props}
    district = _DISTRICT.search(text)
    if district:
        out["district"] = district.group(1).removeprefix("重庆市").removeprefix("重庆")
    return NodeRecord("Address", text, out, row)

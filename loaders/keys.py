"""Entity keys: how a row's values become the merge key of a node (see graph/schema.py).

- person: a resident ID that passes its checksum; else 'np:' + name + '|' + phone; else
  'ns:' + file-SHA prefix + ':' + name (a name alone never merges two people across files).
- organization: a credit code that passes its checksum; else 'name:' + normalised name.
- account: letters and digits, upper case; 'CASH:' + account for cash movements;
  'VIRTUAL:' + party key for a payment whose account is not named.
- transfer: 'id:' + transaction id; else 'h:' + a hash of accounts, time and amount.
"""

from __future__ import annotations

import hashlib
import re

from loaders import clean

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
        return "id:" + re.sub(r"\s+", "", tx_id).upper()
    digest = hashlib.sha1(f"{payer}|{payee}|{time_iso}|{amount:.2f}".encode()).hexdigest()[:24]
    return f"h:{digest}"


def composite_key(*parts: object) -> str:
    """A readable key from several parts (events, blacklist entries, leads without a number)."""
    return "|".join("" if p is None else str(p) for p in parts)

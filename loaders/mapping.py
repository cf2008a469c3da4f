"""Declarative mappings: a YAML file maps a table layout onto the graph model.

The built-in kinds (``loaders/mappings/*.yaml``) are such files; an investigator writes
another for any other layout (format: ``docs/mapping-format.md``). A mapping has:

- ``fields``: canonical name -> accepted column headers (Chinese or English aliases), a
  type that says how the value is cleaned, and ``required``;
- ``entities``: named node builders (a *rule* from :data:`RULES` and its field names);
- ``relationships``: typed links between those entities, with their properties.

:meth:`Mapping.apply` turns one raw row into a :class:`RowResult` (pure: no I/O).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import yaml

from core.errors import LoadError
from graph import schema
from loaders import clean, keys
from loaders.records import Issue, NodeRecord, RelRecord, RowResult

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
MAX_FIELD_CHARS = 65_536
LIST_SEPARATORS = re.compile(r"[、,，;；/|]+")


# Values repeat across rows (the same accounts, people, names): the pure cleaners are
# memoised, bounded, which makes the per-row cost mostly dictionary look-ups.
_CACHE = 262_144
_resident_id = functools.lru_cache(_CACHE)(clean.check_resident_id)
_credit_code = functools.lru_cache(_CACHE)(clean.check_credit_code)
_name = functools.lru_cache(_CACHE)(clean.normalize_name)
_account = functools.lru_cache(_CACHE)(clean.normalize_account)
_luhn = functools.lru_cache(_CACHE)(clean.luhn_ok)
_phone = functools.lru_cache(_CACHE)(clean.normalize_phone)
_address = functools.lru_cache(_CACHE)(clean.normalize_address)
_datetime = functools.lru_cache(_CACHE)(clean.parse_datetime)
_date = functools.lru_cache(_CACHE)(clean.parse_date)


class Reject(Exception):
    def __init__(self, column: str | None, code: str, detail: str, value: str | None = None):
        super().__init__(detail)
        self.issue = (column, code, detail, value)


def _header_key(text: str) -> str:
    """Headers compare without case, spaces, brackets' width or punctuation."""
    return re.sub(r"[\s_\-:：()（）\[\]【】]", "", clean.to_halfwidth(text)).lower()


@dataclass
class Field:
    name: str
    columns: list[str]
    type: str = "string"
    required: bool = False
    nonzero: bool = False
    negative_reverses: bool = False
    epoch: str | None = None          # day_number: the date of day 0


class Values(dict):
    """Cleaned values of one row plus the checks made on IDs and codes."""

    def __init__(self, row: int, scope: str):
        super().__init__()
        self.row = row
        self.scope = scope
        self.checks: dict[str, Any] = {}
        self.reversed = False
        self.warnings: list[Issue] = []


# ------------------------------------------------------------------ field types

def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


def _convert(f: Field, raw: Any, column: str, values: Values) -> Any:
    text = _text(raw)
    if text is not None and len(text) > MAX_FIELD_CHARS:
        raise Reject(column, "field_too_long", f"{len(text):,} characters (the limit is {MAX_FIELD_CHARS:,})")
    if text is None:
        return None
    kind = f.type
    if kind in ("string", "text", "name", "address") and clean.looks_like_formula(text):
        values.warnings.append(Issue(values.row, column, "formula_text",
                                     "looks like a spreadsheet formula; stored as text, neutralised in exports",
                                     text[:200]))
    if kind in ("string", "text"):
        return text
    if kind == "name":
        return _name(text)
    if kind == "address":
        return _address(text)
    if kind == "phone":
        return _phone(text)
    if kind == "account":
        return _account(text)
    if kind == "list":
        return [p for p in (_name(x) for x in LIST_SEPARATORS.split(text)) if p]
    if kind == "amount":
        try:
            amount = clean.parse_amount(text)
        except ValueError as exc:
            raise Reject(column, "bad_amount", str(exc), text) from None
        if amount is None:
            return None
        if f.nonzero and amount == 0:
            raise Reject(column, "zero_amount", "the amount is zero", text)
        if amount < 0 and f.negative_reverses:
            values.reversed = not values.reversed
            values.warnings.append(Issue(values.row, column, "negative_amount",
                                         "negative amount: loaded as its absolute value, direction reversed", text))
            amount = -amount
        return float(amount.quantize(Decimal("0.01")))
    if kind == "integer":
        try:
            amount = clean.parse_amount(text)
        except ValueError:
            raise Reject(column, "bad_number", "not a whole number", text) from None
        return int(amount) if amount is not None else None
    if kind in ("date", "datetime"):
        try:
            value = _date(text) if kind == "date" else _datetime(text)
        except ValueError as exc:
            raise Reject(column, "bad_date", str(exc), text) from None
        return value
    if kind == "day_number":          # simulation steps or day offsets -> a date-time
        try:
            days = int(float(text))
            return dt.datetime.fromisoformat(f.epoch or "2000-01-01") + dt.timedelta(days=days)
        except ValueError:
            raise Reject(column, "bad_date", "not a day number", text) from None
    if kind == "direction":
        direction = clean.direction_of(text)
        if direction is None:
            raise Reject(column, "bad_direction", "not a debit/credit flag (进/出, 收/付, 借/贷)", text)
        return direction
    if kind == "flag":
        return clean.is_cash(text)
    if kind == "id":
        check = _resident_id(text)
        values.checks[f.name] = check
        if check.number and not check.valid:
            values.warnings.append(Issue(values.row, column, "bad_id_checksum",
                                         f"resident ID not valid ({check.note}); kept as data, not used as a key", text))
        elif check.number is None:
            code = _credit_code(text)   # an organization's code in an ID column
            if code.valid:
                values.checks[f.name + "#code"] = code
                return code.number
            values.warnings.append(Issue(values.row, column, "bad_id_checksum",
                                         f"not a resident ID ({check.note}); kept as data", text))
            return text
        return check.number
    if kind == "code":
        code = _credit_code(text)
        values.checks[f.name] = code
        if not code.valid:
            values.warnings.append(Issue(values.row, column, "bad_code_checksum",
                                         f"credit code not valid ({code.note}); kept as data, not used as a key", text))
        return code.number or text
    raise LoadError(f"Mapping field '{f.name}' has an unknown type '{kind}'.")


# ------------------------------------------------------------------ entity rules

def _get(values: Values, spec: dict, name: str) -> Any:
    ref = spec.get(name)
    if ref is None:
        return None
    if isinstance(ref, list):              # first present of several fields
        return next((values.get(r) for r in ref if values.get(r) not in (None, "", [])), None)
    if isinstance(ref, str) and ref.startswith("="):
        return ref[1:]
    return values.get(ref)


def _props(values: Values, spec: dict) -> dict[str, Any]:
    out = {}
    for prop, ref in (spec.get("set") or {}).items():
        value = _get(values, {"v": ref}, "v")
        if value not in (None, "", []):
            out[prop] = value
    for prop, value in (spec.get("const") or {}).items():
        out[prop] = value
    return out


def _id_check(values: Values, spec: dict) -> clean.IdCheck | None:
    ref = spec.get("id")
    return values.checks.get(ref) if isinstance(ref, str) else None


def _code_check(values: Values, spec: dict, name: str = "code") -> clean.CodeCheck | None:
    ref = spec.get(name)
    if isinstance(ref, str):
        return values.checks.get(ref) or values.checks.get(ref + "#code")
    id_ref = spec.get("id")
    return values.checks.get(f"{id_ref}#code") if isinstance(id_ref, str) else None


def rule_person(values: Values, spec: dict) -> NodeRecord | None:
    name = _get(values, spec, "name")
    check = _id_check(values, spec)
    key = keys.person_key(check, name, _get(values, spec, "phone"), values.scope)
    if key is None:
        return None
    props = {"name": name, **_props(values, spec)}
    if check is not None and check.number:
        props.update(id_number=check.number, id_valid=check.valid)
        if check.birth_date:
            props["birth_date"] = check.birth_date
        if check.gender:
            props["gender"] = check.gender
    if name is None:
        props.pop("name")
        props["name"] = key
    return NodeRecord("Person", key, props, values.row)


def rule_organization(values: Values, spec: dict) -> NodeRecord | None:
    name = _get(values, spec, "name")
    code = _code_check(values, spec)
    key = keys.org_key(code, name)
    if key is None:
        return None
    props = {"name": name or key, **_props(values, spec)}
    if code is not None and code.number:
        props.update(credit_code=code.number, credit_code_valid=code.valid)
    by_code = bool(code and code.valid)
    return NodeRecord("Organization", key, props, values.row,
                      resolve_by_name=not by_code, adopt_name_key=by_code and bool(name))


def rule_party(values: Values, spec: dict) -> NodeRecord | None:
    name = _get(values, spec, "name")
    found = keys.party(_id_check(values, spec), _code_check(values, spec), name,
                       _get(values, spec, "phone"), values.scope)
    if found is None:
        return None
    return rule_person(values, spec) if found[0] == "Person" else rule_organization(values, spec)


def rule_account(values: Values, spec: dict) -> NodeRecord | None:
    number = _get(values, spec, "number")
    key = keys.account_key(number)
    if key is None:
        return None
    props = {"number": key, "kind": "account", **_props(values, spec)}
    props["luhn_valid"] = _luhn(key)
    return NodeRecord("BankAccount", key, props, values.row)


def rule_address(values: Values, spec: dict) -> NodeRecord | None:
    text = _get(values, spec, "text")
    if not text:
        return None
    district = re.search(r"([\u4e00-\u9fff]{1,6}?(?:区|县))", text)
    props = {"text": text, **_props(values, spec)}
    if district:
        props["district"] = district.group(1).removeprefix("重庆市").removeprefix("重庆")
    return NodeRecord("Address", text, props, values.row)


def rule_phone(values: Values, spec: dict) -> NodeRecord | None:
    number = _get(values, spec, "number")
    return NodeRecord("Phone", number, {"number": number}, values.row) if number else None


def rule_keyed(label: str) -> Callable[[Values, dict], NodeRecord | None]:
    """Nodes keyed by a composite of fields (events, leads, blacklist entries)."""
    def build(values: Values, spec: dict) -> NodeRecord | None:
        parts = [_get(values, {"v": ref}, "v") for ref in spec["key"]]
        if all(p in (None, "") for p in parts):
            return None
        key = keys.composite_key(*[p.isoformat() if hasattr(p, "isoformat") else p for p in parts])
        return NodeRecord(label, key, _props(values, spec), values.row)
    return build


RULES: dict[str, Callable[[Values, dict], NodeRecord | None]] = {
    "person": rule_person, "organization": rule_organization, "party": rule_party,
    "account": rule_account, "address": rule_address, "phone": rule_phone,
    "event": rule_keyed("Event"), "lead": rule_keyed("Lead"), "blacklist": rule_keyed("BlacklistEntry"),
}


# ------------------------------------------------------------------ the mapping

class Mapping:
    def __init__(self, spec: dict, source: str):
        self.source = source
        self.kind: str = spec["kind"]
        self.title: dict = spec.get("title", {})
        self.detect: list[str] = spec.get("detect", [])
        self.fields = {name: Field(name=name, **{k: v for k, v in f.items()}) for name, f in spec["fields"].items()}
        self.require_any: list[list[str]] = spec.get("require_any", [])
        self.entities: dict[str, dict] = spec.get("entities", {})
        self.relationships: list[dict] = spec.get("relationships", [])
        self.sha256 = hashlib.sha256(yaml.safe_dump(spec, allow_unicode=True, sort_keys=True).encode()).hexdigest()
        self._validate()

    def _validate(self) -> None:
        where = f"Mapping {self.source}"
        for name, ent in self.entities.items():
            if ent.get("rule") not in RULES:
                raise LoadError(f"{where}: entity '{name}' has rule '{ent.get('rule')}'; known rules: "
                                f"{', '.join(RULES)}.")
        for rel in self.relationships:
            if rel.get("type") not in schema.REL_BY_TYPE:
                raise LoadError(f"{where}: relationship type '{rel.get('type')}' is not in the schema.")
            for end in ("from", "to"):
                if rel.get(end) not in self.entities:
                    raise LoadError(f"{where}: relationship {rel['type']} '{end}' names no entity '{rel.get(end)}'.")

    # --- headers

    def match_header(self, header: list[str]) -> dict[str, str]:
        """canonical field -> the file's header cell, for the fields the file has."""
        by_key = {_header_key(h): h for h in header}
        found = {}
        for f in self.fields.values():
            for alias in [f.name, *f.columns]:
                if _header_key(alias) in by_key:
                    found[f.name] = by_key[_header_key(alias)]
                    break
        return found

    def detection_score(self, header: list[str]) -> int:
        found = self.match_header(header)
        if not all(d in found for d in self.detect):
            return 0
        return len(found)

    def missing_columns(self, found: dict[str, str]) -> list[str]:
        missing = [f"{f.name} ({' / '.join(f.columns[:2])})" for f in self.fields.values()
                   if f.required and f.name not in found]
        for group in self.require_any:
            if not any(g in found for g in group):
                missing.append(" or ".join(f"{g} ({self.fields[g].columns[0]})" for g in group))
        return missing

    # --- rows

    def apply(self, row_number: int, raw: dict[str, Any], found: dict[str, str], scope: str) -> RowResult:
        result = RowResult()
        values = Values(row_number, scope)
        if raw.get("__extra__"):
            result.rejects.append(Issue(row_number, None, "extra_cells",
                                        f"{len(raw['__extra__'])} cell(s) more than the header has"))
            return result
        for name, column in found.items():
            f = self.fields[name]
            try:
                values[name] = _convert(f, raw.get(column), column, values)
            except Reject as rej:
                result.rejects.append(Issue(row_number, *rej.issue))
        for f in self.fields.values():
            if f.required and values.get(f.name) in (None, "", []) and not any(
                    r.column == found.get(f.name) for r in result.rejects):
                result.rejects.append(Issue(row_number, found.get(f.name, f.name), "missing_value",
                                            f"required value '{f.name}' is empty"))
        for group in self.require_any:
            if all(values.get(g) in (None, "") for g in group):
                result.rejects.append(Issue(row_number, found.get(group[0], group[0]), "missing_value",
                                            f"one of {', '.join(group)} is needed"))
        result.warnings.extend(values.warnings)
        if result.rejects:
            return result
        self._build(values, result)
        return result

    def _entity(self, name: str, values: Values, built: dict[str, list[NodeRecord]]) -> list[NodeRecord]:
        if name in built:
            return built[name]
        spec = self.entities[name]
        rule = RULES[spec["rule"]]
        nodes: list[NodeRecord] = []
        if "each" in spec:
            for item in values.get(spec["each"]) or []:
                values["$item"] = item
                node = rule(values, spec)
                if node:
                    nodes.append(node)
            values.pop("$item", None)
        else:
            node = rule(values, spec)
            if node is None and spec.get("fallback"):
                fallback = self._fallback(spec["fallback"], values, built)
                nodes = [fallback] if fallback else []
            elif node:
                nodes = [node]
        built[name] = nodes
        return nodes

    def _fallback(self, how: dict, values: Values, built: dict) -> NodeRecord | None:
        """Pseudo accounts keep money traceable when a counterparty account is missing."""
        of = self._entity(how["of"], values, built)
        if not of:
            return None
        if how["kind"] == "cash":
            key = keys.cash_key(of[0].key)
        else:
            key = keys.virtual_account_key(of[0].key)
        return NodeRecord("BankAccount", key, {"number": key, "kind": how["kind"]}, values.row)

    def _build(self, values: Values, result: RowResult) -> None:
        built: dict[str, list[NodeRecord]] = {}
        for name in self.entities:
            result.nodes.extend(self._entity(name, values, built))
        for rel in self.relationships:
            if not _when(rel.get("when"), values):
                continue
            sources, targets = built.get(rel["from"], []), built.get(rel["to"], [])
            reverse = bool(rel.get("reverse_when")) and _when(rel["reverse_when"], values)
            if rel.get("reverse_on_negative") and values.reversed:
                reverse = not reverse
            for s in sources:
                for t in targets:
                    a, b = (t, s) if reverse else (s, t)
                    props = _props(values, rel)
                    merge_on = {p: props[p] for p in rel.get("merge_on", []) if p in props}
                    key = None
                    if rel["type"] == "TRANSFER":
                        when = props.get("time")
                        props["cash"] = a.props.get("kind") == "cash" or b.props.get("kind") == "cash"
                        key = keys.transfer_key(props.get("tx_id"), a.key, b.key,
                                                when.isoformat() if when else "", props.get("amount", 0.0))
                        props["tx_key"] = key
                    result.rels.append(RelRecord(rel["type"], a, b, props, values.row, merge_on, key))


def _when(cond: dict | None, values: Values) -> bool:
    if not cond:
        return True
    value = values.get(cond["field"])
    if "equals" in cond:
        return value == cond["equals"]
    if "in" in cond:
        return value in cond["in"]
    if "not_in" in cond:
        return value not in cond["not_in"]
    if "present" in cond:
        return (value not in (None, "", [])) == bool(cond["present"])
    return True


# ------------------------------------------------------------------ lookup

def load_mapping(path: Path) -> Mapping:
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LoadError(f"The mapping file {path} cannot be read: {exc}", file=str(path)) from None
    if not isinstance(spec, dict) or "kind" not in spec or "fields" not in spec:
        raise LoadError(f"The mapping file {path} needs at least 'kind' and 'fields'.", file=str(path))
    return Mapping(spec, Path(path).name)


def builtin_mappings() -> dict[str, Mapping]:
    return {m.kind: m for m in (load_mapping(p) for p in sorted(MAPPINGS_DIR.glob("*.yaml")))}


def detect_kind(header: list[str], mappings: dict[str, Mapping]) -> Mapping | None:
    scored = sorted(((m.detection_score(header), m.kind) for m in mappings.values()), reverse=True)
    return mappings[scored[0][1]] if scored and scored[0][0] > 0 else None

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
from loaders.read import WARNINGS_KEY
from loaders.records import Issue, NodeRecord, RelRecord, RowResult

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
MAX_FIELD_CHARS = 65_536
#: An amount above this (per value) loads with an ``implausible_amount`` warning; the
#: pipeline sets it from ORGTRACE_PLAUSIBLE_AMOUNT (core/settings.py).
DEFAULT_PLAUSIBLE_AMOUNT = 1e12
#: Field types whose value is free text: a broken byte there is a warning; in any other
#: field (accounts, IDs, names, amounts, dates, flags...) it would change a key or a fact,
#: and the row is rejected.
FREE_TEXT_TYPES = frozenset({"string", "text", "address"})
#: How a row without a direction flag gets its direction from a signed amount
#: (the mapping's ``direction: {unflagged: ...}``).
UNFLAGGED_RULES = ("negative_reverses", "statement")
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
    #: amount: above this, an ``implausible_amount`` warning
    plausible: float = DEFAULT_PLAUSIBLE_AMOUNT
    #: set by the mapping (not YAML): the sign of a ``negative_reverses`` amount is weighed
    #: after the whole row is read, against the row's direction flag
    sign_deferred: bool = False


class Values(dict):
    """Cleaned values of one row plus the checks made on IDs and codes."""

    __slots__ = ("row", "scope", "checks", "reversed", "warnings", "sign", "signed_at")

    def __init__(self, row: int, scope: str):
        self.row = row
        self.scope = scope
        self.checks: dict[str, Any] = {}
        self.reversed = False
        self.warnings: list[Issue] = []
        #: the sign written on a direction-bearing amount (-1, +1, 0: none) and where
        #: (column, text); weighed against the direction flag once the row is read
        self.sign = 0
        self.signed_at: tuple[str, str] | None = None


# ------------------------------------------------------------------ field types
# Each field's cleaning is chosen once, when the mapping is read (:func:`_converter`): a
# row then costs one call per field instead of a walk down the list of types.

#: A converter cleans one non-empty, trimmed text of its field; it may add warnings and
#: checks to ``values`` or raise :class:`Reject`.
Converter = Callable[[str, str, "Values"], Any]
_FORMULA_START = frozenset("=+-@")   # the first characters clean.looks_like_formula looks at
_SIMPLE_AMOUNT = re.compile(r"\d{1,15}(?:\.\d{1,2})?", re.ASCII)
_SIMPLE_DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.ASCII)
_CENT = Decimal("0.01")


def _parse_datetime(text: str) -> dt.datetime | None:
    """clean.parse_datetime, with a shortcut for the usual 'YYYY-MM-DD HH:MM:SS' (most
    statement times are distinct, so the memo below rarely hits)."""
    if _SIMPLE_DATETIME.fullmatch(text):
        try:
            value = dt.datetime(int(text[:4]), int(text[5:7]), int(text[8:10]),
                                int(text[11:13]), int(text[14:16]), int(text[17:19]))
        except ValueError:
            value = None            # an impossible date: the full parser says why
        if value is not None and 1900 <= value.year <= 2100:
            return value
    return clean.parse_datetime(text)


_datetime = functools.lru_cache(_CACHE)(_parse_datetime)
_direction = functools.lru_cache(1024)(clean.direction_of)
_is_cash = functools.lru_cache(4096)(clean.is_cash)


def _formula_warning(text: str, column: str, values: Values) -> None:
    if clean.looks_like_formula(text):
        values.warnings.append(Issue(values.row, column, "formula_text",
                                     "looks like a spreadsheet formula; stored as text, neutralised in exports",
                                     text[:200]))


def _text_converter(normalize: Callable[[str], Any] | None) -> Converter:
    """Free text (optionally normalised): warned about when it looks like a formula."""
    if normalize is None:
        def convert(text: str, column: str, values: Values) -> Any:
            if text[0] in _FORMULA_START:    # (the text is trimmed, hence not empty)
                _formula_warning(text, column, values)
            return text
    else:
        def convert(text: str, column: str, values: Values) -> Any:
            if text[0] in _FORMULA_START:    # (the text is trimmed, hence not empty)
                _formula_warning(text, column, values)
            return normalize(text)
    return convert


def _amount_converter(f: Field) -> Converter:
    """An amount. With ``negative_reverses`` the value is the absolute amount and its sign
    speaks for the direction: at once (a mapping without direction flags: a negative
    amount reverses the relationship), or, with ``sign_deferred``, once the row's flag is
    known (:meth:`Mapping._decide_direction`)."""
    signed, deferred = f.negative_reverses, f.sign_deferred

    def implausible(text: str, column: str, values: Values) -> None:
        values.warnings.append(Issue(values.row, column, "implausible_amount",
                                     f"more than {f.plausible:,.0f} in one value: loaded, check it", text))

    def convert(text: str, column: str, values: Values) -> Any:
        if _SIMPLE_AMOUNT.fullmatch(text):
            # Plain digits with at most 2 decimals: float(text) is what the Decimal route
            # below gives (both round correctly; quantize changes nothing), several times faster.
            amount = float(text)
            if f.nonzero and amount == 0:
                raise Reject(column, "zero_amount", "the amount is zero", text)
            if amount > f.plausible:
                implausible(text, column, values)
            return amount
        try:
            value = clean.parse_amount(text)
        except ValueError as exc:
            raise Reject(column, "bad_amount", str(exc), text) from None
        if value is None:
            return None
        value = value.quantize(_CENT)     # |value| < 10^15 (parse_amount): exact in 28 digits
        if f.nonzero and value == 0:
            raise Reject(column, "zero_amount", "the amount is zero", text)
        if signed:
            sign = -1 if value < 0 else clean.amount_sign(text) if "+" in text or "＋" in text else 0
            value = abs(value)
            if deferred:
                if sign:
                    values.sign, values.signed_at = sign, (column, text)
            elif sign < 0:
                values.reversed = not values.reversed
                values.warnings.append(Issue(values.row, column, "negative_amount",
                                             "negative amount: loaded as its absolute value, direction reversed", text))
        if abs(value) > f.plausible:
            implausible(text, column, values)
        return float(value)
    return convert


def _integer(text: str, column: str, values: Values) -> Any:
    try:
        amount = clean.parse_amount(text)
    except ValueError:
        raise Reject(column, "bad_number", "not a whole number", text) from None
    return int(amount) if amount is not None else None


def _date_converter(parse: Callable[[str], Any]) -> Converter:
    def convert(text: str, column: str, values: Values) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise Reject(column, "bad_date", str(exc), text) from None
    return convert


def _day_number_converter(f: Field) -> Converter:   # simulation steps or day offsets -> a date-time
    def convert(text: str, column: str, values: Values) -> Any:
        try:
            days = int(float(text))
            return dt.datetime.fromisoformat(f.epoch or "2000-01-01") + dt.timedelta(days=days)
        except (ValueError, OverflowError):   # not a number, inf, or beyond year 9999
            raise Reject(column, "bad_date", "not a day number", text) from None
    return convert


def _direction_field(text: str, column: str, values: Values) -> Any:
    direction = _direction(text)
    if direction is None:
        raise Reject(column, "bad_direction", "not a debit/credit flag (进/出, 收/付, 借/贷)", text)
    return direction


def _id_converter(f: Field) -> Converter:
    name, code_name = f.name, f.name + "#code"

    def convert(text: str, column: str, values: Values) -> Any:
        check = _resident_id(text)
        values.checks[name] = check
        if check.number and not check.valid:
            values.warnings.append(Issue(values.row, column, "bad_id_checksum", keys.id_warning(check), text))
        elif check.number is None:
            code = _credit_code(text)   # an organization's code in an ID column
            if code.valid:
                values.checks[code_name] = code
                return code.number
            values.warnings.append(Issue(values.row, column, "bad_id_checksum",
                                         f"not a resident ID ({check.note}); kept as data", text))
            return text
        return check.number
    return convert


def _code_converter(f: Field) -> Converter:
    def convert(text: str, column: str, values: Values) -> Any:
        code = _credit_code(text)
        values.checks[f.name] = code
        if not code.valid:
            values.warnings.append(Issue(values.row, column, "bad_code_checksum", keys.code_warning(code), text))
        return code.number or text
    return convert


def _converter(f: Field) -> Converter:
    kind = f.type
    if kind in ("string", "text"):
        return _text_converter(None)
    if kind == "name":
        return _text_converter(_name)
    if kind == "address":
        return _text_converter(_address)
    simple: dict[str, Callable[[str], Any]] = {
        "phone": _phone, "account": _account, "flag": _is_cash,
        "list": lambda text: [p for p in (_name(x) for x in LIST_SEPARATORS.split(text)) if p]}
    if kind in simple:
        clean_text = simple[kind]
        return lambda text, column, values: clean_text(text)
    makers: dict[str, Callable[[], Converter]] = {
        "amount": lambda: _amount_converter(f), "integer": lambda: _integer,
        "date": lambda: _date_converter(_date), "datetime": lambda: _date_converter(_datetime),
        "day_number": lambda: _day_number_converter(f), "direction": lambda: _direction_field,
        "id": lambda: _id_converter(f), "code": lambda: _code_converter(f)}
    if kind in makers:
        return makers[kind]()

    def unknown(text: str, column: str, values: Values) -> Any:   # only a row with a value fails
        raise LoadError(f"Mapping field '{f.name}' has an unknown type '{kind}'.")
    return unknown


# ------------------------------------------------------------------ entity rules
# An entity's or relationship's options are resolved once into a :class:`Spec`: field
# references become small getter functions, so a row does no option look-ups.

EMPTY = (None, "", [])
#: Classes whose values are never in EMPTY: they skip the comparisons with "" and [].
_NEVER_EMPTY = frozenset({float, int, bool, dt.datetime, dt.date})
Getter = Callable[["Values"], Any]


def _none(values: Values) -> None:
    return None


def _getter(ref: Any) -> Getter:
    """A reference to a value: a field name, '=constant', or a list of fields (the first
    present one)."""
    if ref is None:
        return _none
    if isinstance(ref, list):
        refs = tuple(ref)

        def first(values: Values) -> Any:
            for r in refs:
                value = values.get(r)
                if value not in EMPTY:
                    return value
            return None
        return first
    if isinstance(ref, str) and ref.startswith("="):
        const = ref[1:]
        return lambda values: const
    return lambda values: values.get(ref)


class Spec:
    """An entity's or a relationship's YAML options, resolved (``raw`` is the YAML)."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.name, self.phone, self.number, self.text = (_getter(raw.get(k)) for k in ("name", "phone", "number", "text"))
        ref, id_ref = raw.get("code"), raw.get("id")
        self.id_ref = id_ref if isinstance(id_ref, str) else None
        # Where the code check of a party is: the code field's (or its '#code' sibling),
        # else the code found in the ID column.
        self.code_refs = ((ref, ref + "#code") if isinstance(ref, str) else
                          (f"{id_ref}#code",) if isinstance(id_ref, str) else ())
        self.set = [(prop, _getter(r)) for prop, r in (raw.get("set") or {}).items()]
        self.const = list((raw.get("const") or {}).items())
        self.key = [_getter(r) for r in raw["key"]] if isinstance(raw.get("key"), list) else None


def _props(values: Values, spec: Spec) -> dict[str, Any]:
    out = {}
    for prop, get in spec.set:
        value = get(values)
        if value.__class__ is str:
            if value:
                out[prop] = value
        elif value.__class__ in _NEVER_EMPTY or value not in EMPTY:
            out[prop] = value
    for prop, value in spec.const:
        out[prop] = value
    return out


def _id_check(values: Values, spec: Spec) -> clean.IdCheck | None:
    return values.checks.get(spec.id_ref) if spec.id_ref is not None else None


def _code_check(values: Values, spec: Spec) -> clean.CodeCheck | None:
    refs = spec.code_refs
    if not refs:
        return None
    found = values.checks.get(refs[0])
    return found or (values.checks.get(refs[1]) if len(refs) > 1 else found)


def rule_person(values: Values, spec: Spec) -> NodeRecord | None:
    name = spec.name(values)
    check = _id_check(values, spec)
    return _person(values, spec, name, check, keys.person_key(check, name, spec.phone(values), values.scope))


def _person(values: Values, spec: Spec, name: str | None, check: clean.IdCheck | None,
            key: str | None) -> NodeRecord | None:
    if key is None:
        return None
    return keys.person_node(values.row, name, check, None, values.scope, _props(values, spec), key=key)


def rule_organization(values: Values, spec: Spec) -> NodeRecord | None:
    return keys.organization_node(values.row, spec.name(values), _code_check(values, spec), _props(values, spec))


def rule_party(values: Values, spec: Spec) -> NodeRecord | None:
    name = spec.name(values)
    check = _id_check(values, spec)
    found = keys.party(check, _code_check(values, spec), name, spec.phone(values), values.scope)
    if found is None:
        return None
    # keys.party made the person's key with the very arguments rule_person would use
    return _person(values, spec, name, check, found[1]) if found[0] == "Person" else rule_organization(values, spec)


def rule_account(values: Values, spec: Spec) -> NodeRecord | None:
    number = spec.number(values)
    # keys.account_key is clean.normalize_account: take its memo when the number is text
    return keys.account_node(values.row, number, _props(values, spec),
                             normalize=_account if number.__class__ is str else keys.account_key, luhn=_luhn)


def rule_address(values: Values, spec: Spec) -> NodeRecord | None:
    text = spec.text(values)
    if not text:
        return None
    return keys.address_node(values.row, text, _props(values, spec))


def rule_phone(values: Values, spec: Spec) -> NodeRecord | None:
    number = spec.number(values)
    return NodeRecord("Phone", number, {"number": number}, values.row) if number else None


def rule_keyed(label: str) -> Callable[[Values, Spec], NodeRecord | None]:
    """Nodes keyed by a composite of fields (events, leads, blacklist entries)."""
    def build(values: Values, spec: Spec) -> NodeRecord | None:
        getters = spec.key if spec.key is not None else [_getter(r) for r in spec.raw["key"]]
        parts = [get(values) for get in getters]
        if all(p in (None, "") for p in parts):
            return None
        key = keys.composite_key(*[p.isoformat() if hasattr(p, "isoformat") else p for p in parts])
        return NodeRecord(label, key, _props(values, spec), values.row)
    return build


RULES: dict[str, Callable[[Values, Spec], NodeRecord | None]] = {
    "person": rule_person, "organization": rule_organization, "party": rule_party,
    "account": rule_account, "address": rule_address, "phone": rule_phone,
    "event": rule_keyed("Event"), "lead": rule_keyed("Lead"), "blacklist": rule_keyed("BlacklistEntry"),
}


def _condition(cond: dict | None) -> Callable[[Values], bool] | None:
    """A ``when`` condition as a test of the row's values; None for 'always'."""
    if not cond:
        return None
    field = cond["field"]
    if "equals" in cond:
        equals = cond["equals"]
        return lambda values: values.get(field) == equals
    if "in" in cond:
        among = cond["in"]
        return lambda values: values.get(field) in among
    if "not_in" in cond:
        among = cond["not_in"]
        return lambda values: values.get(field) not in among
    if "present" in cond:
        present = bool(cond["present"])
        return lambda values: (values.get(field) not in EMPTY) == present
    return lambda values: True


class _Entity:
    """One entity of the mapping, resolved."""

    def __init__(self, name: str, raw: dict):
        self.name = name
        self.spec = Spec(raw)
        self.rule = RULES[raw["rule"]]
        self.has_each = "each" in raw
        self.each = raw.get("each")
        self.fallback = raw.get("fallback")


class _Relationship:
    """One relationship of the mapping, resolved."""

    def __init__(self, raw: dict):
        self.type: str = raw["type"]
        self.source: str = raw["from"]
        self.target: str = raw["to"]
        self.spec = Spec(raw)
        self.when = _condition(raw.get("when"))
        self.reverse_when = _condition(raw.get("reverse_when"))
        self.reverse_on_negative = bool(raw.get("reverse_on_negative"))
        self.merge_on = raw.get("merge_on", [])
        self.transfer = self.type == "TRANSFER"


# ------------------------------------------------------------------ the mapping

class Mapping:
    def __init__(self, spec: dict, source: str):
        self.source = source
        self.kind: str = spec["kind"]
        self.title: dict = spec.get("title", {})
        #: fields whose headers identify the kind; a list among them: any one of its fields
        self.detect: list[str | list[str]] = spec.get("detect", [])
        self.fields = {name: Field(name=name, **{k: v for k, v in f.items()}) for name, f in spec["fields"].items()}
        self.require_any: list[list[str]] = spec.get("require_any", [])
        self.entities: dict[str, dict] = spec.get("entities", {})
        self.relationships: list[dict] = spec.get("relationships", [])
        rule = spec.get("direction_rule") or {}
        self.flag_decides: bool = bool(rule.get("flag_decides", True))
        self.unflagged: str = rule.get("unflagged", "negative_reverses")
        #: separate debit / credit amount columns (借方发生额 / 贷方发生额): {out, in, into, flag}
        self.split_amount: dict | None = spec.get("split_amount")
        self.sha256 = hashlib.sha256(yaml.safe_dump(spec, allow_unicode=True, sort_keys=True).encode()).hexdigest()
        self._validate()
        # The direction rule (docs/mapping-format.md): a row's direction flag decides; the
        # sign of a direction-bearing amount only speaks on rows without a flag.
        self._flag_fields = [name for name, f in self.fields.items() if f.type == "direction"]
        self._signed_fields = [name for name, f in self.fields.items() if f.type == "amount" and f.negative_reverses]
        self._sign_deferred = bool(self._signed_fields) and (
            (bool(self._flag_fields) and self.flag_decides) or self.unflagged != "negative_reverses")
        for name in self._signed_fields:
            self.fields[name].sign_deferred = self._sign_deferred
        tx_ids = {(rel.get("set") or {}).get("tx_id") for rel in self.relationships if rel.get("type") == "TRANSFER"}
        #: fields a broken byte may not touch (it would change a key or a fact): the row is rejected
        self._key_fields = frozenset(name for name, f in self.fields.items()
                                     if f.type not in FREE_TEXT_TYPES or name in tx_ids)
        self._converters = {name: _converter(f) for name, f in self.fields.items()}
        self._required = [name for name, f in self.fields.items() if f.required]
        self._entities = {name: _Entity(name, ent) for name, ent in self.entities.items()}
        self._relationships = [_Relationship(rel) for rel in self.relationships]
        self._plan: tuple[dict, dict, list[tuple[str, str, Converter]]] | None = None

    def set_plausible_amount(self, bound: float) -> None:
        """Amounts above ``bound`` load with an ``implausible_amount`` warning."""
        for f in self.fields.values():
            f.plausible = float(bound)

    def _validate(self) -> None:
        where = f"Mapping {self.source}"
        split = self.split_amount
        if split is not None and (not isinstance(split, dict) or
                                  any(split.get(k) not in self.fields for k in ("out", "in", "into", "flag"))):
            raise LoadError(f"{where}: split_amount names fields 'out', 'in' (the debit and credit amounts), "
                            f"'into' (the amount) and 'flag' (the direction), each one of this mapping's fields.")
        if self.unflagged not in UNFLAGGED_RULES:
            raise LoadError(f"{where}: direction_rule unflagged is '{self.unflagged}'; it may be "
                            f"{' or '.join(UNFLAGGED_RULES)}.")
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

    def _matches(self, header: list[str], repeated: dict[str, list[str]] | None) -> dict[str, tuple[str, str]]:
        """canonical field -> (the alias key that matched, the file's header cell)."""
        by_key = {_header_key(h): h for h in header}
        for name, cells in (repeated or {}).items():
            by_key.setdefault(_header_key(f"{name}_1"), cells[0])
        found = {}
        for f in self.fields.values():
            for alias in [f.name, *f.columns]:
                key = _header_key(alias)
                if key in by_key:
                    found[f.name] = (key, by_key[key])
                    break
        return found

    def match_header(self, header: list[str], repeated: dict[str, list[str]] | None = None) -> dict[str, str]:
        """canonical field -> the file's header cell, for the fields the file has.

        ``repeated`` (:attr:`read.Table.repeated`) maps a header the file has more than once
        to its cells (``交易金额``, ``交易金额_2``); an alias ``交易金额_1`` names the first."""
        return {name: cell for name, (_, cell) in self._matches(header, repeated).items()}

    def ambiguous_columns(self, header: list[str], repeated: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
        """(field, cells) for each field matched by its plain name to a header the file
        repeats; naming one repeat in the mapping (``交易金额_2``, ``交易金额_1``) settles it."""
        return [(name, repeated[cell]) for name, (key, cell) in self._matches(header, repeated).items()
                if cell in repeated and key != _header_key(f"{cell}_1")]

    def detection_score(self, header: list[str]) -> int:
        found = self.match_header(header)
        if not all(any(x in found for x in d) if isinstance(d, list) else d in found for d in self.detect):
            return 0
        return len(found)

    def missing_columns(self, found: dict[str, str]) -> list[str]:
        split = self.split_amount
        has_split = split is not None and (split["out"] in found or split["in"] in found)
        missing = [f"{f.name} ({' / '.join(f.columns[:2])})" for f in self.fields.values()
                   if f.required and f.name not in found and not (has_split and f.name == split["into"])]
        for group in self.require_any:
            if not any(g in found for g in group):
                missing.append(" or ".join(f"{g} ({self.fields[g].columns[0]})" for g in group))
        return missing

    # --- rows

    def _fields_of(self, found: dict[str, str]) -> list[tuple[str, str, Converter]]:
        """(field, column, converter) for the columns of one file, made on its first row."""
        plan = self._plan
        if plan is None or plan[0] is not found or plan[1] != found:
            plan = self._plan = (found, dict(found), [(name, column, self._converters[name])
                                                      for name, column in found.items()])
        return plan[2]

    def apply(self, row_number: int, raw: dict[str, Any], found: dict[str, str], scope: str) -> RowResult:
        result = RowResult()
        values = Values(row_number, scope)
        if raw.get("__extra__"):
            extra = [str(c) for c in raw["__extra__"] if str(c).strip()]
            result.rejects.append(Issue(row_number, None, "extra_cells",
                                        f"{len(raw['__extra__'])} cell(s) more than the header has",
                                        clean.clip(" | ".join(extra), 200)))
            return result
        rejects = result.rejects
        notes = raw.get(WARNINGS_KEY)
        if notes:
            self._bad_bytes(row_number, raw, notes, found, result)
        get = raw.get
        for name, column, convert in self._fields_of(found):
            value = get(column)
            if value is not None:
                value = (value if value.__class__ is str else str(value)).strip() or None
            if value is not None:
                if len(value) > MAX_FIELD_CHARS:
                    rejects.append(Issue(row_number, column, "field_too_long",
                                         f"{len(value):,} characters (the limit is {MAX_FIELD_CHARS:,})",
                                         clean.clip(value, 200)))
                    continue
                try:
                    value = convert(value, column, values)
                except Reject as rej:
                    rejects.append(Issue(row_number, *rej.issue))
                    continue
            values[name] = value
        if self.split_amount is not None:
            self._split(values, found, rejects)
        for name in self._required:
            if values.get(name) in EMPTY and not any(r.column == found.get(name) for r in rejects):
                rejects.append(Issue(row_number, found.get(name, name), "missing_value",
                                     f"required value '{name}' is empty", _raw_text(raw, found.get(name))))
        for group in self.require_any:
            if all(values.get(g) in (None, "") for g in group):
                rejects.append(Issue(row_number, found.get(group[0], group[0]), "missing_value",
                                     f"one of {', '.join(group)} is needed", _raw_text(raw, found.get(group[0]))))
        if self._sign_deferred and not rejects:
            self._decide_direction(values, found, raw)
        result.warnings.extend(values.warnings)
        if rejects:
            return result
        self._build(values, result)
        return result

    def _split(self, values: Values, found: dict[str, str], rejects: list[Issue]) -> None:
        """Separate debit and credit amount columns (借方发生额 / 贷方发生额, one filled per
        line): the filled one is the amount, and says the direction when the row has no flag
        (debit = money out, credit = money in). A row with both filled is rejected."""
        split = self.split_amount
        into = split["into"]           # type: ignore[index]
        if values.get(into) is not None:
            return
        out_amount, in_amount = values.get(split["out"]) or None, values.get(split["in"]) or None   # type: ignore[index]
        if out_amount and in_amount:
            column = found.get(split["out"], split["out"])   # type: ignore[index]
            rejects.append(Issue(values.row, column, "bad_amount",
                                 "both a debit and a credit amount: which one is meant cannot be told",
                                 f"{out_amount} / {in_amount}"))
        elif out_amount or in_amount:
            values[into] = abs(out_amount or in_amount)   # type: ignore[arg-type]
            if values.get(split["flag"]) is None:   # type: ignore[index]
                values[split["flag"]] = "out" if out_amount else "in"   # type: ignore[index]

    def _bad_bytes(self, row_number: int, raw: dict, notes: Any, found: dict[str, str], result: RowResult) -> None:
        """A cell read with replacement characters (broken bytes): a warning in free text,
        a reject where the value is a key or a fact (account, ID, name, amount, date...)."""
        fields_of = {column: name for name, column in found.items()}
        for note in notes:
            if note[0] != "bad_bytes":
                continue
            column, detail = note[1], note[2] if len(note) > 2 else "broken bytes"
            value = clean.clip(_raw_text(raw, column), 200)
            if fields_of.get(column) in self._key_fields:
                result.rejects.append(Issue(row_number, column, "bad_bytes",
                                            f"{detail}; the value is used as a key or fact, so the row is not loaded",
                                            value))
            else:
                result.warnings.append(Issue(row_number, column, "bad_bytes",
                                             f"{detail}; read with a replacement character (�)", value))

    def _decide_direction(self, values: Values, found: dict[str, str], raw: dict) -> None:
        """The direction rule, once the whole row is read: a flag decides (a sign that
        disagrees with it is a warning); a row without a flag takes its direction from the
        sign of its amount (``unflagged``)."""
        flag = None
        if self.flag_decides:
            for name in self._flag_fields:
                flag = values.get(name)
                if flag is not None:
                    break
        sign = values.sign
        if flag is not None:
            if sign and (sign < 0) == (flag == "in"):     # '-' with 进/贷, '+' with 出/借
                column, text = values.signed_at   # type: ignore[misc]
                said = "out" if sign < 0 else "in"
                values.warnings.append(Issue(values.row, column, "sign_disagrees_with_flag",
                                             f"the amount's sign says money {said}, the direction flag says {flag}: "
                                             f"loaded as the flag says, with the absolute amount", text))
            return
        if values.signed_at is not None:
            column, text = values.signed_at
        else:
            column = found.get(self._signed_fields[0], self._signed_fields[0])
            text = _raw_text(raw, column)
        if self.unflagged == "statement":   # a holder's statement: negative = money out
            values.reversed = sign >= 0
            values.warnings.append(Issue(values.row, column, "direction_from_sign",
                                         "no direction flag: a negative amount read as money out, any other as money in",
                                         text))
        elif sign < 0:
            values.reversed = True
            values.warnings.append(Issue(values.row, column, "negative_amount",
                                         "negative amount: loaded as its absolute value, direction reversed", text))

    def _entity(self, name: str, values: Values, built: dict[str, list[NodeRecord]]) -> list[NodeRecord]:
        if name in built:
            return built[name]
        entity = self._entities[name]
        rule, spec = entity.rule, entity.spec
        nodes: list[NodeRecord] = []
        if entity.has_each:
            for item in values.get(entity.each) or []:
                values["$item"] = item
                node = rule(values, spec)
                if node:
                    nodes.append(node)
            values.pop("$item", None)
        else:
            node = rule(values, spec)
            if node is None and entity.fallback:
                fallback = self._fallback(entity.fallback, values, built)
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
        nodes, rels, row = result.nodes, result.rels, values.row
        for name in self._entities:
            nodes.extend(self._entity(name, values, built))
        for rel in self._relationships:
            if rel.when is not None and not rel.when(values):
                continue
            sources, targets = built.get(rel.source, []), built.get(rel.target, [])
            if not sources or not targets:
                continue
            reverse = rel.reverse_when is not None and rel.reverse_when(values)
            if rel.reverse_on_negative and values.reversed:
                reverse = not reverse
            props_of_row = _props(values, rel.spec)   # the same for every pair of ends
            last = len(sources) * len(targets)
            for s in sources:
                for t in targets:
                    a, b = (t, s) if reverse else (s, t)
                    last -= 1   # each record has its own props: copies, but the last takes the original
                    props = props_of_row if last == 0 else dict(props_of_row)
                    merge_on = {p: props[p] for p in rel.merge_on if p in props}
                    key = None
                    if rel.transfer:
                        when = props.get("time")
                        props["cash"] = a.props.get("kind") == "cash" or b.props.get("kind") == "cash"
                        key = keys.transfer_key(props.get("tx_id"), a.key, b.key,
                                                when.isoformat() if when else "", props.get("amount", 0.0))
                        props["tx_key"] = key
                    rels.append(RelRecord(rel.type, a, b, props, row, merge_on, key))


def _raw_text(raw: dict, column: str | None) -> str:
    """The cell as read (for a reject's value column), '' when absent."""
    value = raw.get(column) if column else None
    return "" if value is None else str(value)


# ------------------------------------------------------------------ lookup

#: libyaml's safe loader when PyYAML has it (ten times faster: every load reads the mappings)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_mapping(path: Path) -> Mapping:
    try:
        spec = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise LoadError(f"The mapping file {path} cannot be read: {clean.clip(str(exc), 300)}", file=str(path)) from None
    if not isinstance(spec, dict) or "kind" not in spec or "fields" not in spec:
        raise LoadError(f"The mapping file {path} needs at least 'kind' and 'fields'.", file=str(path))
    return Mapping(spec, Path(path).name)


def builtin_mappings() -> dict[str, Mapping]:
    return {m.kind: m for m in (load_mapping(p) for p in sorted(MAPPINGS_DIR.glob("*.yaml")))}


def detect_kind(header: list[str], mappings: dict[str, Mapping]) -> Mapping | None:
    scored = sorted(((m.detection_score(header), m.kind) for m in mappings.values()), reverse=True)
    return mappings[scored[0][1]] if scored and scored[0][0] > 0 else None

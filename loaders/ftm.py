"""FollowTheMoney (FtM) entity streams, as exported by Aleph and OpenSanctions, onto the
OrgTrace model.

FtM is a graph format already: thing entities (Person, Organization, Company, PublicBody,
LegalEntity, BankAccount, Address, Event, Position) and interval entities that link them
by entity id. Each link schema's ends (which property is the source, which the target)
are read from the FtM model itself (:mod:`loaders.ftm_model`); :data:`LINK_TYPES` only
says which OrgTrace relationship each becomes. Every link keeps its role, its dates as
written, its source (publisher, source link, record id) and its FtM id.

FtM files are not sorted: a link or an ``addressEntity`` may name an entity defined further
down. The file is therefore read twice: pass one turns every thing into its node (and
remembers every id's schema); pass two builds the rows' records.

People, organizations, accounts and addresses get their keys, checks and flags from the
same rule functions as the table mappings (:mod:`loaders.keys`). Names keep the spelling
of the source (``name``); only keys use the normalised form.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from core.errors import LoadError
from graph import schema
from loaders import clean, keys, read
from loaders.ftm_model import EDGES
from loaders.records import Issue, NodeRecord, RelRecord, RowResult

#: FtM party schemata and the OrgTrace label each becomes. A LegalEntity (person or
#: company, the source does not say) stays a LegalEntity unless a valid resident ID or
#: credit code settles it.
PARTY_SCHEMATA = {"Person": "Person", "Organization": "Organization", "Company": "Organization",
                  "PublicBody": "Organization", "LegalEntity": "LegalEntity"}
THING_SCHEMATA = {**PARTY_SCHEMATA, "BankAccount": "BankAccount", "Address": "Address", "Event": "Event",
                  "Position": "Position"}

#: FtM link schema -> OrgTrace relationship type. Source and target come from the FtM
#: model's ``edge`` of that schema. (An Ownership of a BankAccount becomes HOLDS.)
LINK_TYPES = {"Ownership": "OWNS", "Directorship": "LEADS", "Membership": "MEMBER_OF",
              "Employment": "EMPLOYED_BY", "Representation": "REPRESENTS", "Family": "FAMILY_OF",
              "Associate": "ASSOCIATE_OF", "Succession": "SUCCEEDED_BY", "UnknownLink": "LINKED_TO",
              "Occupancy": "OCCUPIES", "Payment": "TRANSFER"}
LINK_SCHEMATA = set(LINK_TYPES)
assert LINK_SCHEMATA <= set(EDGES), "every mapped FtM link schema needs its model file in loaders/ftm_model"

#: Relationships that only FtM produces are one per FtM link entity (merged on its id),
#: so two stints in the same role keep both their dates; LEADS and MEMBER_OF merge as the
#: table loaders' do (LEADS on its role).
_MERGE_ON_ID = {"OWNS", "EMPLOYED_BY", "REPRESENTS", "FAMILY_OF", "ASSOCIATE_OF", "SUCCEEDED_BY",
                "LINKED_TO", "OCCUPIES"}
#: Party properties that may hold a unified social credit code, in order.
_CODE_PROPS = ("uscCode", "registrationNumber", "taxNumber")
_ID_PROPS = ("idNumber", "nationalId")


def _values(props: dict, name: str) -> list:
    values = props.get(name)
    if values in (None, "", []):
        return []
    return values if isinstance(values, list) else [values]


def _first(props: dict, *names: str) -> Any:
    for name in names:
        for value in _values(props, name):
            if value not in (None, ""):
                return value
    return None


def _ref_id(value: Any) -> str | None:
    if isinstance(value, dict):   # a nested entity
        value = value.get("id")
    return str(value) if value not in (None, "") else None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


class FtmSource:
    """One FtM JSON-lines file, read in two streamed passes."""

    version = "ftm-2"

    def __init__(self, path):
        self.table = read.iter_table(path)
        if self.table.format != "jsonl":
            raise LoadError(f"{self.table.path.name} is not a FollowTheMoney JSON-lines file "
                            f"(one JSON object per line).", file=self.table.path.name)
        self.scope = read.sha256_file(path)[:12]
        self.things: dict[str, NodeRecord] = {}
        self.thing_warnings: dict[str, list[Issue]] = {}
        self.schemata: dict[str, str] = {}          # every id in the file -> its schema

    # ---------------------------------------------------------------- pass one

    def _party(self, row: int, schema: str, props: dict) -> tuple[NodeRecord | None, list[Issue]]:
        warnings: list[Issue] = []
        written = keys.written_name(_first(props, "name"))
        key_name = clean.normalize_name(written)
        label = PARTY_SCHEMATA[schema]
        id_text = _first(props, *_ID_PROPS) if label != "Organization" else None
        id_check = clean.check_resident_id(str(id_text)) if id_text else None
        code_text, code = None, None
        if label != "Person":
            for prop in _CODE_PROPS:
                for value in _values(props, prop):
                    check = clean.check_credit_code(str(value))
                    # a foreign register number is not a malformed credit code: only a
                    # value shaped like one (valid or not) is taken
                    if check.number and (code is None or check.valid and not code.valid):
                        code_text, code = (prop, str(value)), check
        phone = clean.normalize_phone(_text(_first(props, "phone")))
        if label == "LegalEntity":
            if id_check is not None and id_check.valid:
                label = "Person"
            elif code is not None and code.valid:
                label = "Organization"
        if id_check is not None and id_check.number is None:
            id_check = None                        # not a resident ID (a passport…): not ours to check
        if id_check is not None and (warning := keys.id_warning(id_check)):
            prop = next(p for p in _ID_PROPS if _values(props, p))
            warnings.append(Issue(row, prop, "bad_id_checksum", warning, str(id_text)))
        if code is not None and (warning := keys.code_warning(code)):
            warnings.append(Issue(row, code_text[0], "bad_code_checksum", warning, code_text[1]))
        if label == "Organization":
            country = _first(props, "jurisdiction", "country", "mainCountry")
            extra = {"foreign": str(country).lower() not in ("cn", "zh")} if country else {}
            return keys.organization_node(row, written, code, extra, key_name=key_name), warnings
        extra: dict[str, Any] = {"phone": phone} if phone else {}
        if label == "Person":
            born = _safe_date(_first(props, "birthDate"))
            if born:
                extra["birth_date"] = born
            return keys.person_node(row, written, id_check, phone, self.scope, extra, key_name=key_name), warnings
        if code is not None:
            extra.update(credit_code=code.number, credit_code_valid=code.valid)
        country = _first(props, "jurisdiction", "country", "mainCountry")
        if country:
            extra["foreign"] = str(country).lower() not in ("cn", "zh")
        return keys.person_node(row, written, id_check, phone, self.scope, extra, key_name=key_name,
                                label="LegalEntity"), warnings

    def _thing(self, row: int, entity: dict) -> tuple[NodeRecord | None, list[Issue]]:
        schema = entity.get("schema") or ""
        props = entity.get("properties") or {}
        if schema in PARTY_SCHEMATA:
            return self._party(row, schema, props)
        if schema == "BankAccount":
            number = _first(props, "accountNumber", "iban", "number")
            extra = {"bank": _text(_first(props, "bankName"))}
            return keys.account_node(row, str(number) if number is not None else None,
                                     {k: v for k, v in extra.items() if v}), []
        if schema == "Address":
            return keys.address_node(row, _address_text(props), {}), []
        if schema == "Event":
            key = keys.composite_key("ftm", entity.get("id"))
            out = {"name": keys.written_name(_first(props, "name", "summary")) or key,
                   "date": _safe_date(_first(props, "date", "startDate")),
                   "place": _text(_first(props, "location", "country"))}
            return NodeRecord("Event", key, {k: v for k, v in out.items() if v}, row), []
        return None, []

    def _position(self, row: int, entity: dict) -> NodeRecord | None:
        """A Position, keyed by its organization (known after pass one) and its name."""
        props = entity.get("properties") or {}
        written = keys.written_name(_first(props, "name"))
        if not written:
            return None
        org = self.things.get(_ref_id(_first(props, "organization")) or "")
        key = keys.composite_key("pos:" + (org.key if org is not None else self.scope), clean.normalize_name(written))
        out = {"name": written, "organization": org.props.get("name") if org is not None else None,
               "country": _text(_first(props, "country"))}
        return NodeRecord("Position", key, {k: v for k, v in out.items() if v}, row)

    def _collect(self, row: int, entity: dict, positions: list) -> None:
        entity_id = _ref_id(entity.get("id"))
        if entity_id is None:
            return
        self.schemata[entity_id] = str(entity.get("schema"))
        for values in (entity.get("properties") or {}).values():   # nested entities
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, dict) and value.get("schema"):
                    self._collect(row, value, positions)
        if entity.get("schema") == "Position":
            positions.append((entity_id, row, entity))
            return
        node, warnings = self._thing(row, entity)
        if node is not None:
            self.things[entity_id] = node
        if warnings:
            self.thing_warnings[entity_id] = warnings

    def _pass_one(self) -> None:
        positions: list[tuple[str, int, dict]] = []
        for chunk in self.table.chunks():
            for row, entity in chunk:
                if isinstance(entity, dict) and "__error__" not in entity:
                    self._collect(row, entity, positions)
        for entity_id, row, entity in positions:     # their organizations are all known now
            node = self._position(row, entity)
            if node is not None:
                self.things[entity_id] = node

    # ---------------------------------------------------------------- pass two

    def results(self, chunk_rows: int) -> Iterator[tuple[list[tuple[int, dict]], list[RowResult]]]:
        self._pass_one()
        for chunk in self.table.chunks():
            yield chunk, [self._row(row, entity) for row, entity in chunk]

    def _refs(self, props: dict, name: str) -> tuple[list[NodeRecord], list[str]]:
        """The nodes a reference property names, and the ids it names that are not mapped."""
        nodes, unmapped = [], []
        for value in _values(props, name):
            ref = _ref_id(value)
            if ref is None:
                continue
            node = self.things.get(ref)
            if node is not None:
                nodes.append(node)
            else:
                unmapped.append(ref)
        return nodes, unmapped

    def _row(self, row: int, entity: dict) -> RowResult:
        result = RowResult()
        if "__error__" in entity:
            result.rejects.append(Issue(row, None, "bad_json", entity["__error__"]))
            return result
        schema_name = entity.get("schema")
        props = entity.get("properties") or {}
        if schema_name in THING_SCHEMATA:
            entity_id = _ref_id(entity.get("id")) or ""
            node = self.things.get(entity_id)
            result.warnings.extend(self.thing_warnings.get(entity_id, ()))
            if node is None:
                result.rejects.append(Issue(row, "properties", "missing_value",
                                            f"{schema_name} {entity.get('id')} has no name or number to key it by"))
                return result
            result.nodes.append(node)
            if node.label in ("Person", "Organization", "LegalEntity"):
                self._addresses(row, node, props, "LOCATED_AT", result)
            elif node.label == "Event":
                self._addresses(row, node, props, "HELD_AT", result)
            elif node.label == "Position":
                org = self.things.get(_ref_id(_first(props, "organization")) or "")
                if org is not None and org.label in schema.REL_BY_TYPE["POST_IN"].targets:
                    result.nodes.append(org)
                    result.rels.append(RelRecord("POST_IN", node, org, {}, row))
            return result
        if schema_name not in LINK_SCHEMATA:
            result.warnings.append(Issue(row, "schema", "unsupported_schema",
                                         f"FtM schema '{schema_name}' is not mapped; skipped"))
            return result
        if schema_name == "Payment":
            return self._payment(row, props, result, entity)
        return self._link(row, schema_name, props, result, entity)

    def _addresses(self, row: int, node: NodeRecord, props: dict, rel_type: str, result: RowResult) -> None:
        """LOCATED_AT (HELD_AT for an event) every address the entity names: the
        ``addressEntity`` references (wherever in the file they are defined) and the
        ``address`` texts."""
        places, unmapped = self._refs(props, "addressEntity")
        for ref in unmapped:
            result.warnings.append(Issue(row, "addressEntity", "unknown_reference",
                                         f"addressEntity '{ref}' is not an Address in this file; not linked", ref))
        places = [p for p in places if p.label == "Address"]
        for text in _values(props, "address"):
            place = keys.address_node(row, _text(text), {})
            if place is not None:
                places.append(place)
        seen = set()
        for place in places:
            if place.key not in seen:
                seen.add(place.key)
                result.nodes.append(place)
                result.rels.append(RelRecord(rel_type, node, place, {}, row))

    def _ends(self, row: int, schema_name: str, prop: str, props: dict,
              result: RowResult) -> list[NodeRecord] | None:
        nodes, unmapped = self._refs(props, prop)
        for ref in unmapped:
            if ref in self.schemata:
                result.warnings.append(Issue(row, prop, "unmapped_end",
                                             f"{schema_name} '{prop}' is a {self.schemata[ref]}, which OrgTrace "
                                             f"does not model; link not loaded", ref))
        if nodes or any(ref in self.schemata for ref in unmapped):
            return nodes
        result.rejects.append(Issue(row, prop, "missing_value", f"{schema_name} names no known entity as '{prop}'",
                                    ", ".join(unmapped) or None))
        return None

    def _link(self, row: int, schema_name: str, props: dict, result: RowResult, entity: dict) -> RowResult:
        edge = EDGES[schema_name]
        sources = self._ends(row, schema_name, edge.source, props, result)
        targets = self._ends(row, schema_name, edge.target, props, result)
        if sources is None or targets is None:
            return result
        rel_props = _link_props(props, entity)
        if schema_name in ("Family", "Associate"):
            relationship = _text(_first(props, "relationship"))
            if relationship:
                rel_props["relationship"] = relationship
        if schema_name == "Ownership":
            share = _text(_first(props, "percentage", "sharesCount"))
            if share:
                rel_props["share"] = share
        if schema_name == "Directorship" and not rel_props.get("role"):
            rel_props["role"] = "董事"                # what a directorship is, as the table loaders name it
        for source, target in itertools.product(sources, targets):
            rel_type = LINK_TYPES[schema_name]
            if schema_name == "Ownership" and target.label == "BankAccount":
                rel_type = "HOLDS"
            declared = schema.REL_BY_TYPE[rel_type]
            if source.label not in declared.sources or target.label not in declared.targets:
                result.warnings.append(Issue(row, edge.target, "unmapped_end",
                                             f"{schema_name} from a {source.label} to a {target.label} has no "
                                             f"{rel_type} relationship in the model; link not loaded"))
                continue
            if rel_type == "LEADS":
                merge_on = {"role": rel_props["role"]}
            elif rel_type in _MERGE_ON_ID:
                merge_on = {"ftm_id": rel_props["ftm_id"]}
            else:
                merge_on = {}
            result.nodes += [source, target]
            result.rels.append(RelRecord(rel_type, source, target, dict(rel_props), row, merge_on))
        return result

    def _payment(self, row: int, props: dict, result: RowResult, entity: dict) -> RowResult:
        edge = EDGES["Payment"]
        amount_text = _first(props, "amount", "amountEur", "amountUsd")
        try:
            amount = clean.parse_amount(str(amount_text) if amount_text is not None else None)
        except ValueError as exc:
            result.rejects.append(Issue(row, "amount", "bad_amount", str(exc), str(amount_text)))
            return result
        if amount is None:
            result.rejects.append(Issue(row, "amount", "missing_value", "a payment needs an amount"))
            return result
        date_text = _text(_first(props, "date", "startDate"))
        when = None
        if date_text:
            try:
                when = clean.parse_datetime(date_text)
            except ValueError:
                when = None
            if when is None:
                result.warnings.append(Issue(row, "date", "missing_date",
                                             f"the payment's date '{date_text}' is not a full date: loaded without a "
                                             f"time, left out of the money-trail reports", date_text))
        else:
            result.warnings.append(Issue(row, "date", "missing_date",
                                         "the payment has no date: loaded without a time, left out of the "
                                         "money-trail reports"))
        accounts = []
        for party_prop, account_prop in ((edge.source, "payerAccount"), (edge.target, "beneficiaryAccount")):
            parties, _ = self._refs(props, party_prop)
            party = parties[0] if parties else None
            named, _ = self._refs(props, account_prop)
            account = next((a for a in named if a.label == "BankAccount"), None)
            if account is None and party is not None:
                key = keys.virtual_account_key(party.key)
                account = NodeRecord("BankAccount", key, {"number": key, "kind": "virtual"}, row)
            if account is None:
                ids = ", ".join(str(_ref_id(v)) for v in _values(props, party_prop) + _values(props, account_prop))
                result.rejects.append(Issue(row, party_prop, "missing_value",
                                            f"Payment names no known entity or account as '{party_prop}'", ids or None))
                return result
            result.nodes.append(account)
            if party is not None:
                result.nodes.append(party)
                result.rels.append(RelRecord("HOLDS", party, account, {}, row))
            accounts.append(account)
        tx_id = _text(_first(props, "transactionNumber", "sequenceNumber")) or f"ftm:{entity.get('id')}"
        value = float(abs(amount))
        tx_key = keys.transfer_key(tx_id, accounts[0].key, accounts[1].key, when.isoformat() if when else "", value)
        rel_props = {"amount": value, "time": when, "memo": _text(_first(props, "purpose", "summary", "description")),
                     "tx_id": tx_id, "tx_key": tx_key, "channel": "ftm", "cash": False,
                     "currency": _text(_first(props, "currency")), "ftm_id": _ref_id(entity.get("id")),
                     "date": date_text if when is None else None}
        result.rels.append(RelRecord("TRANSFER", accounts[0], accounts[1],
                                     {k: v for k, v in rel_props.items() if v is not None}, row, {}, tx_key))
        return result


def _link_props(props: dict, entity: dict) -> dict[str, Any]:
    """Role, dates as written, source and FtM id of a link entity."""
    source = " | ".join(str(v) for v in (_first(props, "publisher"), _first(props, "sourceUrl"),
                                          _first(props, "recordId")) if v)
    out = {"role": _text(_first(props, "role")),
           "start_date": _text(_first(props, "startDate")),
           "end_date": _text(_first(props, "endDate")),
           "date": _text(_first(props, "date")),
           "source": source or None,
           "ftm_id": _ref_id(entity.get("id"))}
    return {k: v for k, v in out.items() if v is not None}


def _address_text(props: dict) -> str | None:
    full = _text(_first(props, "full"))
    if full:
        return full
    parts = [_text(_first(props, p)) for p in ("country", "region", "state", "city", "street", "street2",
                                                "postalCode", "name")]
    return " ".join(p for p in parts if p) or None


def _safe_date(text: Any):
    try:
        return clean.parse_date(str(text)) if text else None
    except ValueError:
        return None

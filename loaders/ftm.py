"""FollowTheMoney (FtM) entity streams, as exported by Aleph and OpenSanctions, onto the
OrgTrace model.

FtM is a graph format already: thing entities (Person, Organization, Company, LegalEntity,
BankAccount, Address, Event) and interval entities that link them (Payment, Membership,
Directorship, Ownership, Associate, Family, UnknownLink) by entity id. Links may come
before the entities they name, so the file is read twice: pass one maps every thing's FtM
id to its OrgTrace (label, key); pass two builds records. A Payment whose accounts are not
named still becomes a TRANSFER, between the parties' virtual accounts.

The mapping is written out here rather than taken from the ``followthemoney`` package: it
touches a dozen schemata and a few properties each, and the package's dependency tree
(and its model's size) would outweigh that.
"""

from __future__ import annotations

from typing import Any, Iterator

from core.errors import LoadError
from loaders import clean, keys, read
from loaders.records import Issue, NodeRecord, RelRecord, RowResult

PARTY_SCHEMATA = {"Person": "Person", "Organization": "Organization", "Company": "Organization",
                  "LegalEntity": "Organization", "PublicBody": "Organization"}
THING_SCHEMATA = {**PARTY_SCHEMATA, "BankAccount": "BankAccount", "Address": "Address", "Event": "Event"}
LINK_SCHEMATA = {"Payment", "Membership", "Directorship", "Ownership", "Associate", "Family", "UnknownLink"}


def _first(props: dict, *names: str) -> Any:
    for name in names:
        values = props.get(name)
        if isinstance(values, list) and values:
            return values[0]
        if values not in (None, "", []) and not isinstance(values, list):
            return values
    return None


class FtmSource:
    """One FtM JSON-lines file, read in two streamed passes."""

    version = "ftm-1"

    def __init__(self, path):
        self.table = read.iter_table(path)
        if self.table.format != "jsonl":
            raise LoadError(f"{self.table.path.name} is not a FollowTheMoney JSON-lines file "
                            f"(one JSON object per line).", file=self.table.path.name)
        self.scope = read.sha256_file(path)[:12]
        self.things: dict[str, NodeRecord] = {}

    # ---------------------------------------------------------------- pass one

    def _thing(self, row: int, entity: dict) -> NodeRecord | None:
        schema = entity.get("schema")
        props = entity.get("properties") or {}
        label = THING_SCHEMATA.get(schema or "")
        if label is None:
            return None
        name = clean.normalize_name(_first(props, "name", "title"))
        if label == "Person":
            check = clean.check_resident_id(_first(props, "idNumber", "nationalId", "passportNumber"))
            phone = clean.normalize_phone(_first(props, "phone"))
            key = keys.person_key(check, name, phone, self.scope)
            out = {"name": name, "phone": phone, "id_number": check.number, "id_valid": check.valid if check.number else None,
                   "birth_date": _safe_date(_first(props, "birthDate"))}
        elif label == "Organization":
            code = clean.check_credit_code(_first(props, "registrationNumber", "uscCode", "taxNumber", "ogrnCode"))
            key = keys.org_key(code, name)
            out = {"name": name, "credit_code": code.number if code.valid else None,
                   "foreign": (_first(props, "jurisdiction", "country") or "cn").lower() not in ("cn", "zh")}
        elif label == "BankAccount":
            key = keys.account_key(_first(props, "accountNumber", "iban", "bic"))
            out = {"number": key, "bank": _first(props, "bankName"), "kind": "account"}
        elif label == "Address":
            key = clean.normalize_address(_first(props, "full", "street", "name"))
            out = {"text": key}
        else:  # Event
            date = _safe_date(_first(props, "date", "startDate"))
            key = keys.composite_key("ftm", entity.get("id"))
            out = {"name": name, "date": date, "place": _first(props, "location", "country")}
        if not key:
            return None
        node = NodeRecord(label, key, {k: v for k, v in out.items() if v not in (None, "")}, row)
        if label == "Organization":
            node.resolve_by_name = key.startswith("name:")
            node.adopt_name_key = not node.resolve_by_name and bool(name)
        return node

    def _pass_one(self) -> None:
        for chunk in self.table.chunks():
            for row, entity in chunk:
                if "__error__" in entity or not isinstance(entity, dict):
                    continue
                node = self._thing(row, entity)
                if node is not None and entity.get("id"):
                    self.things[str(entity["id"])] = node

    # ---------------------------------------------------------------- pass two

    def results(self, chunk_rows: int) -> Iterator[tuple[list[tuple[int, dict]], list[RowResult]]]:
        self._pass_one()
        for chunk in self.table.chunks():
            yield chunk, [self._row(row, entity) for row, entity in chunk]

    def _ref(self, props: dict, name: str) -> NodeRecord | None:
        ref = _first(props, name)
        if isinstance(ref, dict):   # nested entity
            ref = ref.get("id")
        return self.things.get(str(ref)) if ref is not None else None

    def _row(self, row: int, entity: dict) -> RowResult:
        result = RowResult()
        if "__error__" in entity:
            result.rejects.append(Issue(row, None, "bad_json", entity["__error__"]))
            return result
        schema = entity.get("schema")
        props = entity.get("properties") or {}
        if schema in THING_SCHEMATA:
            node = self.things.get(str(entity.get("id")))
            if node is None:
                result.rejects.append(Issue(row, "properties", "missing_value",
                                            f"{schema} {entity.get('id')} has no name or number to key it by"))
                return result
            result.nodes.append(node)
            if schema in PARTY_SCHEMATA and _first(props, "address", "addressEntity"):
                text = clean.normalize_address(_first(props, "address"))
                if text:
                    address = NodeRecord("Address", text, {"text": text}, row)
                    result.nodes.append(address)
                    result.rels.append(RelRecord("LOCATED_AT", node, address, {}, row))
            return result
        if schema not in LINK_SCHEMATA:
            result.warnings.append(Issue(row, "schema", "unsupported_schema",
                                         f"FtM schema '{schema}' is not mapped; skipped"))
            return result
        return self._link(row, schema, props, result, entity)

    def _link(self, row: int, schema: str, props: dict, result: RowResult, entity: dict) -> RowResult:
        ends = {"Membership": ("member", "organization", "MEMBER_OF"),
                "Directorship": ("director", "organization", "LEADS"),
                "Associate": ("person", "associate", "ASSOCIATE_OF"),
                "Family": ("person", "relative", "FAMILY_OF"),
                "UnknownLink": ("subject", "object", "LINKED_TO"),
                "Ownership": ("owner", "asset", "OWNS"),
                "Payment": ("payer", "beneficiary", "TRANSFER")}
        source_prop, target_prop, rel_type = ends[schema]
        source, target = self._ref(props, source_prop), self._ref(props, target_prop)
        if source is None or target is None:
            missing = source_prop if source is None else target_prop
            result.rejects.append(Issue(row, missing, "missing_value",
                                        f"{schema} names no known entity as '{missing}'"))
            return result
        role = _first(props, "role", "relationship")
        if schema == "Payment":
            return self._payment(row, props, source, target, result, entity)
        if schema == "Ownership" and target.label == "BankAccount":
            rel_type = "HOLDS"
        result.nodes += [source, target]
        merge_on = {"role": role} if rel_type == "LEADS" and role else {}
        rel_props = {"role": role} if rel_type in ("LEADS", "LINKED_TO") else (
            {"relationship": role} if rel_type in ("ASSOCIATE_OF", "FAMILY_OF") else {})
        if rel_type == "LEADS" and not role:
            rel_props = merge_on = {"role": "董事"}
        if rel_type == "OWNS":
            rel_props = {"share": _first(props, "percentage", "sharesCount")}
        result.rels.append(RelRecord(rel_type, source, target, {k: v for k, v in rel_props.items() if v},
                                     row, merge_on))
        return result

    def _payment(self, row: int, props: dict, payer: NodeRecord, payee: NodeRecord, result: RowResult,
                 entity: dict) -> RowResult:
        try:
            amount = clean.parse_amount(str(_first(props, "amount", "amountEur", "amountUsd") or ""))
            when = clean.parse_datetime(str(_first(props, "date", "startDate") or ""))
        except ValueError as exc:
            result.rejects.append(Issue(row, "amount/date", "bad_amount" if "amount" in str(exc) else "bad_date",
                                        str(exc)))
            return result
        if amount is None or when is None:
            result.rejects.append(Issue(row, "amount" if amount is None else "date", "missing_value",
                                        "a payment needs an amount and a date"))
            return result
        accounts = []
        for party, account_prop in ((payer, "payerAccount"), (payee, "beneficiaryAccount")):
            account = self._ref(props, account_prop)
            if account is None:
                key = keys.virtual_account_key(party.key)
                account = NodeRecord("BankAccount", key, {"number": key, "kind": "virtual"}, row)
            result.nodes += [party, account]
            result.rels.append(RelRecord("HOLDS", party, account, {}, row))
            accounts.append(account)
        tx_id = _first(props, "transactionNumber", "sequenceNumber") or f"ftm:{entity.get('id')}"
        value = float(abs(amount))
        tx_key = keys.transfer_key(str(tx_id), accounts[0].key, accounts[1].key, when.isoformat(), value)
        rel_props = {"amount": value, "time": when, "memo": _first(props, "purpose", "summary", "description"),
                     "tx_id": str(tx_id), "tx_key": tx_key, "channel": "ftm", "cash": False,
                     "currency": _first(props, "currency")}
        result.rels.append(RelRecord("TRANSFER", accounts[0], accounts[1],
                                     {k: v for k, v in rel_props.items() if v is not None}, row, {}, tx_key))
        return result


def _safe_date(text: Any):
    try:
        return clean.parse_date(str(text)) if text else None
    except ValueError:
        return None


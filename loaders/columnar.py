"""Statement files cleaned a chunk at a time, as columns (the fast path of a load).

A bank statement or a transfer list repeats the same few thousand accounts, holders and
banks on every line; only the time, the amount and the transaction id are new. Row by
row (:meth:`Mapping.apply`, the reference) every line pays for every cleaner, record
and batch again. Here a chunk is taken as columns:

- each column's distinct texts are cleaned once, by the mapping's own converters (a value
  whose cleaning warns, rejects or changes the direction marks its rows "not simple");
- a row's nodes come from memoised templates: the entity rule runs once per distinct set
  of the values it reads;
- its transfer goes out as flat columns (:class:`TransferColumns`) that the writer sends
  in one statement, instead of one record and one parameter map per line.

Every row that is not simple (a warning, a reject, a missing flag, a signed amount, a
name-only organization, a cell that is not text...) is handed to the reference path
unchanged, in row order, and so is every transfer whose key clashes: shown again by a line
the reference decides on, shown as another transfer in the chunk, or already in the
database (the writer checks). The same transfer on several simple lines of a chunk (the
payer's and the payee's statement) is one entry with every line's row, as the reference
merges it. Nodes go to the writer only when their values change. So the fast
path never decides anything the reference would decide otherwise; ``tests/
test_columnar_load.py`` loads the same files both ways and compares the whole graph, the
reports, the rejects and the warnings.

Which mappings qualify is decided from their shape (:func:`plan_for`): entities built by
the person, party and account rules (with a cash or virtual fallback), relationships
without conditions, and exactly one TRANSFER between two accounts. The built-in ``bank``
and ``transfers`` kinds do; any other mapping loads row by row, as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from bisect import bisect_right
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import attrgetter, eq, itemgetter
from typing import Any

from loaders import keys
from loaders.mapping import (_FORMULA_START, _SIMPLE_AMOUNT, _SIMPLE_DATETIME, EMPTY, MAX_FIELD_CHARS, Mapping,
                             Reject, Values, _datetime, rule_account, rule_party, rule_person)
from loaders.read import EXTRA_KEY, WARNINGS_KEY
from loaders.records import NodeRecord, RelRecord, RowResult
from loaders.writer import CREATE_ONLY, _value_key

#: Field types cleaned once per distinct text (their values repeat down a statement).
_PER_ROW_TYPES = frozenset({"amount", "datetime"})
#: Field types kept as written (trimmed): cleaned inline, row by row.
_PLAIN_TEXT = frozenset({"string", "text"})
_FAST_RULES = {rule_person, rule_party, rule_account}
#: Bound on each column's memo of cleaned texts, each entity's templates and the records
#: and relationships the plan remembers (memory stays flat on any file). 200,000 against
#: 100,000: whole-demo dry run 54.8 s against 56.5 s of CPU (medians of 2), peak unchanged.
MEMO_LIMIT = 200_000
#: Bound on the node keys whose written values the plan remembers (the writer's is 400,000).
KNOWN_LIMIT = 300_000
_EMPTY_CELL = (None, None, False)
_NOT_SIMPLE = (None, None, True)
_MISSING = object()
#: a cell's value the reference path is to decide (its row is not simple)
_ODD = object()
_label_key = attrgetter("label", "key")


_fromisoformat = dt.datetime.fromisoformat


def _all_text(cells: Any) -> bool:
    """Every cell is a str (C speed)."""
    return set(map(type, cells)) == {str}


def _datetime_value(text: str) -> Any:
    try:
        return _datetime(text)
    except ValueError:
        return _ODD
_NOT_SIMPLE_NODE = object()
#: The result of a simple row: nothing to report (its records travel with the chunk).
SIMPLE = RowResult()


@dataclass
class TransferColumns:
    """A chunk's new transfers as parallel lists (one entry per transfer), for one write
    statement. ``props`` maps each property of the mapping's TRANSFER to its column;
    temporal values are ISO text (the server parses them). A transfer read from several
    lines of the chunk (the payer's and the payee's statement) is one entry with several
    sightings, as the reference merges them: the first line's values, every line's row."""
    source_label: str
    target_label: str
    prop_names: tuple[str, ...]
    temporal: frozenset[str]
    keys: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    props: dict[str, list[Any]] = field(default_factory=dict)
    #: per transfer, its end records (so one that turns out to exist already can go the
    #: reference way) and its row index in the chunk
    _ends: list[tuple[NodeRecord, NodeRecord]] = field(default_factory=list)
    at: list[int] = field(default_factory=list)
    #: per entry, the indexes in ``master`` of the lines that showed it (first line first)
    sightings: list[list[int]] | None = None
    master: "TransferColumns | None" = None

    def __post_init__(self) -> None:
        self.props = {name: [] for name in self.prop_names}

    def __len__(self) -> int:
        return len(self.keys)

    def _lines(self, i: int) -> list[int]:
        return self.sightings[i] if self.sightings is not None else [i]

    def refs(self) -> list[list[int]]:
        """Per entry, the rows of the lines that showed it."""
        master = self.master or self
        return [[master.rows[m] for m in self._lines(i)] for i in range(len(self.keys))]

    def more_rows(self) -> dict[str, list[int]]:
        """Per entry read from several lines (by its index, as text), the rows of the lines
        after the first (that row is ``rows[i]``)."""
        if self.sightings is None:
            return {}
        master = self.master or self
        return {str(i): [master.rows[m] for m in lines[1:]] for i, lines in enumerate(self.sightings)
                if len(lines) > 1}

    def repeated_rows(self) -> list[int]:
        """Rows that showed a transfer another line of the chunk showed first (duplicates)."""
        master = self.master or self
        return [master.rows[m] for i in range(len(self.keys)) for m in self._lines(i)[1:]]

    def records(self, i: int) -> list[RelRecord]:
        """Entry i as the reference path's records, one per line that showed it."""
        master = self.master or self
        return [master._record(m) for m in self._lines(i)]

    def _record(self, i: int) -> RelRecord:
        a, b = self._ends[i]
        props = {}
        for name in self.prop_names:
            value = self.props[name][i]
            if value is not None:
                props[name] = dt.datetime.fromisoformat(value) if name in self.temporal else value
        props["tx_key"] = self.keys[i]
        return RelRecord("TRANSFER", a, b, props, self.rows[i], {}, self.keys[i])

    def select(self, entries: list[int], sightings: list[list[int]] | None = None) -> "TransferColumns":
        """The entries at ``entries`` (indexes here), each with its lines (indexes in the
        master; default: itself)."""
        out = TransferColumns(self.source_label, self.target_label, self.prop_names, self.temporal)
        out.keys = [self.keys[i] for i in entries]
        out.sources = [self.sources[i] for i in entries]
        out.targets = [self.targets[i] for i in entries]
        out.rows = [self.rows[i] for i in entries]
        out.at = [self.at[i] for i in entries]
        out._ends = [self._ends[i] for i in entries]
        out.props = {name: [column[i] for i in entries] for name, column in self.props.items()}
        out.master = self.master or self
        out.sightings = sightings if sightings is not None else [self._lines(i) for i in entries]
        return out

    def without(self, indexes: set[int]) -> "TransferColumns":
        """The same columns less the entries at ``indexes``."""
        return self.select([i for i in range(len(self.keys)) if i not in indexes])


@dataclass
class ColumnarChunk:
    """What a chunk gives the pipeline: per row, its :class:`RowResult` for the report
    (``SIMPLE`` for a simple row; the reference result, records removed, for the others),
    and the chunk's records for the writer."""
    results: list[RowResult]
    nodes: list[NodeRecord]
    rels: list[RelRecord]
    transfers: TransferColumns


class _Entity:
    def __init__(self, name: str, entity: Any):
        self.name = name
        self.rule = entity.rule
        self.spec = entity.spec
        self.fallback = entity.fallback
        raw = entity.spec.raw
        refs: list[str] = []
        for key in ("name", "phone", "number", "text", "id", "code"):
            ref = raw.get(key)
            refs.extend(ref if isinstance(ref, list) else [ref] if isinstance(ref, str) else [])
        for ref in (raw.get("set") or {}).values():
            refs.extend(ref if isinstance(ref, list) else [ref] if isinstance(ref, str) else [])
        #: the fields the rule reads (constants '=...' are not fields)
        self.inputs = tuple(dict.fromkeys(r for r in refs if not r.startswith("=")))
        #: ID and code fields: their checks (made while cleaning) are handed to the rule
        self.checked = tuple(r for r in (raw.get("id"), raw.get("code")) if isinstance(r, str))
        self.templates: dict[tuple, NodeRecord | None | object] = {}
        #: the records in ``templates``, by (label, key) (``_emit_nodes`` finds a changed
        #: key's records here, not by looking at every record of a chunk); emptied with it
        self.of_key: dict[tuple[str, str], list[NodeRecord]] = {}


class StatementPlan:
    """A qualifying mapping, resolved for column-wise cleaning (see the module text)."""

    def __init__(self, mapping: Mapping, entities: list[_Entity], transfer: Any, others: list[Any]):
        self.mapping = mapping
        self.entities = entities
        self.by_name = {e.name: e for e in entities}
        self.transfer = transfer
        self.others = others
        spec = transfer.spec
        self.transfer_set = [(prop, ref if isinstance(ref, list) else [ref])
                             for prop, ref in (spec.raw.get("set") or {}).items()]
        self.transfer_const = list((spec.raw.get("const") or {}).items())
        fields = mapping.fields
        self.temporal = frozenset(prop for prop, refs in self.transfer_set
                                  if any(fields[r].type in ("datetime", "day_number") for r in refs))
        self.prop_names = tuple(dict.fromkeys([*(p for p, _ in self.transfer_set), *(p for p, _ in self.transfer_const),
                                               "cash"]))
        cond = transfer.spec.raw.get("reverse_when")
        self.reverse_field, self.reverse_equals = (cond["field"], cond["equals"]) if cond else (None, None)
        self._memo: dict[str, dict[str, Any]] = {}
        #: per node key: what was emitted for it in this run (folded); records whose
        #: values are all in that (by id; the record is kept, so its id is not reused)
        self._known: dict[tuple[str, str], dict[str, int]] = {}
        self._absorbed: dict[int, NodeRecord] = {}
        #: per node key, the ids of its records in ``_absorbed``: when the key's values
        #: change, none of them may count as absorbed any more (one that says the old value
        #: again changes the node back, as the reference writes it)
        self._absorbed_of: dict[tuple[str, str], list[int]] = {}
        #: the chunk's rows whose direction-bearing amount has a minus sign (``_per_row``)
        self._negative: list[int] = []
        self._fallbacks: dict[str, NodeRecord] = {}
        self._fallbacks_of_key: dict[tuple[str, str], list[NodeRecord]] = {}
        self._plain_sent: dict[tuple, None] = {}
        #: per plain relationship: the pairs of records (by ids) whose relationship is in
        #: ``_plain_sent``, so a chunk's repeats are left out before building their keys
        self._pairs_sent: list[dict[tuple[int, int], tuple]] = [{} for _ in self.others]

    # ------------------------------------------------------------------ cleaning

    def _clean_distinct(self, column: str, convert: Any, text: Any) -> tuple:
        """(value, checks, not simple) of one cell text: what the reference makes of it."""
        if text is None:
            return _EMPTY_CELL
        if text.__class__ is not str:
            return _NOT_SIMPLE
        text = text.strip()
        if not text:
            return _EMPTY_CELL
        if len(text) > MAX_FIELD_CHARS:
            return _NOT_SIMPLE
        values = Values(0, self._scope)
        try:
            value = convert(text, column, values)
        except Reject:
            return _NOT_SIMPLE
        if values.warnings or values.sign or values.reversed:
            return _NOT_SIMPLE
        if value.__class__ is dt.datetime and value.tzinfo is not None:
            return _NOT_SIMPLE      # (the reference sends zoned times another way)
        return (value, dict(values.checks) or None, False)

    def _column(self, name: str, column: str, convert: Any, cells: list[Any], simple: list[bool],
                checks: dict[str, list[Any]] | None) -> list[Any]:
        """A column's cleaned values; rows whose cell the reference would warn about,
        reject or read a direction from are marked not simple. (Values, checks and "not
        simple" are kept apart, not as a tuple per cell: taking a chunk's tuples apart cost
        more than cleaning its cells.)"""
        n = len(cells)
        found: list[Any] | None = None
        kind = self.mapping.fields[name].type
        if kind in _PER_ROW_TYPES or kind in _PLAIN_TEXT:     # new on nearly every row: no memo
            values = self._per_row(kind, column, cells)
            if _ODD in values:
                for i in [i for i, v in enumerate(values) if v is _ODD]:
                    values[i] = None
                    simple[i] = False
            if _MISSING in values:
                clean_one = self._clean_distinct
                for i in [i for i, v in enumerate(values) if v is _MISSING]:
                    values[i], checked, odd = clean_one(column, convert, cells[i])
                    if odd:
                        simple[i] = False
                    if checked:
                        if found is None:
                            found = [None] * n
                        found[i] = checked
        else:
            memo = self._memo.get(name)
            if memo is None or len(memo[0]) > MEMO_LIMIT:
                memo = self._memo[name] = ({}, {}, set())
            values_of, checks_of, odd_texts = memo     # text -> value; text -> checks; texts not simple
            values = list(map(values_of.get, cells, repeat(_MISSING, n)))
            if _MISSING in values:
                for i in [i for i, v in enumerate(values) if v is _MISSING]:
                    text = cells[i]
                    value = values_of.get(text, _MISSING)    # (a text twice in the chunk: cleaned once)
                    if value is _MISSING:
                        value, checked, odd = self._clean_distinct(column, convert, text)
                        values_of[text] = value
                        if checked:
                            checks_of[text] = checked
                        if odd:
                            odd_texts.add(text)
                    values[i] = value
            if odd_texts and not odd_texts.isdisjoint(cells):
                for i in [i for i, text in enumerate(cells) if text in odd_texts]:
                    simple[i] = False
            if checks_of and checks is not None:
                found = list(map(checks_of.get, cells))
        if checks is not None:
            checks[name] = found if found is not None else [None] * n
        return values

    def _per_row(self, kind: str, column: str, cells: list[Any]) -> list[Any]:
        """Amounts, date-times and plain text: the usual spellings cleaned inline (as the
        converters' own shortcuts do); _ODD where the reference would decide (not simple),
        _MISSING where the converter is to say."""
        if kind == "amount":
            match = _SIMPLE_AMOUNT.fullmatch
            f = self.mapping.fields[self._field_of_column[column]]
            bound, nonzero = f.plausible, f.nonzero
            values = [((v if (v := float(t)) <= bound and not (nonzero and v == 0) else _ODD)
                       if t.__class__ is str and match(t) else _MISSING) for t in cells]
            if f.negative_reverses and f.sign_deferred and _MISSING in values:
                # '-1234.56' on a flagged line: banks print outflows so. The absolute amount,
                # as the reference takes it; the row stays simple only where its flag says
                # money out (``_row_checks``): elsewhere the reference weighs the sign.
                negative = self._negative
                for i in [i for i, v in enumerate(values) if v is _MISSING]:
                    t = cells[i]
                    if t.__class__ is str and t[:1] == "-" and match(t, 1):
                        v = float(t[1:])
                        values[i] = v if v <= bound and not (nonzero and v == 0) else _ODD
                        negative.append(i)
            return values
        if kind == "datetime":
            match = _SIMPLE_DATETIME.fullmatch
            # The usual chunk: every time 'YYYY-MM-DD HH:MM:SS' between 1900 and 2100 (as
            # text: the year leads), parsed by the C parser; these are the very times
            # mapping._parse_datetime makes of such texts. Anything else, cell by cell.
            if cells and _all_text(cells) and min(cells) >= "1900" and max(cells) < "2101" \
                    and all(map(match, cells)):
                try:
                    return list(map(_fromisoformat, cells))
                except ValueError:      # (an impossible date: the reference says why)
                    pass
            return [_MISSING if t.__class__ is not str or not match(t) else _datetime_value(t) for t in cells]
        # plain text: kept as written, trimmed; a formula-like start goes the reference way
        return [_MISSING if t.__class__ is not str else
                (None if not (v := t.strip()) else
                 v if v[0] not in _FORMULA_START and len(v) <= MAX_FIELD_CHARS else _ODD)
                for t in cells]

    # ------------------------------------------------------------------ a chunk

    def apply_chunk(self, chunk: list[tuple[int, dict]], found: dict[str, str], scope: str) -> ColumnarChunk:
        mapping = self.mapping
        self._scope = scope
        n = len(chunk)
        row_numbers = [row for row, _ in chunk]
        simple = [not (raw.get(WARNINGS_KEY) or raw.get(EXTRA_KEY)) for _, raw in chunk]
        self._negative = []
        checked = {f for e in self.entities for f in e.checked}
        checks: dict[str, list[Any]] = {}
        nothing = [None] * n          # a field the file lacks: empty on every row
        cols: dict[str, list[Any]] = {}
        self._field_of_column = {column: name for name, column in found.items()}
        fields = mapping._fields_of(found)
        for (name, column, convert), cells in zip(fields, _columns(chunk, [column for _, column, _ in fields])):
            cols[name] = self._column(name, column, convert, cells, simple, checks if name in checked else None)
        col = lambda f: cols.get(f, nothing)   # noqa: E731
        self._row_checks(col, simple)

        # nodes: one template per distinct set of an entity's inputs, looked up column-wise
        tcols: dict[str, list[Any]] = {}
        for e in self.entities:
            inputs = list(zip(*[col(f) for f in e.inputs])) if e.inputs else [()] * n
            tcol = list(map(e.templates.get, inputs, repeat(_MISSING, n)))
            for i in [i for i, t in enumerate(tcol) if t is _MISSING]:
                t = e.templates.get(inputs[i], _MISSING)
                if t is _MISSING:
                    t = e.templates[inputs[i]] = self._template(e, inputs[i], row_numbers[i], checks, i)
                tcol[i] = t
            if e.fallback:
                ofcol = tcols[e.fallback["of"]]
                kind = e.fallback["kind"]
                tcol = [self._fallback(of, kind) if t is None and of is not None and of is not _NOT_SIMPLE_NODE else t
                        for t, of in zip(tcol, ofcol)]
            for i in [i for i, t in enumerate(tcol) if t is _NOT_SIMPLE_NODE]:
                simple[i] = False
            tcols[e.name] = tcol

        # the reference for every row that is not simple, in place
        results: list[RowResult] = [SIMPLE] * n
        per_row_nodes: list[tuple] = list(zip(*[tcols[e.name] for e in self.entities]))
        made_here: list[NodeRecord] = []      # the reference's records (not templates)
        keyed: list[tuple[int, RelRecord]] = []       # (row index, record): transfers the reference writes
        plain: dict[tuple, tuple[int, RelRecord]] = {}   # non-keyed relationship -> first occurrence
        for i in [i for i in range(n) if not simple[i]]:
            result = mapping.apply(row_numbers[i], chunk[i][1], found, scope)
            results[i] = RowResult(warnings=result.warnings, rejects=result.rejects)
            per_row_nodes[i] = tuple(result.nodes) if not result.rejects else ()
            made_here.extend(per_row_nodes[i])
            for r in (result.rels if not result.rejects else ()):
                if r.key is not None:
                    keyed.append((i, r))
                else:
                    ident = _rel_ident(r)
                    if ident not in plain:
                        plain[ident] = (i, r)
        fast = [i for i in range(n) if simple[i]]

        # non-keyed relationships of the simple rows (HOLDS): the first occurrence of each
        fast_at = itemgetter(*fast) if len(fast) > 1 else (lambda c: tuple(c[i] for i in fast))  # noqa: E731
        for rel, pairs_sent in zip(self.others, self._pairs_sent):
            scol, tcol = tcols[rel.source], tcols[rel.target]
            # each distinct pair of records once, at its first row (C speed: ids, not records),
            # leaving out the pairs of records whose relationship an earlier chunk sent
            firsts = dict(zip(reversed(list(zip(map(id, fast_at(scol)), map(id, fast_at(tcol))))), reversed(fast)))
            for i in sorted(firsts[pair] for pair in set(firsts).difference(pairs_sent)):
                s_node, t_node = scol[i], tcol[i]
                if s_node is None or t_node is None:
                    continue
                pairs_sent[(id(s_node), id(t_node))] = (s_node, t_node)     # (kept: ids stay theirs)
                ident = (rel.type, s_node.label, s_node.key, t_node.label, t_node.key, ())
                if ident not in plain or plain[ident][0] > i:
                    plain[ident] = (i, RelRecord(rel.type, s_node, t_node, {}, row_numbers[i], {}, None))

        # transfers of the simple rows, as columns. A key that a simple line of the chunk
        # shows again is one transfer with several lines when every line says the same
        # transfer (the reference merges them so); any other repeat goes the reference way.
        made = self._transfers(fast, row_numbers, col, tcols)
        complex_keys = {r.key for _, r in keyed}
        if len(set(made.keys)) == len(made.keys) and complex_keys.isdisjoint(made.keys):
            columns = made       # (the usual chunk: every transfer on one line of it)
        else:
            lines: dict[str, list[int]] = {}
            for j, key in enumerate(made.keys):
                lines.setdefault(key, []).append(j)
            entries, sightings = [], []
            for key, group in lines.items():
                if key not in complex_keys and all(_same(made, group[0], j) for j in group[1:]):
                    entries.append(group[0])
                    sightings.append(group)
                else:
                    keyed.extend((made.at[j], made._record(j)) for j in group)
            columns = made.select(entries, sightings)
        keyed.sort(key=lambda item: item[0])
        # a plain relationship is written once per run (its first row): those sent before
        # are left out here, as the writer would leave them out (it remembers them too)
        sent = self._plain_sent
        rels = [r for ident, (_, r) in plain.items() if ident not in sent] + [r for _, r in keyed]
        sent_full = len(sent) > MEMO_LIMIT * 2
        if sent_full:
            sent.clear()
        for pairs_sent in self._pairs_sent:     # (a shortcut to ``sent``: emptied with it, bounded too)
            if sent_full or len(pairs_sent) > MEMO_LIMIT:
                pairs_sent.clear()
        sent.update(dict.fromkeys(plain))
        nodes = self._emit_nodes(per_row_nodes, row_numbers, made_here)
        self._bound_templates()
        return ColumnarChunk(results, nodes, rels, columns)

    def _bound_templates(self) -> None:
        """Each entity's templates (and the cash and virtual accounts) forgotten once they
        pass the bound: between chunks, so every record of a chunk is in a registry while
        its nodes are emitted."""
        for e in self.entities:
            if len(e.templates) > MEMO_LIMIT:
                e.templates.clear()
                e.of_key.clear()
        if len(self._fallbacks) > MEMO_LIMIT:
            self._fallbacks.clear()
            self._fallbacks_of_key.clear()

    def _row_checks(self, col: Any, simple: list[bool]) -> None:
        """Rows the reference would reject or decide something on: not simple."""
        mapping = self.mapping
        n = len(simple)
        for name in mapping._required:
            values = col(name)
            for i in [i for i in range(n) if values[i] in EMPTY]:
                simple[i] = False
        for group in mapping.require_any:
            cols = [col(g) for g in group]
            for i in range(n):
                if all(c[i] in (None, "") for c in cols):
                    simple[i] = False
        if mapping.split_amount is not None:
            values = col(mapping.split_amount["into"])
            for i in [i for i in range(n) if values[i] is None]:
                simple[i] = False
        if mapping._sign_deferred:
            flags = [col(f) for f in mapping._flag_fields] if mapping.flag_decides else []
            for i in range(n):
                if not any(c[i] is not None for c in flags):
                    simple[i] = False     # no flag: the sign rule speaks, with a warning
            for i in self._negative:      # a minus with a flag that says money in: a warning
                if next((c[i] for c in flags if c[i] is not None), None) != "out":
                    simple[i] = False

    def _template(self, e: _Entity, inputs: tuple, row_number: int, checks: dict[str, list[Any]], i: int) -> Any:
        """The entity's node for these inputs (the rule run once), or _NOT_SIMPLE_NODE for
        one the writer would re-key (a name-only organization takes the key of an existing
        one of that name)."""
        values = Values(row_number, self._scope)
        for f, value in zip(e.inputs, inputs):
            values[f] = value
        for f in e.checked:    # (an ID's or a code's check follows from its cleaned value, an input)
            found = checks.get(f)
            if found is not None and found[i]:
                values.checks.update(found[i])
        node = e.rule(values, e.spec)
        if node is not None and node.resolve_by_name:     # the writer would re-key it
            return _NOT_SIMPLE_NODE
        if node is not None:
            e.of_key.setdefault((node.label, node.key), []).append(node)
        return node

    def _fallback(self, of: NodeRecord, kind: str) -> NodeRecord:
        key = keys.cash_key(of.key) if kind == "cash" else keys.virtual_account_key(of.key)
        node = self._fallbacks.get(key)
        if node is None:
            node = self._fallbacks[key] = NodeRecord("BankAccount", key, {"number": key, "kind": kind}, of.row)
            self._fallbacks_of_key.setdefault((node.label, key), []).append(node)
        return node

    def _transfers(self, fast: list[int], row_numbers: list[int], col: Any, tcols: dict) -> "TransferColumns":
        """Each simple row's transfer as :meth:`Mapping._build` makes it, column-wise."""
        rel = self.transfer
        scol, tcol = tcols[rel.source], tcols[rel.target]
        at = [i for i in fast if scol[i] is not None and tcol[i] is not None]
        take = _taker(at)
        payers, payees = take(scol), take(tcol)
        if self.reverse_field is not None:
            reverse = list(map(eq, take(col(self.reverse_field)), repeat(self.reverse_equals)))
            if any(reverse):
                payers, payees = ([b if r else a for a, b, r in zip(payers, payees, reverse)],
                                  [a if r else b for a, b, r in zip(payers, payees, reverse)])
        out = TransferColumns("BankAccount", "BankAccount", self.prop_names, self.temporal)
        props = out.props
        for prop, refs in self.transfer_set:
            if len(refs) == 1:
                props[prop] = take(col(refs[0]))      # (cleaned cells: None when empty, never "")
            else:
                cs = [col(r) for r in refs]
                props[prop] = [next((c[i] for c in cs if c[i] is not None and c[i] != ""), None) for i in at]
        for prop, value in self.transfer_const:
            props[prop] = [value] * len(at)
        props["cash"] = [a.props.get("kind") == "cash" or b.props.get("kind") == "cash" for a, b in zip(payers, payees)]
        nothing = [None] * len(at)
        tx_ids, times, amounts = props.get("tx_id", nothing), props.get("time", nothing), props.get("amount", nothing)
        for prop in self.temporal:
            props[prop] = [None if w is None else w.isoformat() for w in props[prop]]
        out.sources = [a.key for a in payers]
        out.targets = [b.key for b in payees]
        iso = props["time"] if "time" in self.temporal else [w.isoformat() if w else None for w in times]
        out.keys = _transfer_keys(tx_ids, out.sources, out.targets, iso, amounts)
        out.rows = take(row_numbers)
        out.at = at
        out._ends = list(zip(payers, payees))
        return out

    def _emit_nodes(self, per_row: list[tuple], row_numbers: list[int],
                    made_here: list[NodeRecord]) -> list[NodeRecord]:
        """The chunk's node records, reduced to what gives the writer the same result.

        The writer folds a key's records in order (later values win; the first record's
        name and row are kept) and skips a key when this run already wrote every value of
        the fold. Equivalent and far shorter: nothing for a key whose every record is
        "absorbed" (each of its values, its name too, is what was emitted for the key
        before: then so is any fold of them); otherwise the fold of the key's first
        occurrence, then each distinct record in the order of its last occurrence, as one
        record (:func:`_folded`). ``made_here``: the records in ``per_row`` that the reference
        path made for this chunk (every other one is in a template or fallback registry)."""
        # Positions count every slot of ``per_row`` (None too): only their order matters,
        # and a row's slots are consecutive (``_RowOf``). Every pass over all of a chunk's
        # slots is at C speed; the Python loops below see only the records that may change
        # something (in a long file: a few hundred of a chunk's 20,000 slots).
        seq = list(chain.from_iterable(per_row))
        ids = list(map(id, seq))
        known_of, absorbed = self._known, self._absorbed
        # ``absorbed`` holds every record it names, so an id found there is that record's
        # (an id is only reused once its object is gone): the set difference says which
        # records of the chunk may change something, at C speed (``set.difference`` of a
        # dict looks up the chunk's ids in it; the ``-`` of two key views would walk all of
        # ``absorbed``, hundreds of thousands of ids, for every chunk)
        distinct = dict(zip(ids, seq))      # id -> record, each once
        distinct.pop(id(None), None)
        pending = set(distinct).difference(absorbed)
        if not pending:
            return []
        first_at: dict[int, int] = {}      # id -> its first position (of the ids looked at)
        last_at: dict[int, int] = {}       # id -> its last position, in order of first occurrence
        node_of: dict[int, NodeRecord] = {}

        def locate(wanted: set[int]) -> None:
            positions = list(compress(count(), map(wanted.__contains__, ids)))
            for pos in positions:
                ident = ids[pos]
                if ident not in first_at:
                    first_at[ident] = pos
                    node_of[ident] = seq[pos]
                last_at[ident] = pos
        locate(pending)
        dirty: dict[tuple[str, str], None] = {}
        for ident in list(first_at):    # (in order of first occurrence)
            node = node_of[ident]
            key = (node.label, node.key)
            known = known_of.get(key)
            if known is not None and all(known.get(k) == v for k, v in _values(node).items()):
                self._absorb(ident, node, key)
            else:
                dirty[key] = None
        if not dirty:
            return []
        # every record of a dirty key in the chunk, absorbed ones too (the fold takes them
        # all): a chunk's records are templates, cash or virtual accounts (each in its
        # registry, by key) or the reference's (``made_here``)
        registries = [e.of_key for e in self.entities] + [self._fallbacks_of_key]
        wanted: list[int] = []
        for key in dirty:
            for registry in registries:
                found = registry.get(key)
                if found is not None:
                    wanted.extend(map(id, found))
        wanted.extend(id(node) for node in made_here if (node.label, node.key) in dirty)
        locate(set(filter(distinct.__contains__, wanted)).difference(first_at))
        members: dict[tuple[str, str], list[int]] = {key: [] for key in dirty}
        for ident in sorted(first_at, key=first_at.__getitem__):
            group = members.get(_label_key(node_of[ident]))
            if group is not None:
                group.append(ident)
        rows = _RowOf(per_row, row_numbers)
        out: list[NodeRecord] = []
        for key, group in members.items():
            if len(group) == 1 and key not in known_of:     # the usual: one record, new to the run
                node = node_of[group[0]]
                known_of[key] = dict(_values(node))     # (its fold: its values and its name)
                self._unabsorb(key)     # (records of a key whose known values were dropped)
                self._absorb(group[0], node, key)
                row = rows[first_at[group[0]]]
                if node.row == row:
                    out.append(node)
                elif not (node.resolve_by_name or node.adopt_name_key):     # (as _folded, unfiltered:
                    out.append(NodeRecord(node.label, node.key, node.props, row,   # the writer filters)
                                          False, False, node.match_name))
                else:
                    out.extend(_folded(node, [node], row))
                continue
            start = min(first_at[m] for m in group)
            order = [node_of[m] for m in sorted(group, key=last_at.__getitem__)]
            head = seq[start]
            # every name the key shows here, first seen first (the writer: the first is the
            # name, the others become aliases)
            names = list(dict.fromkeys(filter(None, (node_of[m].props.get("name")
                                                     for m in sorted(group, key=first_at.__getitem__)))))
            fold: dict[str, int] = {}
            for node in order:
                fold.update(_values(node, with_name=False))
            if names:
                fold["\0name"] = _value_key(names[0])
            known = known_of.get(key)
            if known is None:
                known_of[key] = fold
            else:
                known.update(fold)
            self._unabsorb(key)     # (absorbed in earlier chunks against the old values)
            for node in order:      # what is absorbed now that the key's values changed
                if all(known_of[key].get(k) == v for k, v in _values(node).items()):
                    self._absorb(id(node), node, key)
            out.extend(_folded(head, order, rows[start], names))
        # Bounded apart: ``absorbed`` grows with every record object (templates are made
        # again when their memo is full) and is only a shortcut, so it is emptied; the values
        # known per key are what keeps a key from being written again, so only the oldest
        # half goes. (Emptying both at once had every node of the file written again every
        # ~70,000 demo lines, which the writer's own memory then found unchanged.)
        if len(absorbed) > MEMO_LIMIT * 4:
            absorbed.clear()
            self._absorbed_of.clear()
        if len(known_of) > KNOWN_LIMIT:
            for key in list(islice(known_of, len(known_of) // 2)):
                del known_of[key]
        return out

    def _absorb(self, ident: int, node: NodeRecord, key: tuple[str, str]) -> None:
        if ident not in self._absorbed:
            self._absorbed[ident] = node
            self._absorbed_of.setdefault(key, []).append(ident)

    def _unabsorb(self, key: tuple[str, str]) -> None:
        for ident in self._absorbed_of.pop(key, ()):
            self._absorbed.pop(ident, None)


class _RowOf:
    """The row number of a slot position in a chunk's records (``_emit_nodes``)."""

    def __init__(self, per_row: list[tuple], row_numbers: list[int]):
        self.ends = list(accumulate(map(len, per_row)))     # slots up to and with each row
        self.row_numbers = row_numbers

    def __getitem__(self, position: int) -> int:
        return self.row_numbers[bisect_right(self.ends, position)]


def _folded(head: NodeRecord, order: list[NodeRecord], row: int, names: list[str] | None = None) -> list[NodeRecord]:
    """A key's records as the writer folds them: ``head`` (its first occurrence, at
    ``row``) then ``order``, later values winning, the head's row kept, the first of
    ``names`` (every name the records show, first seen first) as the name and the others
    as ``also_named``. One record when none of them is re-keyed or adopts a key by name
    (those the writer resolves record by record): several records per key (an account
    holder is also a counterparty) would be folded again, record by record, on the
    writer's thread."""
    if len(order) == 1 and order[0] is head and head.row == row:
        return order
    if head.resolve_by_name or head.adopt_name_key or any(n.resolve_by_name or n.adopt_name_key for n in order):
        first = head if head.row == row else NodeRecord(head.label, head.key, head.props, row, head.resolve_by_name,
                                                        head.adopt_name_key, head.match_name)
        # (the names in the order the writer meets them here: head, then the others)
        return [first, *order] if names is None or len(names) < 2 else \
            [NodeRecord(first.label, first.key, first.props, first.row, first.resolve_by_name,
                        first.adopt_name_key, first.match_name, tuple(names)), *order]
    props: dict[str, Any] = {}
    for node in (head, *order):
        props.update({k: v for k, v in node.props.items() if v is not None and k not in CREATE_ONLY})
    if names is None:
        names = [head.props["name"]] if head.props.get("name") is not None else []
    if names:
        props["name"] = names[0]
    return [NodeRecord(head.label, head.key, props, row, False, False, head.match_name, tuple(names[1:]))]


def _taker(indexes: list[int]) -> Any:
    """A function giving a list of the items at ``indexes`` of a sequence (C speed)."""
    if len(indexes) > 1:
        get = itemgetter(*indexes)
        return lambda seq: list(get(seq))
    return lambda seq: [seq[i] for i in indexes]


def _columns(chunk: list[tuple[int, dict]], columns: list[str]) -> list[tuple]:
    """The chunk's cells of each column (None where a row lacks the column), by column."""
    if not columns:
        return []
    if len(columns) == 1:
        return [tuple(raw.get(columns[0]) for _, raw in chunk)]
    rows = [raw for _, raw in chunk]
    try:
        cells = list(map(itemgetter(*columns), rows))      # (C speed; every row has every column)
    except KeyError:
        cells = [tuple(raw.get(c) for c in columns) for raw in rows]
    return list(zip(*cells)) if cells else [() for _ in columns]


def _transfer_keys(tx_ids: list[Any], sources: list[str], targets: list[str], times: list[Any],
                   amounts: list[Any]) -> list[str]:
    """keys.transfer_key of each line. The usual statement's ids are all digits (no white
    space, no case): then the key is the id itself, "id:"-prefixed, at C speed."""
    if tx_ids and None not in tx_ids and "" not in tx_ids:
        try:
            digits = "".join(tx_ids).isdigit()
        except TypeError:       # (a cell that is not text)
            digits = False
        if digits:
            return list(map("id:".__add__, tx_ids))
    key_of = keys.transfer_key
    return [key_of(t, a, b, w or "", 0.0 if m is None else m)
            for t, a, b, w, m in zip(tx_ids, sources, targets, times, amounts)]


def _same(made: TransferColumns, i: int, j: int) -> bool:
    """Lines i and j show the same transfer: the same ends, the same amount to the cent
    (as GraphWriter's _same_transfer)."""
    amounts = made.props.get("amount")
    cents = (lambda v: None if v is None else round(float(v) * 100))   # noqa: E731
    return (made.sources[i], made.targets[i]) == (made.sources[j], made.targets[j]) and \
        (amounts is None or cents(amounts[i]) == cents(amounts[j]))


def _rel_ident(r: RelRecord) -> tuple:
    return (r.type, r.source.label, r.source.key, r.target.label, r.target.key,
            tuple(sorted(r.merge_on.items())) if r.merge_on else ())


def _values(node: NodeRecord, with_name: bool = True) -> dict[str, int]:
    """What the writer compares of a record (GraphWriter._node_batches, _node_unchanged):
    its properties but the name, as value keys, and its name. Computed once per record."""
    cached = node.__dict__.get("_compared")
    if cached is None:
        cached = {}
        for k, v in node.props.items():
            if v is not None and k not in CREATE_ONLY:
                cached[k] = _value_key(list(v) if isinstance(v, tuple) else v)
        name = node.props.get("name")
        node.__dict__["_compared"] = cached = (cached, {**cached, "\0name": _value_key(name)} if name is not None
                                               else cached)
    return cached[1] if with_name else cached[0]




def plan_for(mapping: Mapping) -> StatementPlan | None:
    """The column-wise plan of a statement-shaped mapping, or None (load row by row)."""
    entities = []
    for name, entity in mapping._entities.items():
        if entity.has_each or entity.rule not in _FAST_RULES:
            return None
        if entity.fallback and entity.fallback.get("kind") not in ("cash", "virtual"):
            return None
        resolved = _Entity(name, entity)
        if any(f not in mapping.fields or mapping.fields[f].type == "list" for f in resolved.inputs):
            return None
        entities.append(resolved)
    transfers = [r for r in mapping._relationships if r.transfer]
    others = [r for r in mapping._relationships if not r.transfer]
    if len(transfers) != 1:
        return None
    transfer = transfers[0]
    if transfer.when is not None or transfer.merge_on:
        return None
    cond = transfer.spec.raw.get("reverse_when")
    if cond is not None and set(cond) != {"field", "equals"}:
        return None
    by_name = {e.name: e for e in entities}
    for end in (transfer.source, transfer.target):
        if by_name[end].rule is not rule_account:
            return None
    for ref in [v for refs in (transfer.spec.raw.get("set") or {}).values()
                for v in (refs if isinstance(refs, list) else [refs])]:
        if not isinstance(ref, str) or ref.startswith("=") or ref not in mapping.fields:
            return None
        if mapping.fields[ref].type not in ("amount", "datetime", "day_number", "string", "text"):
            return None
    for rel in others:
        if rel.when is not None or rel.merge_on or rel.reverse_when is not None or rel.reverse_on_negative \
                or rel.spec.raw.get("set") or rel.spec.raw.get("const"):
            return None
    return StatementPlan(mapping, entities, transfer, others)


__all__ = ["ColumnarChunk", "SIMPLE", "StatementPlan", "TransferColumns", "plan_for"]

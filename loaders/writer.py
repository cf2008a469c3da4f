"""Batched, idempotent writes of loader records (``UNWIND $rows`` + ``MERGE`` on keys).

Every write is a MERGE on the schema's keys with deterministic property values, so
loading a file twice, or again after a failure half-way, converges to the same graph.
One chunk of rows is written in one transaction: nodes first, then relationships.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import chain, count
from typing import TYPE_CHECKING, Any

from neo4j import ManagedTransaction
from neo4j.exceptions import ConstraintError

from graph import schema
from graph.connection import GraphDB, run_released
from graph.provenance import files_of, run_sources
from loaders.records import NodeRecord, RelRecord

if TYPE_CHECKING:
    from loaders.columnar import TransferColumns

#: Node properties set only when the node is created (the first sighting wins).
CREATE_ONLY = ("name",)
#: How many elements the writer remembers having written in a run (bounded memory).
WRITER_MEMORY = 400_000
#: Size of the bitmap of transfer keys a run wrote (32 MB).
_MARK_BITS = 1 << 28


@dataclass(frozen=True)
class Provenance:
    """The file being loaded and its run. Elements record only the run key (and rows): the
    ``LoadRun`` node holds the file name and SHA-256 (provenance by reference,
    ``graph.provenance``)."""
    file: str
    sha256: str
    run_key: str


# ------------------------------------------------------------------ values on the wire
# The Python driver turns every date and date-time into its own temporal classes before
# packing (time zones, nanoseconds): ~170 µs per value, more than the rest of a transfer
# row costs to write. Temporal values therefore travel as ISO text in a side map
# ``row.t`` ({property: [kind, text]}) and the server parses them (date(),
# localdatetime(), datetime()), which costs it microseconds. Same stored values.

_DATE, _LOCAL, _ZONED = "d", "l", "z"


def _split_temporal(props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]] | None]:
    """(props without temporal values, {property: [kind, ISO text]} or None)."""
    temporal = None
    for key, value in props.items():
        if isinstance(value, dt.date):
            if temporal is None:
                temporal = {}
            if isinstance(value, dt.datetime):
                temporal[key] = [_LOCAL if value.tzinfo is None else _ZONED, value.isoformat()]
            else:
                temporal[key] = [_DATE, value.isoformat()]
    if temporal is None:
        return props, None
    return {k: v for k, v in props.items() if k not in temporal}, temporal


def _temporal_set(var: str, keys: set[str]) -> str:
    """Cypher that sets each temporal property of ``var`` from ``row.t``; a row without
    the value keeps what the element had (coalesce), as ``+=`` would."""
    if not keys:
        return ""
    parts = []
    for key in sorted(keys):
        ref = f"row.t.`{key}`"
        parts.append(f"{var}.`{key}` = coalesce(CASE {ref}[0] WHEN '{_DATE}' THEN date({ref}[1]) "
                     f"WHEN '{_LOCAL}' THEN localdatetime({ref}[1]) WHEN '{_ZONED}' THEN datetime({ref}[1]) END, "
                     f"{var}.`{key}`)")
    return " SET " + ", ".join(parts)


def _wire_rows(rows: list[dict], field: str = "props") -> tuple[list[dict], set[str]]:
    """Rows with their ``field`` map's temporal values moved to ``t``; the keys moved."""
    keys: set[str] = set()
    for row in rows:
        plain, temporal = _split_temporal(row[field])
        if temporal:
            row[field] = plain
            row["t"] = temporal
            keys.update(temporal)
    return rows, keys


def _value_key(value: Any) -> int:
    """A 64-bit fingerprint of a property value that tells 1, 1.0 and True apart (as the
    graph does); lists are hashed as tuples."""
    if value.__class__ is list:
        return hash((list, tuple(value)))
    return hash((value.__class__, value))


# ------------------------------------------------------------------ Cypher builders
# Two paths: new keys are CREATEd with all their properties in one SET (fast, the common
# case in a first load); keys that already exist are updated by MERGE-style queries that
# append provenance. Which keys exist is asked first, in the same transaction.

def existing_nodes_cypher(label: str) -> str:
    key = schema.NODE_BY_LABEL[label].key
    return f"UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) RETURN k"


def create_nodes_cypher(label: str, temporal: set[str] = frozenset()) -> str:
    return f"UNWIND $rows AS row CREATE (n:{label}) SET n = row.props{_temporal_set('n', temporal)}"


def node_merge_cypher(label: str, temporal: set[str] = frozenset()) -> str:
    key = schema.NODE_BY_LABEL[label].key
    return (
        f"UNWIND $rows AS row "
        f"MERGE (n:{label} {{{key}: row.key}}) "
        f"ON CREATE SET n.name = row.name, n.src_run = $run, n.src_row = row.row "
        f"SET n += row.props, "
        f"    n.aliases = reduce(known = n.aliases, other IN [row.name] + coalesce(row.more, []) | "
        f"                CASE WHEN other IS NULL OR other = n.name OR other IN coalesce(known, []) "
        f"                THEN known ELSE coalesce(known, []) + other END), "
        f"    n.load_runs = CASE WHEN $run IN coalesce(n.load_runs, []) THEN n.load_runs "
        f"                  ELSE coalesce(n.load_runs, []) + $run END"
        f"{_temporal_set('n', temporal)}")


#: Name-only organization references take the key of an existing organization of that name
#: (its normalised name: ``name``, or ``name_norm`` where the name keeps another spelling).
RESOLVE_ORG_NAMES = (
    "UNWIND $names AS name "
    "CALL (name) { MATCH (o:Organization {name: name}) RETURN o "
    "  UNION MATCH (o:Organization {name_norm: name}) RETURN o } "
    "WITH name, collect(DISTINCT o.key) AS found WHERE size(found) = 1 "
    "RETURN name, found[0] AS key")

#: A registry row (keyed by credit code) takes over a node created earlier by name only.
ADOPT_NAME_KEYS = (
    "UNWIND $rows AS row "
    "MATCH (o:Organization {key: 'name:' + row.name}) "
    "WHERE NOT EXISTS { MATCH (:Organization {key: row.key}) } "
    "SET o.key = row.key")

# A relationship's provenance is a list of sightings: ``load_runs[i]`` (a run key) and
# ``src_rows[i]`` (a row of that run's file), aligned. One written by another tool into the
# same database may have neither: its first sighting starts the lists.
#: A keyed relationship (a transfer) records every line it was read from: this run's rows
#: not yet recorded for this run are appended (a reload appends nothing).
_SIGHTINGS_APPEND = (
    "WITH r, row, coalesce(r.load_runs, []) AS runs, coalesce(r.src_rows, []) AS rows "
    "WITH r, row, runs, rows, [i IN range(0, size(runs) - 1) WHERE runs[i] = $run | rows[i]] AS known "
    "WITH r, row, runs, rows, [x IN row.rows WHERE NOT x IN known] AS fresh "
    "SET r += row.props, r.load_runs = runs + [x IN fresh | $run], r.src_rows = rows + fresh ")
#: Any other relationship records the first row per run that showed it.
_FIRST_SIGHTING_APPEND = (
    "SET r += row.props, "
    "    r.src_rows = CASE WHEN $run IN coalesce(r.load_runs, []) THEN r.src_rows "
    "                 ELSE coalesce(r.src_rows, []) + row.rows[0] END, "
    "    r.load_runs = CASE WHEN $run IN coalesce(r.load_runs, []) THEN r.load_runs "
    "                  ELSE coalesce(r.load_runs, []) + $run END ")


def _ends(source: str, target: str) -> str:
    return (f"MATCH (a:{source} {{{schema.NODE_BY_LABEL[source].key}: row.source}}) "
            f"MATCH (b:{target} {{{schema.NODE_BY_LABEL[target].key}: row.target}}) ")


def existing_keyed_cypher(rel_type: str, key: str) -> str:
    return (f"UNWIND $keys AS k MATCH (a)-[r:{rel_type} {{{key}: k}}]->(b) "
            f"RETURN k, a.key AS source, b.key AS target, r.amount AS amount, toString(r.time) AS time, "
            f"r.load_runs AS runs, r.src_rows AS rows")


def create_keyed_cypher(rel_type: str, source: str, target: str, temporal: set[str] = frozenset()) -> str:
    return (f"UNWIND $rows AS row {_ends(source, target)}CREATE (a)-[r:{rel_type}]->(b) SET r = row.props"
            f"{_temporal_set('r', temporal)}")


def update_keyed_cypher(rel_type: str, key: str, temporal: set[str] = frozenset()) -> str:
    return (f"UNWIND $rows AS row MATCH ()-[r:{rel_type} {{{key}: row.key}}]->() {_SIGHTINGS_APPEND}"
            f"{_temporal_set('r', temporal)}")


#: Which of a chunk's fast-path transfers (loaders/columnar.py) exist already: those go
#: the reference way (same transfer seen again, or a conflict).
EXISTING_TRANSFER_KEYS = "UNWIND $keys AS k MATCH ()-[r:TRANSFER {tx_key: k}]->() RETURN k"

#: The uniqueness constraints the database enforces (what makes optimistic writes safe).
UNIQUE_CONSTRAINTS = ("SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties "
                      "WHERE type IN ['UNIQUENESS', 'NODE_KEY', 'RELATIONSHIP_UNIQUENESS', 'RELATIONSHIP_KEY'] "
                      "RETURN labelsOrTypes[0] AS name, properties AS properties")


def count_cypher(name: str) -> str:
    """How many nodes of a label, or relationships of a type, exist (the count store: O(1))."""
    if name in schema.REL_BY_TYPE:
        return f"MATCH ()-[r:{name}]->() RETURN count(r) AS n"
    return f"MATCH (n:{name}) RETURN count(n) AS n"


def create_transfer_columns_cypher(source: str, target: str, prop_names: tuple[str, ...],
                                   temporal: frozenset[str], provenance: dict[str, str]) -> str:
    """New transfers from flat parallel lists: one statement for a chunk, no parameter map
    per row, the properties in the CREATE itself (a null one is simply not stored).

    The ends are looked up once per distinct account, not once per transfer line: $ends
    (each end's key once) are matched and collected, and each transfer names its ends by
    their index there ($from, $to). The collected keys must equal $ends, in order (an end
    missing or out of place writes nothing). Also $keys, $rows (the row of the first line
    that showed each) and one list $p<j> per property. Returns how many were written,
    which must be all of them (both ends are written first). (200,000 transfers among 20,000
    accounts, the statement alone: 5.6-6.4 s of database time against 7.1-7.9 s with two
    lookups per line, three runs each; BENCHMARKS.md.)"""
    props = ["tx_key: $keys[i]"]
    for j, name in enumerate(prop_names):
        ref = f"$p{j}[i]"
        props.append(f"`{name}`: " + (f"localdatetime({ref})" if name in temporal else ref))
    props.extend(f"`{name}`: {expression}" for name, expression in provenance.items())
    if source == target:
        ends = (f"UNWIND $ends AS k MATCH (n:{source} {{{schema.NODE_BY_LABEL[source].key}: k}}) "
                f"WITH collect(k) AS found, collect(n) AS nodes WHERE found = $ends "
                f"UNWIND range(0, size($keys) - 1) AS i WITH nodes[$from[i]] AS a, nodes[$to[i]] AS b, i ")
    else:
        ends = (f"UNWIND range(0, size($keys) - 1) AS i "
                f"MATCH (a:{source} {{{schema.NODE_BY_LABEL[source].key}: $sources[i]}}) "
                f"MATCH (b:{target} {{{schema.NODE_BY_LABEL[target].key}: $targets[i]}}) ")
    return f"{ends}CREATE (a)-[r:TRANSFER {{{', '.join(props)}}}]->(b) RETURN count(r) AS written"


def rel_create_cypher(rel_type: str, source: str, target: str, merge_on: tuple[str, ...],
                      temporal: set[str] = frozenset()) -> str:
    """The first sighting of a relationship that cannot exist yet (an end was created in
    this transaction, so no other transaction can have linked to it): what
    :func:`rel_merge_cypher` makes of it, without the search for an existing one."""
    pattern = ", ".join(f"{p}: row.merge.{p}" for p in merge_on)
    return (f"UNWIND $rows AS row {_ends(source, target)}"
            f"CREATE (a)-[r:{rel_type}{' {' + pattern + '}' if pattern else ''}]->(b) "
            f"SET r += row.props, r.src_rows = [row.rows[0]], r.load_runs = [$run]"
            f"{_temporal_set('r', temporal)}")


def rel_merge_cypher(rel_type: str, source: str, target: str, merge_on: tuple[str, ...],
                     temporal: set[str] = frozenset()) -> str:
    pattern = ", ".join(f"{p}: row.merge.{p}" for p in merge_on)
    return (f"UNWIND $rows AS row {_ends(source, target)}"
            f"MERGE (a)-[r:{rel_type}{' {' + pattern + '}' if pattern else ''}]->(b) "
            f"ON CREATE SET r.src_rows = [], r.load_runs = [] "
            f"{_FIRST_SIGHTING_APPEND}{_temporal_set('r', temporal)}")


# ------------------------------------------------------------------ the writer

def _recorded_where(old: dict, run: str, sources: dict) -> str:
    """Where a transfer found in the database was first recorded, for a conflict's sentence:
    the row, when this run's file (said as when both lines are in one chunk), else the files."""
    mine = [n for r, n in zip(old["runs"], old["rows"]) if r == run]
    if mine:
        return f"row {mine[0]}"
    if old["runs"]:
        return "already loaded from " + ", ".join(files_of(old["runs"], sources))
    return "already in the database, written by no OrgTrace load"


def _conflict(key: str, first: dict, other: dict) -> tuple[str, str]:
    """A transfer_conflict: (a sentence with the key and both versions, the key's id)."""
    tx_id = key[3:] if key.startswith("id:") else key
    what = f"transaction id {tx_id}" if key.startswith("id:") else "the same transfer key"
    return (f"{what} is already used by another transfer: {_version(first)}; "
            f"this row says {_version(other)}", tx_id)


def _match_name(node: NodeRecord) -> str | None:
    """The normalised name an organization record is matched on by name."""
    return node.match_name or node.props.get("name")


def _keep_recent(store: OrderedDict, key: Any, value: Any, limit: int) -> None:
    """Store key -> value as the most recently used entry; forget the oldest beyond limit
    (the writer's memory of what it wrote stays bounded on any file size)."""
    store[key] = value
    store.move_to_end(key)
    if len(store) > limit:
        store.popitem(last=False)


def _marked_at(marks: bytearray, keys: list[str]) -> list[int]:
    """Indexes of the keys a run may have written (:meth:`GraphWriter._mark`): all those it
    did, and a few it did not (about 1 in 5,000 at 1.5 million keys written)."""
    mask = _MARK_BITS - 1
    return [i for i, key in enumerate(keys)
            if marks[(a := (h := hash(key)) & mask) >> 3] >> (a & 7) & 1
            and marks[(b := (h >> 32) & mask) >> 3] >> (b & 7) & 1]


@dataclass
class PreparedChunk:
    """A chunk's write, made ready (:meth:`GraphWriter.prepare`): the transfers left as
    columns, the node rows per label (for optimistic labels already split into those to
    CREATE and those to update, as wire rows), the relationship batches. ``deferred``: not
    made ahead; the writer makes it when its turn comes. ``epoch``: the writer's memory it
    was made against (a failure empties that memory, and what was made before is made again)."""
    deferred: bool = False
    optimistic: frozenset[str] = frozenset()
    epoch: int = -1
    node_batches: dict[str, list[dict]] = field(default_factory=dict)
    split: dict[str, tuple] = field(default_factory=dict)
    created: dict[str, set[str]] = field(default_factory=dict)
    adopt: list[dict] = field(default_factory=list)
    rel_batches: dict = field(default_factory=dict)
    keyed: dict = field(default_factory=dict)
    conflicts: dict[int, tuple[str, str]] = field(default_factory=dict)
    duplicates: set[int] = field(default_factory=set)
    transfers: "TransferColumns | None" = None


@dataclass
class WriteOutcome:
    """What a chunk's write found besides what it wrote: rows whose keyed relationship
    (a transfer's id) is taken by a different one (row -> a sentence showing both versions;
    rejected), and rows that showed a transfer already recorded from another statement line
    (the same transfer in the payer's and the payee's statement: merged, counted)."""

    conflicts: dict[int, tuple[str, str]]   # row -> (sentence, transaction id)
    duplicates: set[int]


def _same_transfer(a: dict, b: dict) -> bool:
    """Two sightings of one keyed relationship: the same ends and the same amount (to the cent)."""
    return (a["source"], a["target"]) == (b["source"], b["target"]) and \
        _cents(a.get("amount")) == _cents(b.get("amount"))


def _cents(amount: Any) -> int | None:
    return None if amount is None else round(float(amount) * 100)


def _version(v: dict) -> str:
    """One sighting of a transfer, for a conflict message."""
    amount = "?" if v.get("amount") is None else f"{float(v['amount']):,.2f}"
    when = v.get("time")
    when = when.isoformat(sep=" ") if isinstance(when, dt.datetime) else str(when or "no time").replace("T", " ")
    where = f" ({v['where']})" if v.get("where") else ""
    return f"{v['source']} → {v['target']}, {amount}, {when}{where}"


class GraphWriter:
    """Writes chunks of records for one file. Remembers (boundedly) what it already wrote
    in this run so repeated accounts and people are not written again and again."""

    def __init__(self, db: GraphDB, provenance: Provenance, *, memory: int | None = None):
        self.db = db
        self.prov = provenance
        self._seen: OrderedDict[tuple, int] = OrderedDict()
        # node -> {property: value key} of everything this run wrote on it (the name too:
        # a new spelling is written, and becomes an alias)
        self._nodes_written: OrderedDict[tuple, dict] = OrderedDict()
        self._memory = memory or WRITER_MEMORY
        self._org_names: dict[str, str | None] = {}
        # Optimistic writes. A label (or TRANSFER) that had nothing in the database when
        # this run first wrote it, and whose key the database keeps unique, holds only what
        # this run wrote: a key the run has not written is new, so it is CREATEd without
        # asking the database first (one statement and one round trip fewer per chunk and
        # label). The uniqueness constraint is the safety net: a key that exists after all
        # (another loader at the same time, or one this run's bounded memory forgot) fails
        # the chunk's transaction, which is rolled back and written again the checked way,
        # as is everything after it in this run.
        self._empty_at_start: dict[str, bool] = {}
        self._unique: set[tuple[str, str]] | None = None
        self._clashed = False
        #: transfer keys this run wrote, as bits of their hash (a false hit costs a check)
        self._tx_marks = bytearray(_MARK_BITS >> 3)
        # Chunks may be prepared ahead on the cleaning thread (prepare) while the writer
        # thread sends earlier ones: the memory above is touched under this lock, in file
        # order; ``_deferred`` counts chunks left to the writer to prepare (none may be
        # prepared ahead of them), ``_epoch`` changes when a failure empties the memory.
        self._lock = threading.Lock()
        self._deferred = 0
        self._epoch = 0
        self._failed = False

    def _remember(self, ident: tuple, fingerprint: int) -> bool:
        """True when ident was already written with the same content in this run."""
        unchanged = self._seen.get(ident) == fingerprint
        _keep_recent(self._seen, ident, fingerprint, self._memory)
        return unchanged

    def _node_unchanged(self, ident: tuple, name: Any, props: dict[str, Any], more: Any = ()) -> bool:
        """True when this run already wrote every one of these property values (and this
        name) on the node, so writing it again would change nothing. Compared property by
        property, not as a whole: an account seen from its own statement (holder name) and
        from a counterparty's (holder name and bank) is written twice, not on every row."""
        fresh = {k: _value_key(v) for k, v in props.items()}
        if name is not None:
            fresh["\0name"] = _value_key(name)
        for other in more:      # (an alias written: the same again changes nothing)
            fresh["\0alias\0" + other] = 1
        known = self._nodes_written.get(ident)
        unchanged = known is not None and all(known.get(k) == v for k, v in fresh.items())
        if known is None:
            known = fresh
        elif not unchanged:
            known.update(fresh)
        _keep_recent(self._nodes_written, ident, known, self._memory)
        return unchanged

    def resolve_org_names(self, nodes: list[NodeRecord]) -> None:
        """Point name-only organization references at an existing organization of that
        name (e.g. the registry's, keyed by credit code). Mutates the records' keys."""
        wanted = sorted({_match_name(n) for n in nodes if n.label == "Organization" and n.resolve_by_name
                         and _match_name(n) and _match_name(n) not in self._org_names})
        if wanted:
            found = {r["name"]: r["key"] for r in self.db.read(RESOLVE_ORG_NAMES, {"names": wanted})}
            for name in wanted:
                self._org_names[name] = found.get(name)
        for n in nodes:
            if n.label == "Organization" and n.resolve_by_name:
                key = self._org_names.get(_match_name(n))
                if key:
                    n.key = key

    def prepare(self, nodes: list[NodeRecord], rels: list[RelRecord],
                transfers: "TransferColumns | None" = None) -> "PreparedChunk":
        """Make a chunk's statement parameters ahead, on the thread that cleans (the load's
        other thread then only sends them: the database waits less for it). Called in file
        order for every chunk that will be written, before :meth:`write` of that chunk.

        Made ahead only when nothing of it depends on the database's answers to earlier
        chunks: every label (and TRANSFER) optimistic, every organization named by its name
        only already looked up (by an earlier chunk's writer: the answer is kept for the
        run), no chunk before it left to the writer, no failure so far. Otherwise the
        writer makes it when its turn comes (the memory of what was written must see the
        chunks in file order). The statements themselves run in file order either way."""
        with self._lock:
            looked_up = self._org_names
            ahead = not (self._clashed or self._failed or self._deferred) and \
                not any(n.resolve_by_name and n.label == "Organization" and _match_name(n)
                        and _match_name(n) not in looked_up for n in nodes)
            if ahead:
                wanted = {n.label for n in nodes} | \
                    ({"TRANSFER"} if transfers is not None and len(transfers) else set())
                optimistic = self._optimistic(nodes, transfers)
                ahead = optimistic == wanted
            if not ahead:
                self._deferred += 1
                return PreparedChunk(deferred=True)
            return self._prepare(nodes, rels, transfers, optimistic)

    def write(self, nodes: list[NodeRecord], rels: list[RelRecord],
              transfers: "TransferColumns | None" = None, prepared: "PreparedChunk | None" = None) -> WriteOutcome:
        """Write one chunk in one transaction; returns the rows whose keyed relationship
        conflicts with an existing one (reported as rejects) and those that repeat one
        (counted as duplicates). ``transfers``: the chunk's new transfers as columns (the
        fast path); any of them whose key exists already is written the reference way.
        ``prepared``: what :meth:`prepare` made of this chunk (if it was called)."""
        if prepared is not None and not prepared.deferred and prepared.epoch == self._epoch:
            optimistic = prepared.optimistic
        else:
            with self._lock:
                optimistic = self._optimistic(nodes, transfers)
        try:
            return self._write(nodes, rels, transfers, optimistic, prepared)
        except ConstraintError:
            if not optimistic:
                raise
            # A key this run took for new exists: the chunk was rolled back. Write it (and
            # the rest of the run) asking the database first, as without optimism.
            return self._write(nodes, rels, transfers, frozenset())

    def _optimistic(self, nodes: list[NodeRecord], transfers: "TransferColumns | None") -> frozenset[str]:
        """The labels (and TRANSFER) this chunk may write without asking which keys exist."""
        if self._clashed:
            return frozenset()
        wanted = {n.label for n in nodes} | ({"TRANSFER"} if transfers is not None and len(transfers) else set())
        fresh = set()
        for name in wanted:
            if name not in self._empty_at_start:
                self._empty_at_start[name] = self._is_guarded(name) and \
                    self.db.read(count_cypher(name))[0]["n"] == 0
            if self._empty_at_start[name]:
                fresh.add(name)
        return frozenset(fresh)

    def _is_guarded(self, name: str) -> bool:
        """The database keeps this label's (type's) key unique."""
        if self._unique is None:
            try:
                self._unique = {(r["name"], r["properties"][0]) for r in self.db.read(UNIQUE_CONSTRAINTS)
                                if r["name"] and len(r["properties"] or []) == 1}
            except Exception:     # (a user without the right to list constraints: no optimism)
                self._unique = set()
        kind = schema.REL_BY_TYPE.get(name) or schema.NODE_BY_LABEL.get(name)
        return kind is not None and kind.key is not None and (name, kind.key) in self._unique

    def _mark(self, keys: list[str]) -> None:
        """Remember keys as written: two bits each (a Bloom filter), from the two halves of
        the key's 64-bit hash."""
        marks, mask = self._tx_marks, _MARK_BITS - 1
        for key in keys:
            h = hash(key)
            a, b = h & mask, (h >> 32) & mask
            marks[a >> 3] |= 1 << (a & 7)
            marks[b >> 3] |= 1 << (b & 7)

    def _write(self, nodes: list[NodeRecord], rels: list[RelRecord], transfers: "TransferColumns | None",
               optimistic: frozenset[str], prepared: "PreparedChunk | None" = None) -> WriteOutcome:
        """Write a chunk: with what :meth:`prepare` made of it when that still holds (same
        optimism, no failure since), else prepared now."""
        if prepared is None or prepared.deferred or prepared.epoch != self._epoch or \
                prepared.optimistic != optimistic:
            with self._lock:
                fresh = self._prepare(nodes, rels, transfers, optimistic)
                if prepared is not None and prepared.deferred:    # (written once: a clash's retry
                    self._deferred -= 1     # passes none) after preparing it: the next may go ahead
            prepared = fresh
        return self._send(prepared)

    def _prepare(self, nodes: list[NodeRecord], rels: list[RelRecord], transfers: "TransferColumns | None",
                 optimistic: frozenset[str]) -> "PreparedChunk":
        """Everything of a chunk's write that is Python: which records change anything, the
        parameter rows. Updates the run's memory as if the chunk were written (a failure
        empties it). Caller holds ``_lock``."""
        if transfers is not None and len(transfers):
            if "TRANSFER" in optimistic:
                # Only this run wrote transfers: those it may have written (its marks; a
                # false mark costs the reference way's check) go the reference way, the
                # others are new. The database is not asked (a transfer another loader
                # wrote meanwhile meets the constraint: the chunk is written again, checked).
                again = set(_marked_at(self._tx_marks, transfers.keys))
            else:
                known = {r["k"] for r in self.db.read(EXISTING_TRANSFER_KEYS, {"keys": transfers.keys})}
                again = {i for i, key in enumerate(transfers.keys) if key in known}
            if again:
                rels = [*rels, *(r for i in sorted(again) for r in transfers.records(i))]
                transfers = transfers.without(again)
        self.resolve_org_names(nodes)
        node_batches, adopt, prior = self._node_batches(nodes)
        rel_batches, keyed, conflicts, duplicates = self._rel_batches(rels)
        # Optimistic labels: the keys this run wrote before exist, no other does, so the
        # rows to CREATE and to update are known now (others: asked in the transaction).
        split: dict[str, tuple] = {}
        created: dict[str, set[str]] = {}     # keys CREATEd by this chunk, per label
        for label, rows in node_batches.items():
            if label in optimistic:
                existing = prior[label]
                new = _wire_rows([self._new_node(row) for row in rows if row["key"] not in existing])
                old = _wire_rows([dict(row) for row in rows if row["key"] in existing])
                split[label] = (new, old)
                created[label] = {row["props"]["key"] for row in new[0]}
        self._mark([row["key"] for rows in keyed.values() for row in rows])
        if transfers is not None:
            self._mark(transfers.keys)
        return PreparedChunk(optimistic=optimistic, epoch=self._epoch, node_batches=node_batches, split=split,
                             created=created, adopt=adopt, rel_batches=rel_batches, keyed=keyed,
                             conflicts=conflicts, duplicates=duplicates, transfers=transfers)

    def _send(self, p: "PreparedChunk") -> WriteOutcome:
        """One transaction with a prepared chunk's statements."""
        run = self.prov.run_key
        prov = {"run": run}
        transfers = p.transfers

        def work(tx: ManagedTransaction) -> WriteOutcome:
            if p.adopt:
                run_released(tx, ADOPT_NAME_KEYS, {"rows": p.adopt})
            created = dict(p.created)
            for label, rows in p.node_batches.items():
                if label in p.split:
                    (new, new_temporal), (old, old_temporal) = p.split[label]
                else:
                    existing = {r["k"] for r in run_released(tx, existing_nodes_cypher(label),
                                                                 {"keys": [r["key"] for r in rows]})}
                    new, new_temporal = _wire_rows([self._new_node(row) for row in rows
                                                    if row["key"] not in existing])
                    old, old_temporal = _wire_rows([dict(row) for row in rows if row["key"] in existing])
                    if new:
                        created[label] = {row["props"]["key"] for row in new}
                if new:
                    run_released(tx, create_nodes_cypher(label, new_temporal), {"rows": new})
                if old:
                    run_released(tx, node_merge_cypher(label, old_temporal), {"rows": old, **prov})
            rejected = dict(p.conflicts)
            repeated = set(p.duplicates)
            for (rel_type, source, target), rows in p.keyed.items():
                key = schema.REL_BY_TYPE[rel_type].key
                found = {r["k"]: {"source": r["source"], "target": r["target"], "amount": r["amount"],
                                  "time": r["time"], "runs": r["runs"] or [], "rows": r["rows"] or []}
                         for r in run_released(tx, existing_keyed_cypher(rel_type, key),
                                               {"keys": [r["key"] for r in rows]})}
                new = [self._new_rel(row) for row in rows if row["key"] not in found]
                same, clashes, earlier = [], [], []
                for row in rows:
                    old = found.get(row["key"])
                    if old is None:
                        continue
                    if _same_transfer(old, row["version"]):
                        same.append(row)
                        # recorded from another line too (another file's, or this one's)
                        if set(zip(old["runs"], old["rows"])) - {(run, n) for n in row["rows"]}:
                            repeated.add(row["rows"][0])
                        # a line of this chunk that clashed with this one clashes with the
                        # transfer as first recorded (wherever the chunk began)
                        earlier.extend((n, row["key"], old, version) for n, version in row.get("clashing", ()))
                    else:
                        clashes.append((row, old))
                if clashes or earlier:   # the files the taken transfer was read from, by their runs
                    sources = run_sources(tx, {k for _, old in clashes for k in old["runs"]} |
                                          {k for _, _, old, _ in earlier for k in old["runs"]})
                    for row, old in clashes:
                        old["where"] = _recorded_where(old, run, sources)
                        for n in row["rows"]:
                            rejected[n] = _conflict(row["key"], old, row["version"])
                    for n, tx_key, old, version in earlier:
                        old["where"] = _recorded_where(old, run, sources)
                        rejected[n] = _conflict(tx_key, old, version)
                if new:
                    new, temporal = _wire_rows(new)
                    run_released(tx, create_keyed_cypher(rel_type, source, target, temporal), {"rows": new})
                if same:
                    same, temporal = _wire_rows([{"key": row["key"], "props": row["props"], "rows": row["rows"]}
                                                 for row in same])
                    run_released(tx, update_keyed_cypher(rel_type, key, temporal), {"rows": same, **prov})
            for (rel_type, source, target, merge_on), rows in p.rel_batches.items():
                rows, temporal = _wire_rows([dict(row) for row in rows])
                # (each relationship comes once per run: one to a node made just now is new)
                fresh_sources, fresh_targets = created.get(source, ()), created.get(target, ())
                new, old = [], []
                for row in rows:
                    (new if row["source"] in fresh_sources or row["target"] in fresh_targets else old).append(row)
                if new:
                    run_released(tx, rel_create_cypher(rel_type, source, target, merge_on, temporal),
                                 {"rows": new, **prov})
                if old:
                    run_released(tx, rel_merge_cypher(rel_type, source, target, merge_on, temporal),
                                 {"rows": old, **prov})
            if transfers is not None and len(transfers):
                self._write_transfer_columns(tx, transfers)
                repeated.update(transfers.repeated_rows())
            return WriteOutcome(rejected, repeated - set(rejected))

        try:
            with self.db.driver.session(database=self.db.database) as session:
                return session.execute_write(work)
        except Exception as exc:
            with self._lock:
                self._seen.clear()   # nothing of this chunk may count as written
                self._nodes_written.clear()
                self._org_names.clear()
                self._epoch += 1     # what was prepared ahead is made again, in order, here
                if isinstance(exc, ConstraintError) and p.optimistic:
                    self._clashed = True
                else:
                    self._failed = True
            raise

    def _write_transfer_columns(self, tx: ManagedTransaction, columns: "TransferColumns") -> None:
        more = columns.more_rows()
        query = create_transfer_columns_cypher(columns.source_label, columns.target_label, columns.prop_names,
                                               columns.temporal, self._column_provenance(bool(more)))
        params = {"keys": columns.keys, "rows": columns.rows, "run": self.prov.run_key}
        if columns.source_label == columns.target_label:
            ends = list(dict.fromkeys(chain(columns.sources, columns.targets)))   # (C speed)
            at = dict(zip(ends, count()))
            params.update({"ends": ends, "from": list(map(at.__getitem__, columns.sources)),
                           "to": list(map(at.__getitem__, columns.targets))})
        else:
            params.update({"sources": columns.sources, "targets": columns.targets})
        if more:
            params["more"] = more
        for j, name in enumerate(columns.prop_names):
            params[f"p{j}"] = columns.props[name]
        written = run_released(tx, query, params)[0]["written"]
        more.clear()    # (held by the driver's result, in a cycle: see graph.connection.release)
        if written != len(columns):    # an end missing: a defect, never a silent loss
            raise RuntimeError(f"{len(columns) - written} of {len(columns)} transfers found no account to attach to")

    @staticmethod
    def _column_provenance(more: bool) -> dict[str, str]:
        """The provenance a new transfer gets (as :meth:`_new_rel`), from the columns: the
        row of its first line ($rows), and of the others ($more, by entry, when any
        transfer of the chunk was read from several lines)."""
        if not more:
            return {"load_runs": "[$run]", "src_rows": "[$rows[i]]"}
        rows = "[$rows[i]] + coalesce($more[toString(i)], [])"
        return {"load_runs": f"[row IN {rows} | $run]", "src_rows": rows}

    # ---------------------------------------------------------------- batching

    def _new_node(self, row: dict) -> dict:
        props = {**row["props"], "key": row["key"], "src_run": self.prov.run_key, "src_row": row["row"],
                 "load_runs": [self.prov.run_key]}
        if row["name"] is not None:
            props["name"] = row["name"]
        if row.get("more"):
            props["aliases"] = list(row["more"])
        return {"props": props}

    def _new_rel(self, row: dict) -> dict:
        return {"source": row["source"], "target": row["target"],
                "props": {**row["props"], "load_runs": [self.prov.run_key] * len(row["rows"]),
                          "src_rows": list(row["rows"])}}

    def _node_batches(self, nodes: list[NodeRecord]) -> tuple[dict[str, list[dict]], list[dict], dict[str, set]]:
        """Per label, the rows to write (each key once, its records folded; none that this
        run already wrote with these values); the name adoptions; per label, the keys of
        those rows that this run wrote before (so they exist)."""
        batches: dict[str, dict[str, dict]] = {}
        adopt: list[dict] = []
        for n in nodes:
            batch = batches.setdefault(n.label, {})
            # (tuples to lists, inlined: this runs for every node of every row)
            props = {k: list(v) if isinstance(v, tuple) else v for k, v in n.props.items()
                     if v is not None and k not in CREATE_ONLY}
            entry = batch.get(n.key)
            name = n.props.get("name")
            if entry is None:
                entry = batch[n.key] = {"key": n.key, "name": name, "row": n.row, "props": props}
            else:
                entry["props"].update(props)
            if n.also_named or name != entry["name"]:
                # every name the key shows in the chunk: the first is its name (when new),
                # the others become aliases (not only names seen in different chunks)
                for other in (name, *n.also_named):
                    if other is None or other == entry["name"] or other in entry.get("more", ()):
                        continue
                    if entry["name"] is None:
                        entry["name"] = other
                    else:
                        entry.setdefault("more", []).append(other)
            if n.adopt_name_key:
                adopt.append({"key": n.key, "name": _match_name(n)})
        out, prior = {}, {}
        written = self._nodes_written
        for label, batch in batches.items():
            before = {key for key in batch if (label, key) in written}
            rows = [e for e in batch.values()
                    if not self._node_unchanged((label, e["key"]), e["name"], e["props"], e.get("more", ()))]
            if rows:
                out[label] = rows
                prior[label] = before
        return out, adopt, prior

    def _rel_batches(self, rels: list[RelRecord]) -> tuple[dict, dict, dict[int, tuple[str, str]], set[int]]:
        merged: dict[tuple, list[dict]] = {}
        keyed: dict[tuple, list[dict]] = {}
        by_key: dict[str, dict] = {}
        conflicts: dict[int, tuple[str, str]] = {}
        duplicates: set[int] = set()
        for r in rels:
            # A keyed relationship (a transfer) records every statement line it was read
            # from; any other records the first row per run that showed it.
            ident = (r.type, r.source.label, r.source.key, r.target.label, r.target.key,
                     tuple(sorted(r.merge_on.items())) if r.merge_on else (), r.key, r.row if r.key else None)
            if self._remember(ident, 0):
                continue
            props = {k: list(v) if isinstance(v, tuple) else v for k, v in r.props.items() if v is not None}
            if r.key is None:
                group = (r.type, r.source.label, r.target.label, tuple(sorted(r.merge_on)))
                merged.setdefault(group, []).append({"source": r.source.key, "target": r.target.key,
                                                     "merge": r.merge_on, "props": props, "rows": [r.row]})
                continue
            version = {"source": r.source.key, "target": r.target.key, "amount": props.get("amount"),
                       "time": props.get("time"), "where": f"row {r.row}"}
            same = by_key.get(r.key)
            if same is None:
                entry = {"source": r.source.key, "target": r.target.key, "key": r.key, "props": props,
                         "rows": [r.row], "version": version}
                by_key[r.key] = entry
                keyed.setdefault((r.type, r.source.label, r.target.label), []).append(entry)
            elif _same_transfer(same["version"], version):
                same["rows"].append(r.row)
                duplicates.add(r.row)
            else:
                conflicts[r.row] = _conflict(r.key, same["version"], version)
                same.setdefault("clashing", []).append((r.row, version))   # (restated if the first is recorded)
        return merged, keyed, conflicts, duplicates

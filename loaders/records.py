"""What a loader produces from a row, before anything is written: nodes, relationships,
rejects and warnings. Pure data; the writer turns it into Cypher parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NodeRecord:
    label: str
    key: str
    props: dict[str, Any]
    row: int
    #: Organization referenced by name only: use an existing organization of that name.
    resolve_by_name: bool = False
    #: Organization keyed by credit code: take over a name-keyed node of the same name.
    adopt_name_key: bool = False
    #: The normalised name an organization is matched on, when ``props['name']`` is the
    #: name as the source wrote it (FollowTheMoney); None: the name is already normalised.
    match_name: str | None = None
    #: Other names this key's records showed in the same chunk, first seen first (a record
    #: folded from several: loaders/columnar.py); each becomes an alias.
    also_named: tuple[str, ...] = ()


@dataclass
class RelRecord:
    type: str
    source: NodeRecord
    target: NodeRecord
    props: dict[str, Any]
    row: int
    #: Properties that, with the ends, identify the relationship (e.g. a LEADS role).
    merge_on: dict[str, Any] = field(default_factory=dict)
    #: The relationship's own unique key, when the schema declares one (TRANSFER.tx_key).
    key: str | None = None


@dataclass(frozen=True)
class Issue:
    """A reject (the row is not loaded) or a warning (loaded, but look at it)."""

    row: int
    column: str | None
    code: str
    detail: str
    value: str | None = None


@dataclass
class RowResult:
    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)
    rejects: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

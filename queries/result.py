"""A query result as the exports see it, and the plain values it is made of.

:class:`ResultData` is what a report or ad-hoc query produced; :class:`ExportMeta` says who
ran what, where and when. :func:`to_plain` turns every value a row may hold (including the
neo4j driver's temporal and spatial types) into plain JSON-like Python values, the one form
that every export and the result hash are computed from.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

RESULT_KINDS = ("table", "graph", "paths", "sankey", "timeline")


@dataclass
class ResultData:
    """Columns in their order, one dict per row (keyed by column), and whether rows were cut."""

    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False


@dataclass
class ExportMeta:
    """Who ran which query, where and when; shown in every export.

    ``graph`` (optional) is a picture of the result for graph and path results::

        {"nodes": [{"id": ..., "label": "Organization", "caption": "中华精准扶贫促进会"}, ...],
         "edges": [{"source": ..., "target": ..., "type": "FUNDED", "caption": "¥1,200"}, ...]}
    """

    title: str
    report_id: str
    user: str
    run_at: dt.datetime
    database: str
    server: str
    cypher: str
    parameters: dict[str, Any] = field(default_factory=dict)
    result_kind: str = "table"
    graph: dict[str, list[dict[str, Any]]] | None = None


def to_plain(value: Any) -> Any:
    """Return ``value`` as str, int, float, bool, None, list or dict (keys str), recursively.

    neo4j temporal values go through ``.to_native()``; dates and times become ISO 8601
    strings; non-finite floats become the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``
    (JSON has no such numbers); sets are sorted so equal data always looks the same.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if hasattr(value, "to_native") and callable(value.to_native):
        try:
            value = value.to_native()
        except (ValueError, OverflowError):  # e.g. a neo4j time outside Python's range
            return str(value)
        if not hasattr(value, "to_native"):
            return to_plain(value)
    if hasattr(value, "iso_format") and callable(value.iso_format):  # neo4j Duration
        return value.iso_format()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if hasattr(value, "srid") and isinstance(value, tuple):  # neo4j spatial Point
        return {"srid": value.srid, "coordinates": [to_plain(c) for c in value]}
    if hasattr(value, "element_id") and hasattr(value, "items"):  # neo4j Node / Relationship
        plain: dict[str, Any] = {"element_id": value.element_id}
        if hasattr(value, "labels"):
            plain["labels"] = sorted(value.labels)
        if hasattr(value, "type") and isinstance(getattr(value, "type"), str):
            plain["type"] = value.type
        plain["properties"] = {str(k): to_plain(v) for k, v in value.items()}
        return plain
    if hasattr(value, "nodes") and hasattr(value, "relationships"):  # neo4j Path
        return {"nodes": [to_plain(n) for n in value.nodes],
                "relationships": [to_plain(r) for r in value.relationships]}
    if isinstance(value, (set, frozenset)):
        import json

        items = [to_plain(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, (list, tuple)) or (hasattr(value, "__iter__") and hasattr(value, "__len__")):
        return [to_plain(v) for v in value]
    return str(value)

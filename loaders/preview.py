"""A look at a file before it is loaded: its kind, the columns found, and its first rows as
they will load (the nodes and relationships each row makes, or why it is rejected).

Reuses the pipeline's own steps (``read.iter_table``, ``pipeline.resolve_mapping``,
``Mapping.apply``, ``FtmSource``) without a database, so what the preview shows is what
``load_file`` will do. The whole-file validation (counts, reject reasons) is
``load_file(None, path, dry_run=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Iterator

from loaders import read
from loaders.records import Issue, NodeRecord, RelRecord, RowResult


@dataclass
class PreviewRow:
    row: int
    values: dict[str, Any]            # the row as read (column -> text)
    nodes: list[NodeRecord] = field(default_factory=list)
    rels: list[RelRecord] = field(default_factory=list)
    rejects: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.rejects)


@dataclass
class Preview:
    file: str
    kind: str
    mapping: str                      # the mapping's source (built-in name or file), or 'ftm'
    format: str                       # csv | xlsx | jsonl
    encoding: str | None
    header: list[str]
    header_row: int
    columns: dict[str, str]           # canonical field -> the file's column
    missing: list[str]                # required columns not found (the load would fail)
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    rows: list[PreviewRow] = field(default_factory=list)


def _first_rows(chunks: Iterator[tuple[list[tuple[int, dict]], list[RowResult]]], limit: int
                ) -> Iterator[tuple[int, dict, RowResult]]:
    for chunk, results in chunks:
        for (number, raw), result in zip(chunk, results):
            yield number, raw, result


def preview_file(path: Path, *, kind: str | None = None, mapping_file: Path | None = None,
                 sheet: str | int | None = None, rows: int = 20) -> Preview:
    """The first ``rows`` rows of ``path`` as they will load. Raises :class:`LoadError` (with a
    sentence) when the file cannot be loaded at all: unreadable, unknown kind."""
    from loaders.pipeline import _is_jsonl, resolve_mapping

    path = Path(path)
    chunk = max(rows, 1)
    if kind == "ftm" or (kind is None and mapping_file is None and _is_jsonl(path)):
        from loaders.ftm import FtmSource
        source = FtmSource(path)
        table = source.table
        preview = Preview(path.name, "ftm", "ftm", table.format, table.encoding, [], 0, {}, [])
        chunks = source.results(chunk)
    else:
        table = read.iter_table(path, sheet=sheet, chunk_rows=chunk)
        mapping = resolve_mapping(table, kind, mapping_file, path)
        found = mapping.match_header(table.header)
        preview = Preview(path.name, mapping.kind, mapping.source, table.format, table.encoding,
                          list(table.header), table.header_row, found, mapping.missing_columns(found),
                          table.sheet, table.sheets)
        if preview.missing:
            return preview
        scope = read.sha256_file(path)[:12]
        chunks = ((c, [mapping.apply(n, raw, found, scope) for n, raw in c]) for c in islice(table.chunks(), 1))
    for number, raw, result in islice(_first_rows(chunks, rows), rows):
        values = {k: v for k, v in raw.items() if not str(k).startswith("__")} if isinstance(raw, dict) else {}
        preview.rows.append(PreviewRow(number, values, result.nodes, result.rels, result.rejects, result.warnings))
    return preview


def describe_node(node: NodeRecord) -> str:
    """'Organization 中华精准扶贫促进会' / 'BankAccount 6222…' for one node a row makes."""
    props = node.props or {}
    name = props.get("name") or props.get("holder_name") or props.get("text") or props.get("summary")
    return f"{node.label} {name} [{node.key}]" if name and name != node.key else f"{node.label} {node.key}"


def describe_rel(rel: RelRecord) -> str:
    amount = (rel.props or {}).get("amount")
    extra = f" ¥{amount:,.2f}" if isinstance(amount, (int, float)) else ""
    role = (rel.props or {}).get("role") or (rel.merge_on or {}).get("role")
    extra += f" ({role})" if role else ""
    return f"{rel.source.key} -{rel.type}{extra}-> {rel.target.key}"


def describe_issue(issue: Issue) -> str:
    where = f"{issue.column}: " if issue.column else ""
    value = f" ('{issue.value[:60]}')" if issue.value else ""
    return f"{where}{issue.detail}{value} [{issue.code}]"

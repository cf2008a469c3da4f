"""Loading one file: read, detect the kind, validate and clean each row, write in chunks,
record the run, report rejects.

Guarantees: a file whose columns or bytes are wrong fails before anything is written; a
row that cannot be loaded is rejected with row, column and reason into the rejects CSV;
every write is an idempotent MERGE, so loading again (after success or after a failure
half-way) converges to the state of one clean load; a ``LoadRun`` node records who
loaded which file (by SHA-256), when, with which counts.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import hashlib
import json
import sys
import threading
import time
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from itertools import repeat
from operator import is_
from pathlib import Path
from typing import Any, Callable, Iterator

from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired, TransientError

from core.errors import LoadError, OrgTraceError
from core.files import open_private, private_dir
from graph.admin import refresh_search_index
from graph.connection import GraphDB
from loaders import read
from loaders.columnar import SIMPLE, ColumnarChunk, TransferColumns, plan_for
from loaders.clean import clip, neutralize_formula
from loaders.mapping import Mapping, builtin_mappings, detect_kind, load_mapping
from loaders.records import Issue, RowResult
from loaders.writer import GraphWriter, PreparedChunk, Provenance

DUPLICATE_MEMORY = 2_000_000  # rows whose fingerprint is kept for duplicate detection
#: Rows in a load's first chunk (then twice as many a chunk, up to ``chunk_rows``): the
#: database has nothing to do until the first chunk is cleaned, which takes longest of all
#: (every account, holder and ID new; 0.6 s for 5,000 statement lines).
FIRST_CHUNK_ROWS = 1000
_READ_WARNINGS = {
    "encoding_fallback": "this line is in another text encoding than the rest of the file; decoded separately",
    "excel_number_precision": "a long number stored as an Excel number: digits after the 15th may be lost",
    "bad_bytes": "broken bytes in the file's text encoding; read with a replacement character (�)",
}


@dataclass
class FileReport:
    file: str
    sha256: str
    kind: str | None
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    warnings: int = 0
    rejects_file: str | None = None
    status: str = "pending"          # loaded | validated (dry run) | failed
    message: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    warning_reasons: dict[str, int] = field(default_factory=dict)
    warnings_file: str | None = None
    run_key: str | None = None
    #: loaded rows that showed a transfer already recorded from another statement line (the
    #: same transfer in the payer's and the payee's statement): merged into one, not rejected
    duplicates: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Progress:
    """Where a load is, after each chunk: rows read so far, rows written (or validated)
    so far, rows rejected so far, seconds since the file was opened."""
    file: str
    read: int
    loaded: int
    rejected: int
    seconds: float


def run_key(sha256: str, kind: str, mapping_sha: str) -> str:
    return hashlib.sha256(f"{sha256}|{kind}|{mapping_sha}".encode()).hexdigest()[:24]


class _IssueLog:
    """Rejects and warnings streamed to CSV files (never held in memory)."""

    HEADER = ["file", "row", "column", "code", "detail", "value"]

    def __init__(self, path: Path, file_name: str):
        self.path, self.file_name = path, file_name
        self.count = 0
        self.by_code: Counter[str] = Counter()
        self._handle = None
        self._writer = None

    def add(self, issue: Issue) -> None:
        if self._writer is None:
            private_dir(self.path.parent)  # rejects hold raw rows: owner only (0700 / 0600)
            self._handle = open_private(self.path, "w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(self.HEADER)
        value = (issue.value or "")[:500]
        self._writer.writerow([self.file_name, issue.row, issue.column or "", issue.code,
                               neutralize_formula(clip(issue.detail, 1000)), neutralize_formula(value)])
        self.count += 1
        self.by_code[issue.code] += 1

    def close(self) -> str | None:
        if self._handle:
            self._handle.close()
            return str(self.path)
        return None


def _row_fingerprint(raw: dict) -> int:
    """A 64-bit fingerprint of a row: equal for rows whose JSON form (keys sorted, other
    values as str) is equal, as it was when the JSON text itself was hashed. Rows of text
    (CSV, Excel) are hashed as tuples, without writing JSON; any other value is replaced
    by its JSON text, or by the string that text holds (a date, so it equals that text)."""
    items = sorted(raw.items())
    for _, value in items:
        if value is not None and value.__class__ is not str:
            items = [(key, _json_value(value)) for key, value in items]
            break
    return hash(tuple(items))


def _fingerprint_for(table: read.Table) -> Callable[[dict], int]:
    """The row fingerprint for a table's rows. A CSV row is a dict of text cells with the
    header's keys in the header's order (``read._rows_after``): two such rows are equal
    exactly when their cells are, so their values' tuple is hashed, without sorting; a
    row with more keys (extra cells, reading notes) is hashed the general way (and can
    equal no row of the first kind). Other tables: :func:`_row_fingerprint`."""
    if table.format != "csv":
        return _row_fingerprint
    width = len(table.header)

    def fingerprint(raw: dict) -> int:
        return hash(tuple(raw.values())) if len(raw) == width else _row_fingerprint(raw)
    return fingerprint


def _nothing_to_say(results: list[RowResult], fingerprints: list[int], seen: set[int]) -> bool:
    """Whether every row of a column-wise chunk is simple (no reading note, warning or
    reject: ``SIMPLE`` itself, not an equal result) and none repeats a row."""
    return (all(map(is_, results, repeat(SIMPLE))) and len(set(fingerprints)) == len(fingerprints)
            and seen.isdisjoint(fingerprints))


def _json_value(value: object) -> object:
    if value is None or value.__class__ is str:
        return value
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return json.loads(text) if text.startswith('"') else ("json", text)


def resolve_mapping(table: read.Table, kind: str | None, mapping_file: Path | None, path: Path) -> Mapping:
    if mapping_file:
        return load_mapping(mapping_file)
    mappings = builtin_mappings()
    if kind:
        if kind not in mappings:
            raise LoadError(f"Unknown kind '{clip(kind, 40)}' for {path.name}; known kinds: "
                            f"{', '.join(sorted([*mappings, 'ftm']))}.", file=path.name)
        return mappings[kind]
    found = detect_kind(table.header, mappings)
    if found is None:
        raise LoadError(
            f"Cannot tell what {path.name} holds from its columns ({_header_text(table.header, 12)}); "
            f"name the kind with --kind ({', '.join(sorted([*mappings, 'ftm']))}) or give a --mapping file.",
            file=path.name)
    return found


def _header_text(header: list[str], count: int) -> str:
    """The first header cells for a message, each and all cut to a readable length."""
    cells = [clip(h, 40) for h in header[:count]]
    more = f", … ({len(header)} columns)" if len(header) > count else ""
    return clip(", ".join(cells), 400) + more if cells else "none"


def _check_columns(table: read.Table, mapping: Mapping, found: dict[str, str], path: Path) -> None:
    """Refuse a file that lacks required columns, or repeats a column a field would read."""
    missing = mapping.missing_columns(found)
    if missing:
        raise LoadError(f"{path.name} lacks required column(s) for kind '{mapping.kind}': "
                        f"{'; '.join(missing)} (header found on row {table.header_row}: "
                        f"{_header_text(table.header, 20)}).", file=path.name, row=table.header_row)
    ambiguous = mapping.ambiguous_columns(table.header, table.repeated)
    if ambiguous:
        field, cells = ambiguous[0]
        positions = [str(table.header.index(c) + 1) for c in cells]
        raise LoadError(
            f"{path.name} has {len(cells)} columns named '{clip(cells[0], 40)}' (columns "
            f"{' and '.join(positions)} of the header on row {table.header_row}), and OrgTrace cannot "
            f"tell which one holds '{field}': remove or rename the other, or name the one to use in a "
            f"mapping ('{clip(cells[0], 40)}_1' for the first, '{clip(cells[1], 40)}' for the second; "
            f"docs/mapping-format.md).", file=path.name, row=table.header_row)


def _start_run(db: GraphDB, report: FileReport, path: Path, kind: str, mapping: str, user: str) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    db.write(
        "MERGE (r:LoadRun {key: $key}) "
        "ON CREATE SET r.attempts = [] "
        "SET r.file = $file, r.sha256 = $sha, r.kind = $kind, r.mapping = $mapping, r.user = $user, "
        "    r.started_at = $now, r.finished_at = null, "
        "    r.attempts = r.attempts + ($now_text + ' ' + $user + ' started' + "
        "        CASE WHEN r.status = 'running' THEN ' (the previous attempt was interrupted)' ELSE '' END), "
        "    r.status = 'running'",
        {"key": report.run_key, "file": path.name, "sha": report.sha256, "kind": kind, "mapping": mapping,
         "user": user, "now": now, "now_text": now.isoformat(timespec="seconds")})


def _finish_run(db: GraphDB, report: FileReport, user: str) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    db.write(
        "MATCH (r:LoadRun {key: $key}) "
        "SET r.status = $status, r.finished_at = $now, r.read = $read, r.loaded = $loaded, "
        "    r.rejected = $rejected, r.warnings = $warnings, r.message = $message, "
        "    r.attempts = r.attempts + ($now_text + ' ' + $user + ' ' + $status)",
        {"key": report.run_key, "status": report.status, "now": now, "read": report.read,
         "loaded": report.loaded, "rejected": report.rejected, "warnings": report.warnings,
         "message": report.message, "user": user, "now_text": now.isoformat(timespec="seconds")})


#: Net growth of the young generation (tracked objects allocated and not freed since the
#: last collection: the memos, the driver's small cycles) that makes ``tidy`` collect.
YOUNG_LIMIT = 4_000_000


@contextlib.contextmanager
def _gc_paused() -> Iterator[Callable[[], None]]:
    """Pause Python's cycle collector while a file is loaded; yields ``tidy``, called once
    per chunk. The rows make no reference cycles, but they allocate so many objects that
    the collector would run several full passes per chunk over every live object (the
    cleaners' memos included): about a third of the Python time per row. The database
    driver does make cycles (its results and handlers), but they no longer hold the
    statements' rows (``graph.connection.release``): a few hundred small objects a chunk.
    So ``tidy`` collects the young generations only when they have grown by
    ``YOUNG_LIMIT`` objects (the memos, mostly, which it moves to the old generation), not
    after every chunk: that scan of each chunk's live objects cost about 2 s per 300,000
    demo lines; at 1,000,000 instead of 4,000,000 the scans still cost 0.3 s (dry run,
    medians of 3: 15.93 against 15.68 s of CPU; never: 15.42)."""
    enabled = gc.isenabled()
    gc.disable()

    def tidy() -> None:
        if gc.get_count()[0] > YOUNG_LIMIT:
            gc.collect(1)
    try:
        yield tidy if enabled else (lambda: None)
    finally:
        if enabled:
            gc.enable()


#: What a chunk gives the loop: its rows, each row's result, and (fast path) the chunk's
#: records for the writer, which the results then do not carry.
_Chunk = tuple[list[tuple[int, dict]], list[RowResult], "ColumnarChunk | None"]


def _results(table: read.Table, mapping: Mapping, found: dict[str, str], scope: str,
             columnar: bool) -> Iterator[_Chunk]:
    """Each chunk cleaned: column-wise when the mapping is statement-shaped and the fast
    path is on (loaders/columnar.py), row by row otherwise (the reference)."""
    plan = plan_for(mapping) if columnar else None
    # (the database waits for the first chunk: a small one lets it start sooner)
    for chunk in table.chunks(first_rows=FIRST_CHUNK_ROWS):
        if plan is not None:
            done = plan.apply_chunk(chunk, found, scope)
            yield chunk, done.results, done
        else:
            yield chunk, [mapping.apply(n, raw, found, scope) for n, raw in chunk], None


def load_file(db: GraphDB | None, path: Path, *, kind: str | None = None, mapping_file: Path | None = None,
              dry_run: bool = False, user: str = "investigator", report_dir: Path = Path("load-reports"),
              sheet: str | int | None = None, chunk_rows: int = 5000,
              progress: Callable[[Progress], None] | None = None,
              plausible_amount: float | None = None, columnar: bool | None = None) -> FileReport:
    """Load one file. Never raises for the file's content: failures are in the report (an
    unexpected one too: the run is then marked failed with the reason, and loading again
    converges). ``progress``, when given, is called after every chunk (a million rows take
    minutes). ``plausible_amount``: above it an amount is warned about (default: the
    ORGTRACE_PLAUSIBLE_AMOUNT setting). ``columnar``: clean statement files a chunk at a
    time as columns (default: the ORGTRACE_COLUMNAR_LOAD setting, on); off, every row goes
    the reference way (same graph, slower)."""
    path = Path(path)
    clock = time.monotonic()
    report = FileReport(file=path.name, sha256="", kind=kind)
    try:
        report.sha256 = read.sha256_file(path)
    except OSError as exc:
        report.status, report.message = "failed", f"{path} cannot be read: {exc.strerror}."
        return report
    stem = f"{path.stem}.{report.sha256[:8]}"
    rejects = _IssueLog(Path(report_dir) / f"{stem}.rejects.csv", path.name)
    warnings = _IssueLog(Path(report_dir) / f"{stem}.warnings.csv", path.name)
    started = False
    row_at = 0
    table: read.Table | None = None
    behind: _WriteBehind | None = None
    try:
        if kind == "ftm" or (kind is None and mapping_file is None and _is_jsonl(path)):
            from loaders.ftm import FtmSource
            source = FtmSource(path)
            report.kind = "ftm"
            mapping_name, mapping_sha = "ftm", source.version
            chunks = ((chunk, results, None) for chunk, results in source.results(chunk_rows))
        else:
            table = read.iter_table(path, sheet=sheet, chunk_rows=chunk_rows)
            mapping = resolve_mapping(table, kind, mapping_file, path)
            report.kind = mapping.kind
            found = mapping.match_header(table.header, table.repeated)
            _check_columns(table, mapping, found, path)
            if plausible_amount is None or columnar is None:
                from core.settings import load_settings
                settings = load_settings()
                plausible_amount = settings.plausible_amount if plausible_amount is None else plausible_amount
                columnar = settings.columnar_load if columnar is None else columnar
            mapping.set_plausible_amount(plausible_amount)
            mapping_name, mapping_sha = mapping.source, mapping.sha256
            chunks = _results(table, mapping, found, report.sha256[:12], columnar)
        report.run_key = run_key(report.sha256, report.kind, mapping_sha)
        writer = None
        if not dry_run:
            assert db is not None
            _start_run(db, report, path, report.kind, mapping_name, user)
            started = True
            writer = GraphWriter(db, Provenance(path.name, report.sha256, report.run_key))
        seen: set[int] = set()
        fingerprint = _row_fingerprint if table is None else _fingerprint_for(table)
        by_mapping = report.kind != "ftm"
        behind = _WriteBehind(writer, report, rejects)
        with _gc_paused() as tidy:
            try:
                for chunk, results, columns in chunks:
                    nodes, rels, good = [], [], 0
                    fingerprints = list(map(fingerprint, [raw for _, raw in chunk]))
                    if columns is not None and _nothing_to_say(results, fingerprints, seen):
                        # the usual column-wise chunk: every row simple, none seen before;
                        # the same counts as the loop below, at C speed
                        report.read += len(chunk)
                        row_at = chunk[-1][0]
                        good = len(chunk)
                        seen.update(fingerprints[:max(0, DUPLICATE_MEMORY - len(seen))])
                        results = []
                    for (row_number, raw), result, fingerprint_of_row in zip(chunk, results, fingerprints):
                        row_at = row_number
                        report.read += 1
                        for note in raw.get(read.WARNINGS_KEY, ()):
                            code, column = note[0], note[1]
                            if code == "bad_bytes" and by_mapping:
                                continue    # the mapping weighs it: a warning, or a reject in a key field
                            detail = note[2] if len(note) > 2 else _READ_WARNINGS.get(code, code)
                            warnings.add(Issue(row_number, column, code, detail))
                        for issue in result.warnings:
                            warnings.add(issue)
                        if result.rejects:
                            report.rejected += 1
                            for issue in result.rejects:
                                rejects.add(issue)
                            continue
                        if fingerprint_of_row in seen:
                            warnings.add(Issue(row_number, None, "duplicate_row",
                                               "exact duplicate of an earlier row: loaded once"))
                        elif len(seen) < DUPLICATE_MEMORY:
                            seen.add(fingerprint_of_row)
                        good += 1
                        nodes.extend(result.nodes)
                        rels.extend(result.rels)
                    if columns is not None:     # the fast path: the chunk's records, built together
                        nodes, rels = columns.nodes, columns.rels
                    behind.submit(nodes, rels, good, columns.transfers if columns is not None else None,
                                  chunk[0][0] if chunk else 0)
                    tidy()      # (what the chunks written so far left can go)
                    if progress is not None:
                        progress(Progress(path.name, report.read, report.loaded, report.rejected,
                                          time.monotonic() - clock))
                behind.settle()
                if progress is not None:
                    progress(Progress(path.name, report.read, report.loaded, report.rejected, time.monotonic() - clock))
            finally:
                behind.close()
        report.status = "validated" if dry_run else "loaded"
    except Exception as exc:
        if behind is not None and behind.failed_row:
            row_at = behind.failed_row     # (the cleaning may be chunks ahead of the failed write)
        report.status, report.message = "failed", _failure_message(exc, path.name, row_at)
    finally:
        report.rejects_file = rejects.close()
        report.warnings_file = warnings.close()
        report.warnings = warnings.count
        report.reasons = dict(rejects.by_code)
        report.warning_reasons = dict(warnings.by_code)
    if started:
        try:
            _finish_run(db, report, user)   # type: ignore[arg-type]
            refresh_search_index(db)        # type: ignore[arg-type]
        except (ServiceUnavailable, SessionExpired, Neo4jError, OSError):
            pass  # the run stays 'running'; the next attempt records it as interrupted
    return report


def _failure_message(exc: Exception, name: str, row_at: int) -> str:
    """What a failed load tells the investigator: the file's fault, the connection's, the
    database's, or a defect (said as such)."""
    if isinstance(exc, LoadError):
        return str(exc)
    if isinstance(exc, (ServiceUnavailable, SessionExpired, TransientError, OSError)):
        return (f"The database connection was lost while loading {name} near row {row_at} "
                f"({type(exc).__name__}); nothing is duplicated: load the file again to finish.")
    if isinstance(exc, Neo4jError):
        return (f"The database refused the data of {name} near row {row_at}: "
                f"{clip((exc.message or str(exc.code)).splitlines()[0], 300)}. Nothing is duplicated; "
                f"load the file again once fixed.")
    if isinstance(exc, OrgTraceError):
        return str(exc)
    where = f"near row {row_at}" if row_at else "before its first row"     # a defect, not the file's fault
    return (f"Loading {name} stopped {where} on an unexpected error "
            f"({type(exc).__name__}: {clip(str(exc), 200)}). What was written is consistent "
            f"and nothing is duplicated: load the file again to finish, and report this error.")


class _WriteBehind:
    """Writes chunks on a worker thread while the caller reads and cleans the next ones (the
    database and the Python side then use both cores). Up to ``AHEAD`` chunks wait or are
    in flight, in file order. Each chunk's statement parameters are made here, on the
    cleaning thread, when nothing in them waits on the database's answers to earlier
    chunks (:meth:`GraphWriter.prepare`); the worker then only sends them.

    Why more than one: a load is database-bound while most of its nodes are new (the first
    fifth of the demo: the writer busy 31 s for the cleaning's 20) and Python-bound after
    (19 s of cleaning for 16 of writing per fifth); with one chunk in flight each phase
    costs its own maximum, with a few the cleaning works ahead in the first phase and the
    writer drains that lead in the second. Memory: each waiting chunk holds its cleaned
    records (a few MB for 5,000 lines)."""

    #: How long the cleaning thread may hold the interpreter before the writer may take it
    #: (Python's default is 5 ms): the writer wakes on each answer from the database and
    #: sends the next statement; at 5 ms the database waited for it, at 0.5 ms it does not.
    SWITCH_INTERVAL = 0.0005
    #: chunks cleaned and not yet written, at most
    AHEAD = 8

    def __init__(self, writer: GraphWriter | None, report: FileReport, rejects: _IssueLog):
        self.writer, self.report, self.rejects = writer, report, rejects
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orgtrace-writer") if writer else None
        self.pending: deque[tuple[Future, int, int]] = deque()
        #: the first row of the chunk whose write failed (for the message)
        self.failed_row: int | None = None
        self._stopped = False
        if self.pool is not None:
            _switch_interval(+1, self.SWITCH_INTERVAL)

    def submit(self, nodes: list, rels: list, good: int, transfers: TransferColumns | None = None,
               first_row: int = 0) -> None:
        if self.pool is None:
            self.report.loaded += good
            return
        while self.pending and (len(self.pending) >= self.AHEAD or self.pending[0][0].done()):
            self._settle_one()
        # (its statements' parameters made here, beside the writer's sending of earlier ones)
        prepared = None if self._stopped else self.writer.prepare(nodes, rels, transfers)  # type: ignore[union-attr]
        self.pending.append((self.pool.submit(self._write, nodes, rels, transfers, prepared), good, first_row))

    def _write(self, nodes: list, rels: list, transfers: TransferColumns | None, prepared: PreparedChunk | None) -> Any:
        """On the worker: a chunk after a failed one is not written (the load stops at the
        first failure, in file order, as it would one chunk at a time)."""
        if self._stopped:
            raise _NotWritten()
        try:
            return self.writer.write(nodes, rels, transfers, prepared)  # type: ignore[union-attr]
        except BaseException:
            self._stopped = True
            raise

    def _settle_one(self) -> None:
        future, good, first_row = self.pending.popleft()
        try:
            outcome = future.result()
        except BaseException:
            self.failed_row = first_row
            raise
        for row_number in sorted(outcome.conflicts):
            message, tx_id = outcome.conflicts[row_number]
            self.rejects.add(Issue(row_number, None, "transfer_conflict", message, tx_id))
        self.report.rejected += len(outcome.conflicts)
        self.report.loaded += good - len(outcome.conflicts)
        self.report.duplicates += len(outcome.duplicates)

    def settle(self) -> None:
        """Wait for every chunk in flight; count them; raise the first one's error if one failed."""
        while self.pending:
            self._settle_one()

    def close(self) -> None:
        if self.pool is not None:
            self._stopped = True    # (after a failure: what still waits is not written)
            self.pool.shutdown(wait=True, cancel_futures=True)
            _switch_interval(-1, self.SWITCH_INTERVAL)


class _NotWritten(Exception):
    """A chunk queued behind a failed one (never reported: the failure is)."""


_loads_writing = [0, None]     # loads with a writer thread in this process; the interval before
_loads_lock = threading.Lock()


def _switch_interval(change: int, interval: float) -> None:
    """Shorten the interpreter's switch interval while any load writes (loads may run side
    by side in the web app); the previous one is back when the last ends."""
    with _loads_lock:
        if change > 0 and _loads_writing[0] == 0:
            _loads_writing[1] = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, _loads_writing[1]))
        _loads_writing[0] += change
        if _loads_writing[0] == 0 and _loads_writing[1] is not None:
            sys.setswitchinterval(_loads_writing[1])


def _is_jsonl(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith(b"{")

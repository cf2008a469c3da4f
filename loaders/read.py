"""Reading investigators' tables: CSV, XLSX and JSON lines, streamed, with no database code.

Format and text encoding are detected from the bytes, never from the file name.
:func:`iter_table` returns a :class:`Table`; :meth:`Table.chunks` yields lists of
``(row_number, row)`` where ``row_number`` is the 1-based physical line (CSV, JSONL) or sheet
row (XLSX), as the investigator sees it in a text editor or in Excel. Blank rows are skipped.

A row maps header -> raw value (a string; for JSONL the parsed object's values) and may hold
reserved keys, for the pipeline to act on:

- ``__extra__``: the non-empty cells beyond the header (list of str): reject ``extra_cells``.
- ``__error__``: why a JSON line could not be parsed: reject ``bad_json``.
- ``__warnings__``: ``(code, column)`` pairs, column None for the whole row:
  ``excel_number_precision`` (a whole number of 16+ digits stored as a number in Excel,
  which keeps only 15 significant digits: an ID or account number may be corrupted) and
  ``encoding_fallback`` (a line not in the file's encoding, decoded as GB18030 or UTF-8);
  ``bad_bytes`` entries are ``(code, column, detail)``: a cell holding a replacement
  character (U+FFFD) for bytes that are broken in the file's encoding, the detail naming
  the byte offset in the file.

A file that cannot be read as a whole raises :class:`core.errors.LoadError`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import charset_normalizer

from core.errors import LoadError

#: Bytes looked at to detect the encoding; the first _TEXT_SAMPLE of them, decoded, for the
#: format and the delimiter.
SAMPLE_BYTES = 1 << 20
_TEXT_SAMPLE = 1 << 16
#: Rows searched for the header (below title rows).
HEADER_SCAN_ROWS = 20
#: Largest CSV field / JSON line accepted, in characters; a bigger CSV field usually means
#: an unclosed quote swallowed the rest of the file.
MAX_FIELD_CHARS = 10 << 20
DELIMITERS = ",\t;|"
EXTRA_KEY, ERROR_KEY, WARNINGS_KEY = "__extra__", "__error__", "__warnings__"

Row = dict[str, Any]
Chunk = list[tuple[int, Row]]
#: (code, column index or None[, detail]) found while reading a row.
_Notes = Sequence[tuple]
_RawRows = Generator[tuple[int, list[str], _Notes], None, None]

_NO_NOTES: _Notes = ()
_FALLBACK_NOTES: _Notes = (("encoding_fallback", None),)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FALLBACK_ENCODING = {"utf-8": "gb18030", "utf-8-sig": "gb18030", "gb18030": "utf-8"}
_HEADER_JUNK = str.maketrans("", "", "\u3000\ufeff\u200b\r\n")
#: A cell that starts like a number, date or amount cannot be a header label.
_VALUE_LIKE = re.compile(r"^[\s+\-−(（¥￥$]*[0-9０-９]")
#: what a damaged workbook raises, besides openpyxl's InvalidFileException (openpyxl is
#: imported when a workbook is opened: 0.15 s that a CSV load does not need to wait for)
_XLSX_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError, EOFError, SyntaxError)


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of the file's bytes, read in blocks."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def detect_encoding(path: str | Path) -> str:
    """The text encoding of the file, judged from its first :data:`SAMPLE_BYTES` bytes.

    UTF-8 with BOM -> 'utf-8-sig'; UTF-16 with BOM -> 'utf-16'; valid UTF-8, or mostly
    UTF-8 lines with a few in another encoding -> 'utf-8'; GBK/GB18030 -> 'gb18030'; else
    charset-normalizer's guess. A binary file raises LoadError.
    """
    path = Path(path)
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
        complete = not f.read(1)
    return _encoding_of(sample, complete, path.name)


def detect_delimiter(sample_text: str) -> str:
    """The delimiter among ``, tab ; |``: csv.Sniffer's choice, else the most frequent in
    the first line holding any of them, else ','."""
    lines = [line for line in sample_text.splitlines() if line.strip()][:50]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = next((line for line in lines if any(d in line for d in DELIMITERS)), "")
        return max(DELIMITERS, key=header.count)


@dataclass(frozen=True)
class Table:
    """A table found in a file. Each call of :meth:`chunks` reads the file again, streamed."""

    path: Path
    format: str                       # 'csv' | 'xlsx' | 'jsonl'
    encoding: str | None              # None for xlsx
    header: list[str]                 # cleaned, unique; [] for jsonl
    header_row: int                   # 1-based; 0 for jsonl (no header)
    chunk_rows: int
    _rows: Callable[[], Iterator[tuple[int, Row]]] = field(repr=False)
    delimiter: str | None = None      # csv only
    sheet: str | None = None          # xlsx: the sheet read
    sheets: tuple[str, ...] = ()      # xlsx: all worksheet names
    #: a header cell the file has more than once -> its cells as renamed ('金额', '金额_2')
    repeated: dict[str, list[str]] = field(default_factory=dict)

    def chunks(self, first_rows: int | None = None) -> Iterator[Chunk]:
        """Lists of at most ``chunk_rows`` ``(row_number, row)`` pairs, in file order.
        ``first_rows``: the first chunk holds at most that many, each next one twice as
        many as the one before, up to ``chunk_rows`` (a load's first write goes out sooner)."""
        rows = self._rows()
        size = min(first_rows or self.chunk_rows, self.chunk_rows)
        while chunk := list(islice(rows, size)):
            yield chunk
            size = min(size * 2, self.chunk_rows)


def iter_table(path: str | Path, *, sheet: str | int | None = None, chunk_rows: int = 5000,
               max_field_bytes: int = MAX_FIELD_CHARS) -> Table:
    """Open a CSV, XLSX or JSON-lines file as a :class:`Table`.

    ``sheet`` picks an XLSX worksheet by name or 0-based index (default: the first).
    ``max_field_bytes`` bounds a CSV field or a JSON line, in characters.
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(SAMPLE_BYTES)
        complete = not f.read(1)
    if head.startswith(_ZIP_MAGIC):
        return _xlsx_table(path, sheet, chunk_rows)
    if head.startswith(_OLE_MAGIC):
        raise LoadError(
            f"{path.name} is an old Excel 97-2003 (.xls) or password-protected workbook; open "
            "it in Excel and save it as an Excel workbook (.xlsx, Excel 工作簿) without a "
            "password.", file=path.name)
    if not head.strip():
        raise _empty(path.name)
    encoding = _encoding_of(head, complete, path.name)
    text = head[:_TEXT_SAMPLE].decode(encoding, errors="replace")
    if not complete or len(head) > _TEXT_SAMPLE:
        text = text[:text.rfind("\n") + 1] or text
    start = text.lstrip("\ufeff \t\r\n")
    if start.startswith("{"):
        return Table(path, "jsonl", encoding, [], 0, chunk_rows,
                     lambda: _jsonl_rows(path, encoding, max_field_bytes))
    if start.startswith("<") and re.search(r"<(html|table)\b", start[:4096], re.I):
        raise LoadError(
            f"{path.name} is a web page (HTML) saved under a spreadsheet name, as some bank "
            "systems export; open it in Excel and save it as an Excel workbook (.xlsx, "
            "Excel 工作簿).", file=path.name)
    delimiter = detect_delimiter(text)

    def raw() -> _RawRows:
        return _csv_rows(path, encoding, delimiter, max_field_bytes)

    found = _find_header(raw())
    if found is None:
        raise _empty(path.name)
    header_row, header = found
    return Table(path, "csv", encoding, header, header_row, chunk_rows,
                 lambda: _rows_after(raw(), header_row, header), delimiter=delimiter,
                 repeated=_repeats(header))


# --- encodings ------------------------------------------------------------------------

def _encoding_of(sample: bytes, complete: bool, name: str) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise _binary(name)
    if _decodes(sample, "utf-8", complete) or _mostly_utf8(sample, complete):
        return "utf-8"
    broken, good = _utf8_damage(sample, complete)
    if good > broken:                 # UTF-8 text with a few broken bytes
        return "utf-8"
    if _decodes(sample, "gb18030", complete):
        return "gb18030"
    if broken <= _STRAY_BYTES:        # plain ASCII text with a stray byte or two
        return "utf-8"
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise _binary(name)
    return best.encoding


def _decodes(sample: bytes, encoding: str, complete: bool) -> bool:
    """Whether ``sample`` decodes; a multibyte character cut by the sample's end is allowed."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for i in range(0, len(sample), _TEXT_SAMPLE):       # in slices: bounded memory
            decoder.decode(sample[i:i + _TEXT_SAMPLE])
        decoder.decode(b"", final=complete)
    except UnicodeDecodeError:
        return False
    return True


#: Broken sequences a sample of ASCII text may hold and still be read as UTF-8.
_STRAY_BYTES = 8
_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")


def _utf8_damage(data: bytes, complete: bool = True) -> tuple[int, int]:
    """(broken UTF-8 sequences, well-formed non-ASCII characters) in ``data``. A UTF-8
    text with a broken byte has many more of the second; text in another encoding read as
    UTF-8 has mostly the first."""
    if not complete:
        data = data[:-3]              # a character cut by the sample's end is not damage
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    return broken, len(_NON_ASCII.findall(text))


def _mostly_utf8(sample: bytes, complete: bool) -> bool:
    """More than half the non-ASCII lines are UTF-8 (a UTF-8 file with a few GBK lines)."""
    lines = sample.split(b"\n")
    if not complete:
        lines.pop()
    foreign = [line for line in lines if not line.isascii()]
    good = sum(_decodes(line, "utf-8", True) for line in foreign)
    return good * 2 > len(foreign)


class _Lines:
    """The decoded lines of a binary file. A line not in the file's encoding is either in
    another one (a GBK line in a UTF-8 file: decoded with the fallback encoding and
    remembered as odd) or has a few broken bytes (decoded with replacement characters,
    their byte offsets in the file remembered)."""

    def __init__(self, f: BinaryIO, encoding: str) -> None:
        self._f = f
        self._encoding = encoding
        self._fallback = _FALLBACK_ENCODING.get(encoding)
        self._odd = False
        self._bad: list[int] = []
        self._offset = 0

    def __iter__(self) -> Iterator[str]:
        if self._encoding == "utf-16":
            yield from io.TextIOWrapper(self._f, "utf-16", errors="replace", newline="")
            return
        for raw in self._f:
            start = self._offset
            self._offset += len(raw)
            try:
                yield raw.decode(self._encoding)
            except UnicodeDecodeError as exc:
                yield self._decode_odd(raw, start, exc)

    def _decode_odd(self, raw: bytes, start: int, exc: UnicodeDecodeError) -> str:
        if self._fallback and not self._broken_utf8(raw):
            try:
                text = raw.decode(self._fallback)
                self._odd = True
                return text
            except UnicodeDecodeError:
                pass
        self._bad.append(start + exc.start)
        return raw.decode(self._encoding, errors="replace")

    def _broken_utf8(self, raw: bytes) -> bool:
        """A line of a UTF-8 file that is UTF-8 with a few broken bytes, not another encoding."""
        if self._encoding not in ("utf-8", "utf-8-sig"):
            return False
        broken, good = _utf8_damage(raw)
        return good > broken

    def take_odd(self) -> bool:
        """Whether a line read since the last call needed the fallback."""
        odd, self._odd = self._odd, False
        return odd

    def take_bad(self) -> list[int]:
        """File offsets of the first broken byte of each line read since the last call."""
        bad, self._bad = self._bad, []
        return bad


# --- CSV ------------------------------------------------------------------------------

def _csv_rows(path: Path, encoding: str, delimiter: str, max_field: int) -> _RawRows:
    """Non-blank rows as (first physical line, cells, notes)."""
    csv.field_size_limit(max_field)
    with open(path, "rb") as f:
        lines = _Lines(f, encoding)
        reader = csv.reader(lines, delimiter=delimiter)
        start = 1
        try:
            for cells in reader:
                notes = _NO_NOTES
                if lines._odd or lines._bad:        # (a line needed the fallback, or had broken bytes)
                    notes = _FALLBACK_NOTES if lines.take_odd() else _NO_NOTES
                    bad = lines.take_bad()
                    if bad:
                        notes = [*notes, *_bad_byte_notes(cells, bad)]
                if (cells and cells[0].strip()) or "".join(cells).strip():
                    yield start, cells, notes
                start = reader.line_num + 1
        except csv.Error as exc:
            raise LoadError(
                f"{path.name}, line {start}: the CSV cannot be read ({_clip(str(exc), 200)}); a field may have "
                "an unclosed quote (引号未闭合).", file=path.name, row=start) from exc


def _bad_byte_notes(cells: list[str], offsets: list[int]) -> list[tuple]:
    """('bad_bytes', cell index, detail) for each cell holding a replacement character."""
    where = ", ".join(f"{o:,}" for o in offsets[:3])
    detail = f"broken bytes in the file's text encoding at byte offset {where}"
    found = [("bad_bytes", i, detail) for i, cell in enumerate(cells) if "\ufffd" in cell]
    return found or [("bad_bytes", None, detail)]


# --- XLSX -----------------------------------------------------------------------------

def _xlsx_table(path: Path, sheet: str | int | None, chunk_rows: int) -> Table:
    with _workbook(path) as wb:
        sheets = tuple(ws.title for ws in wb.worksheets)
        title = _pick_sheet(wb, sheet, path.name).title

    def raw() -> _RawRows:
        return _xlsx_rows(path, title)

    found = _find_header(raw())
    if found is None:
        raise LoadError(f"Worksheet (工作表) '{title}' of {path.name} is empty.", file=path.name)
    header_row, header = found
    return Table(path, "xlsx", None, header, header_row, chunk_rows,
                 lambda: _rows_after(raw(), header_row, header), sheet=title, sheets=sheets,
                 repeated=_repeats(header))


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """The workbook, read-only, closed on exit; damage found on the way raises LoadError.

    It is opened from a file object: given a path, openpyxl judges by the file's extension.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    errors = (*_XLSX_ERRORS, InvalidFileException)
    with open(path, "rb") as f:
        try:
            with zipfile.ZipFile(f) as archive:
                is_excel = any(name.startswith("xl/") for name in archive.namelist())
            if not is_excel:
                raise LoadError(f"{path.name} is a ZIP archive, not an Excel workbook "
                                "(Excel 工作簿); unpack it and load the files inside.",
                                file=path.name)
            wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
        except errors as exc:
            raise _bad_excel(path.name) from exc
        try:
            yield wb
        except errors as exc:
            raise _bad_excel(path.name) from exc
        finally:
            wb.close()


def _pick_sheet(wb: Any, sheet: str | int | None, name: str) -> Any:
    worksheets = wb.worksheets
    by_name = {ws.title: ws for ws in worksheets}
    if sheet is None and worksheets:
        return worksheets[0]
    if isinstance(sheet, int) and -len(worksheets) <= sheet < len(worksheets):
        return worksheets[sheet]
    if isinstance(sheet, str) and sheet in by_name:
        return by_name[sheet]
    names = ", ".join(_clip(n, 40) for n in list(by_name)[:20]) + (", …" if len(by_name) > 20 else "")
    raise LoadError(f"{name} has no worksheet (工作表) {_clip(str(sheet), 40)!r}; its worksheets are: "
                    f"{names or 'none'}.", file=name)


def _xlsx_rows(path: Path, title: str) -> _RawRows:
    """Non-blank sheet rows as (row number, cells as text, notes)."""
    with _workbook(path) as wb:
        ws = wb[title]
        ws.reset_dimensions()        # some writers record a wrong size; read every row
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells: list[str] = []
            notes: list[tuple[str, int | None]] = []
            for index, value in enumerate(values):
                text, suspect = _cell_text(value)
                cells.append(text)
                if suspect:
                    notes.append(("excel_number_precision", index))
            if "".join(cells).strip():
                yield number, cells, notes


def _cell_text(value: Any) -> tuple[str, bool]:
    """A cell value as text, and whether it is a whole number too long for Excel's 15 digits."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, int):
        return str(value), abs(value) >= 10 ** 15
    if isinstance(value, float):
        if value.is_integer():        # repr avoids binary noise: 6.2e18 -> '6200000000000000000'
            return format(Decimal(repr(value)), "f").removesuffix(".0"), abs(value) >= 1e15
        return format(Decimal(f"{value:.15g}"), "f"), False   # Excel's 15 significant digits
    if isinstance(value, dt.datetime):
        if value.microsecond:
            value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        return (value.date().isoformat() if value.time() == dt.time() else
                value.isoformat(sep=" ")), False
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds"), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    return str(value), False


# --- JSON lines -----------------------------------------------------------------------

def _jsonl_rows(path: Path, encoding: str, max_line: int) -> Iterator[tuple[int, Row]]:
    with open(path, "rb") as f:
        lines = _Lines(f, encoding)
        for number, line in enumerate(lines, start=1):
            odd = lines.take_odd()
            bad = lines.take_bad()
            if not line.strip():
                continue
            row: Row
            if len(line) > max_line:
                row = {ERROR_KEY: f"line longer than {max_line} characters"}
            else:
                try:
                    parsed = json.loads(line)
                except (ValueError, RecursionError) as exc:
                    parsed = {ERROR_KEY: f"not valid JSON: {exc}"}
                row = parsed if isinstance(parsed, dict) else {ERROR_KEY: "not a JSON object"}
            if odd or bad:
                row[WARNINGS_KEY] = ([("encoding_fallback", None)] if odd else []) + (
                    [("bad_bytes", None, f"broken bytes at byte offset {bad[0]:,}")] if bad else [])
            yield number, row


# --- header and rows ------------------------------------------------------------------

def _find_header(rows: _RawRows) -> tuple[int, list[str]] | None:
    """The header among the first :data:`HEADER_SCAN_ROWS` non-blank rows.

    It is the first row with at least 2 and at least half as many non-empty cells as the
    widest early row, none of which starts like a number, date or amount (so title rows,
    "户名: 张三"-style lines and data rows are passed over). If no row qualifies (a one-column
    file, a header with numeric labels), the first of the widest rows. None when there is no
    non-blank row.
    """
    early = list(islice(rows, HEADER_SCAN_ROWS))
    rows.close()
    if not early:
        return None
    filled = [sum(1 for cell in cells if cell.strip()) for _, cells, _ in early]
    need = max(2, math.ceil(max(filled) / 2))
    number, cells, _ = next(
        (row for row, n in zip(early, filled)
         if n >= need and not any(_VALUE_LIKE.match(cell) for cell in row[1] if cell.strip())),
        early[filled.index(max(filled))])
    return number, _clean_header(cells)


def _clean_header(cells: Iterable[str]) -> list[str]:
    """Strip header cells, drop full-width spaces, BOMs and line breaks and trailing empty
    cells; name empty ones 'column_N' and make repeats unique ('金额', '金额_2')."""
    names = [cell.translate(_HEADER_JUNK).strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    out: list[str] = []
    for index, name in enumerate(names, start=1):
        base = name or f"column_{index}"
        name, k = base, 1
        while name in out:
            k += 1
            name = f"{base}_{k}"
        out.append(name)
    return out


def _repeats(header: list[str]) -> dict[str, list[str]]:
    """Header cells the file has more than once, as :func:`_clean_header` renamed them."""
    out: dict[str, list[str]] = {}
    for cell in header:
        base, _, n = cell.rpartition("_")
        if base in header and n.isdigit() and int(n) >= 2 and (base if n == "2" else f"{base}_{int(n) - 1}") in header:
            out.setdefault(base, [base]).append(cell)
    return out


def _rows_after(rows: _RawRows, header_row: int, header: list[str]) -> Iterator[tuple[int, Row]]:
    """Rows below the header as dicts: short rows padded with '', non-empty extra cells kept."""
    width = len(header)
    for number, cells, notes in rows:
        if number <= header_row:
            continue
        row: Row = dict(zip(header, cells))
        if len(cells) < width:
            row.update(dict.fromkeys(header[len(cells):], ""))
        elif len(cells) > width and "".join(cells[width:]).strip():
            row[EXTRA_KEY] = cells[width:]
        if notes:
            row[WARNINGS_KEY] = [(note[0], None if note[1] is None else
                                  header[note[1]] if note[1] < width else EXTRA_KEY, *note[2:]) for note in notes]
        yield number, row


# --- messages -------------------------------------------------------------------------

def _clip(text: str, limit: int) -> str:
    """Input quoted in a message, cut to a readable length (as loaders.clean.clip)."""
    return text if len(text) <= limit else f"{text[:limit - 1]}… ({len(text):,} characters)"


def _empty(name: str) -> LoadError:
    return LoadError(f"{name} is empty (空文件): there is no row to read.", file=name)


def _binary(name: str) -> LoadError:
    return LoadError(f"{name} is not a text table or an Excel workbook: it looks like a binary "
                     "file (二进制文件), such as an image or an archive.", file=name)


def _bad_excel(name: str) -> LoadError:
    return LoadError(f"{name} is not a valid Excel file (不是有效的 Excel 文件): it may be "
                     "truncated or damaged; ask for a new copy or re-save it in Excel.",
                     file=name)

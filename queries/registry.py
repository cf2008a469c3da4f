"""The library of saved Cypher reports: one file per report under ``queries/reports/``.

A report file starts with a header in ``//`` comment lines holding YAML, then the Cypher::

    // id: collection-accounts
    // title: {zh: 归集账户, en: Collection accounts}
    // description: Accounts receiving money from many distinct payers.
    // parameters:
    //   - {name: from, type: date, default: 2000-01-01, description: first day}
    // result_kind: table
    // row_cap: 500
    // timeout_s: 30
    MATCH ...

Values always reach the Cypher as ``$parameters``. The one exception is where Cypher demands
a literal (the upper bound of a quantified path pattern, ``{1,6}``): an ``integer``
parameter with ``min`` and ``max`` may be written ``{{name}}`` or ``{{name - k}}``, and
:func:`render` puts the validated whole number there, never text from the user.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from core.errors import QueryError
from queries.guard import check_read_only, quote, tokenize
from queries.result import RESULT_KINDS

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
PARAM_TYPES = ("string", "integer", "float", "date", "datetime", "entity_key", "list")
MAX_ROW_CAP = 10_000
MAX_TIMEOUT_S = 600
_HEADER_KEYS = {"id", "title", "description", "parameters", "result_kind", "row_cap", "timeout_s",
                "picture"}
_PARAM_KEYS = {"name", "type", "default", "description", "min", "max"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")
_INLINE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:-\s*(\d+)\s*)?\}\}")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any = None
    description: str = ""
    min: float | None = None
    max: float | None = None

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class Report:
    id: str
    title: dict[str, str]                     # {"zh": ..., "en": ...}
    description: str
    parameters: tuple[Parameter, ...]
    result_kind: str
    row_cap: int
    timeout_s: float
    cypher: str
    picture: tuple[str, ...] = ()             # columns only used to draw the result, not shown
    path: Path | None = field(default=None, compare=False)

    def title_text(self, lang: str = "zh") -> str:
        return self.title.get(lang) or self.title.get("zh") or self.id

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def _bad(path: Path, message: str) -> QueryError:
    return QueryError(f"The report file {path.name} is not valid: {message}.")


def parse_report(text: str, path: Path) -> Report:
    """Parse one report file (header YAML in ``//`` lines, then Cypher) and check it."""
    lines = text.lstrip("\ufeff").splitlines()
    header: list[str] = []
    while lines and (lines[0].lstrip().startswith("//") or not lines[0].strip()):
        line = lines.pop(0).lstrip()
        body = line[2:]
        header.append(body[1:] if body.startswith(" ") else body)
    cypher = "\n".join(lines).strip()
    try:
        spec = yaml.safe_load("\n".join(header))
    except yaml.YAMLError as exc:
        raise _bad(path, f"its header is not YAML ({exc})") from None
    if not isinstance(spec, dict):
        raise _bad(path, "it has no header")
    unknown = set(spec) - _HEADER_KEYS
    missing = (_HEADER_KEYS - {"picture"}) - set(spec)
    if unknown or missing:
        raise _bad(path, f"unknown header keys {sorted(unknown)}, missing {sorted(missing)}")
    title = spec["title"]
    if not (isinstance(title, dict) and title.get("zh") and title.get("en")):
        raise _bad(path, "title must have zh and en")
    if not isinstance(spec["id"], str) or not _ID.match(spec["id"]) or spec["id"] != path.stem:
        raise _bad(path, f"id '{spec['id']}' must be lower-case words with '-' and match the file name")
    if spec["result_kind"] not in RESULT_KINDS:
        raise _bad(path, f"result_kind must be one of {', '.join(RESULT_KINDS)}")
    cap, timeout = spec["row_cap"], spec["timeout_s"]
    if not (isinstance(cap, int) and 0 < cap <= MAX_ROW_CAP):
        raise _bad(path, f"row_cap must be a whole number from 1 to {MAX_ROW_CAP}")
    if not (isinstance(timeout, (int, float)) and 0 < timeout <= MAX_TIMEOUT_S):
        raise _bad(path, f"timeout_s must be a number of seconds from 1 to {MAX_TIMEOUT_S}")
    params = []
    for raw in spec["parameters"] or []:
        if not isinstance(raw, dict) or set(raw) - _PARAM_KEYS or not _NAME.match(str(raw.get("name", ""))):
            raise _bad(path, f"parameter {raw!r} needs a name and only the keys {sorted(_PARAM_KEYS)}")
        if raw.get("type") not in PARAM_TYPES:
            raise _bad(path, f"parameter '{raw['name']}' has type {raw.get('type')!r}, not one of "
                             f"{', '.join(PARAM_TYPES)}")
        params.append(Parameter(raw["name"], raw["type"], raw.get("default"),
                                str(raw.get("description") or ""), raw.get("min"), raw.get("max")))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise _bad(path, "a parameter name is used twice")
    if not cypher:
        raise _bad(path, "it has no Cypher after the header")
    used = {t.text[1:].strip("`") for t in tokenize(cypher) if t.kind == "param"}
    inlined = {m.group(1) for m in _INLINE.finditer(cypher)}
    for name in inlined:
        p = next((p for p in params if p.name == name), None)
        if p is None or p.type != "integer" or p.min is None or p.max is None:
            raise _bad(path, f"{{{{{name}}}}} must name an integer parameter with min and max")
    if used - set(names) or set(names) - used - inlined:
        raise _bad(path, f"parameters used but not declared {sorted(used - set(names))}, "
                         f"declared but not used {sorted(set(names) - used - inlined)}")
    check_read_only(_INLINE.sub("1", cypher))
    report = Report(spec["id"], {"zh": str(title["zh"]), "en": str(title["en"])},
                    str(spec["description"] or "").strip(), tuple(params), spec["result_kind"], cap,
                    float(timeout), cypher, tuple(spec.get("picture") or ()), path)
    for p in params:  # defaults must be valid values of their type
        if p.default is not None:
            coerce_value(report, p, p.default)
    return report


@functools.lru_cache(maxsize=1)
def _load_all(directory: Path) -> dict[str, Report]:
    reports: dict[str, Report] = {}
    for path in sorted(directory.glob("*.cypher")):
        report = parse_report(path.read_text(encoding="utf-8"), path)
        if report.id in reports:
            raise _bad(path, f"the id '{report.id}' is used twice")
        reports[report.id] = report
    return reports


def load_reports(directory: Path | None = None) -> dict[str, Report]:
    """All reports in ``directory`` (default: the built-in library), by id."""
    return dict(_load_all(Path(directory or REPORTS_DIR)))


def get_report(report_id: str) -> Report:
    reports = load_reports()
    if report_id not in reports:
        raise QueryError(f"There is no report '{quote(report_id)}'; `python cli.py query list` shows the "
                         f"{len(reports)} reports.")
    return reports[report_id]


# ------------------------------------------------------------------ parameter values

def _fail(report: Report, p: Parameter, value: Any, wanted: str) -> QueryError:
    return QueryError(f"The parameter '{p.name}' of report '{report.id}' must be {wanted}, "
                      f"not '{quote(str(value))}'.")


def coerce_value(report: Report, p: Parameter, value: Any) -> Any:
    """One value (text from a form or command line, or already typed) as ``p.type``."""
    text = value.strip() if isinstance(value, str) else value
    try:
        if p.type in ("string", "entity_key"):
            if isinstance(text, (dict, list)) or text == "":
                raise ValueError
            out: Any = str(text)
        elif p.type == "integer":
            if isinstance(text, bool) or (isinstance(text, float) and not text.is_integer()):
                raise ValueError
            out = int(text)
        elif p.type == "float":
            if isinstance(text, bool):
                raise ValueError
            out = float(text)
            if not math.isfinite(out):
                raise ValueError
        elif p.type == "date":
            if isinstance(text, dt.datetime):
                raise ValueError
            out = text if isinstance(text, dt.date) else dt.date.fromisoformat(str(text))
        elif p.type == "datetime":
            if isinstance(text, dt.datetime):
                out = text
            elif isinstance(text, dt.date):
                out = dt.datetime.combine(text, dt.time())
            else:
                out = dt.datetime.fromisoformat(str(text).replace(" ", "T", 1))
        else:  # list: comma-separated text, Chinese commas too
            items = text if isinstance(text, (list, tuple)) else re.split(r"[,，、]", str(text))
            out = [str(i).strip() for i in items if str(i).strip()]
    except (TypeError, ValueError):
        wanted = {"string": "some text", "entity_key": "the key of an account, person or organization",
                  "integer": "a whole number", "float": "a number", "date": "a date like 2024-01-31",
                  "datetime": "a date and time like 2024-01-31T09:30:00",
                  "list": "a comma-separated list"}[p.type]
        raise _fail(report, p, value, wanted) from None
    if p.type in ("integer", "float"):
        if (p.min is not None and out < p.min) or (p.max is not None and out > p.max):
            raise _fail(report, p, value, f"between {p.min:g} and {p.max:g}")
    return out


def coerce_params(report: Report, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Checked, typed values for every parameter of ``report`` (defaults filled in)."""
    raw = dict(raw or {})
    unknown = sorted(set(raw) - {p.name for p in report.parameters})
    if unknown:
        known = ", ".join(p.name for p in report.parameters) or "none"
        raise QueryError(f"The report '{report.id}' has no parameter '{quote(unknown[0])}'; its parameters "
                         f"are: {known}.")
    values: dict[str, Any] = {}
    for p in report.parameters:
        value = raw.get(p.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if p.default is None:
                raise QueryError(f"The parameter '{p.name}' of report '{report.id}' is required: "
                                 f"{p.description or p.type}.")
            value = p.default
        values[p.name] = coerce_value(report, p, value)
    return values


def render(report: Report, values: Mapping[str, Any]) -> str:
    """The Cypher to run: ``{{name}}`` / ``{{name - k}}`` replaced by the checked integer."""
    def inline(match: re.Match[str]) -> str:
        number = int(values[match.group(1)]) - int(match.group(2) or 0)
        return str(max(number, 1))  # a quantifier bound is at least 1; reports trim with length(p)

    return _INLINE.sub(inline, report.cypher)

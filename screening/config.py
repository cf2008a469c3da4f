"""The screening rules file (``screening/rules.yaml`` or ``ORGTRACE_SCREENING_RULES``), checked.

Rules are data: each names a query file in ``screening/rules/`` (parsed by the reports'
registry, so its parameters are typed and checked), its kind, whether it establishes or
requires that an organization is irregular, the notice class it maps to, a weight and the
reason templates. The disposition section holds the labels, case statuses and the ordered
suggestion rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.errors import QueryError, ScreeningError
from queries.registry import Report, coerce_params, load_reports

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_RULES = PACKAGE_DIR / "rules.yaml"
QUERIES_DIR = PACKAGE_DIR / "rules"
KINDS = ("registration", "class", "people")
CONDITIONS = {"any_rule", "all_rules", "any_class", "all_classes", "gate", "min_score", "max_score"}
_RULE_KEYS = {"id", "query", "kind", "gate", "requires_gate", "class", "weight", "params", "reason"}


@dataclass(frozen=True)
class Rule:
    id: str
    query: Report
    kind: str
    gate: bool
    requires_gate: bool
    notice_class: int | None
    weight: float
    params: dict[str, Any]
    reason: dict[str, str]


@dataclass(frozen=True)
class Suggestion:
    to: str
    when: dict[str, Any]


@dataclass(frozen=True)
class ScreeningConfig:
    path: Path
    sha256: str
    classes: dict[int, dict[str, str]]
    rules: tuple[Rule, ...]
    labels: dict[str, dict[str, str]]
    statuses: tuple[str, ...]
    status_after: dict[str, str]
    default_authority: str
    suggest: tuple[Suggestion, ...]
    public_list: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def class_title(self, number: int, lang: str = "zh") -> str:
        entry = self.classes.get(int(number), {})
        return entry.get(lang) or entry.get("zh") or str(number)

    def label(self, disposition: str, lang: str = "zh") -> str:
        entry = self.labels.get(disposition, {})
        return entry.get(lang) or entry.get("zh") or disposition

    def disposition_id(self, text: str) -> str:
        """The disposition id for an id or a label in either language."""
        wanted = text.strip()
        for key, names in self.labels.items():
            if wanted == key or wanted in names.values():
                return key
        options = ", ".join(f"{k} ({v.get('zh', '')})" for k, v in self.labels.items())
        raise ScreeningError(f"There is no disposition '{text}'; use one of: {options}.")


def _bad(path: Path, message: str) -> ScreeningError:
    return ScreeningError(f"The screening rules file {path} is not valid: {message}.")


def _text_pair(path: Path, value: Any, where: str) -> dict[str, str]:
    if not (isinstance(value, dict) and value.get("zh") and value.get("en")):
        raise _bad(path, f"{where} needs a zh and an en text")
    return {"zh": str(value["zh"]), "en": str(value["en"])}


def load_config(path: str | Path | None = None) -> ScreeningConfig:
    """Read and check the rules file (default: the shipped ``screening/rules.yaml``)."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ScreeningError(f"The screening rules file {path} cannot be read ({exc.strerror}).") from None
    try:
        spec = yaml.safe_load(raw_bytes.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _bad(path, f"it is not UTF-8 YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("rules"), list):
        raise _bad(path, "it needs a list of rules")
    classes = {}
    for number, titles in (spec.get("classes") or {}).items():
        if not (isinstance(number, int) and 1 <= number <= 7):
            raise _bad(path, f"class {number!r} is not a number from 1 to 7")
        classes[number] = _text_pair(path, titles, f"class {number}")
    try:
        queries = load_reports(QUERIES_DIR)
    except QueryError as exc:
        raise ScreeningError(str(exc)) from None
    rules: list[Rule] = []
    for raw in spec["rules"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise _bad(path, f"rule {raw!r} has no id")
        rid = raw["id"]
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise _bad(path, f"rule '{rid}' has unknown keys {sorted(unknown)}")
        if any(r.id == rid for r in rules):
            raise _bad(path, f"the rule id '{rid}' is used twice")
        query = queries.get(str(raw.get("query") or rid))
        if query is None:
            raise _bad(path, f"rule '{rid}' names the query '{raw.get('query')}', which is not in "
                             f"{QUERIES_DIR} (there are: {', '.join(sorted(queries))})")
        kind = raw.get("kind")
        if kind not in KINDS:
            raise _bad(path, f"rule '{rid}' has kind {kind!r}, not one of {', '.join(KINDS)}")
        cls = raw.get("class")
        if cls is not None and not (isinstance(cls, int) and 1 <= cls <= 7):
            raise _bad(path, f"rule '{rid}' maps to class {cls!r}, not a number from 1 to 7")
        weight = raw.get("weight", 0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise _bad(path, f"rule '{rid}' has weight {weight!r}, not a number of 0 or more")
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            raise _bad(path, f"rule '{rid}' has params that are not a mapping")
        try:
            typed = coerce_params(query, params)
        except QueryError as exc:
            raise _bad(path, f"rule '{rid}': {str(exc).rstrip('.')}") from None
        rules.append(Rule(rid, query, kind, bool(raw.get("gate", False)),
                          bool(raw.get("requires_gate", False)), cls, float(weight), typed,
                          _text_pair(path, raw.get("reason"), f"rule '{rid}' reason")))
    disp = spec.get("dispositions") or {}
    labels = {str(k): _text_pair(path, v, f"disposition '{k}'") for k, v in (disp.get("labels") or {}).items()}
    if not labels:
        raise _bad(path, "dispositions.labels is empty")
    statuses = tuple(str(s) for s in disp.get("statuses") or ())
    if not statuses:
        raise _bad(path, "dispositions.statuses is empty")
    status_after = {str(k): str(v) for k, v in (disp.get("status_after") or {}).items()}
    for k, v in status_after.items():
        if k not in labels or v not in statuses:
            raise _bad(path, f"status_after maps '{k}' to '{v}'; both must be declared")
    suggest = []
    for item in disp.get("suggest") or []:
        if not isinstance(item, dict) or item.get("to") not in labels:
            raise _bad(path, f"suggestion {item!r} must name a declared disposition in 'to'")
        when = item.get("when") or {}
        if not isinstance(when, dict) or set(when) - CONDITIONS:
            raise _bad(path, f"suggestion {item!r} has conditions other than {sorted(CONDITIONS)}")
        for key in ("any_rule", "all_rules"):
            for rid in when.get(key, []):
                if not any(r.id == rid for r in rules):
                    raise _bad(path, f"suggestion {item!r} names the unknown rule '{rid}'")
        suggest.append(Suggestion(item["to"], when))
    public = tuple(disp.get("public_list") or spec.get("public_list") or ("ban",))
    for d in public:
        if d not in labels:
            raise _bad(path, f"public_list names the undeclared disposition '{d}'")
    return ScreeningConfig(path, hashlib.sha256(raw_bytes).hexdigest(), classes, tuple(rules), labels,
                           statuses, status_after, str(disp.get("default_authority") or ""),
                           tuple(suggest), public)

"""What every command group shares: settings from the options, JSON and table output,
the local-server options, the load progress line and the load report."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from core.settings import Settings, load_settings

_CELL_WIDTH = 40


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings, pointed at a local server when --data-dir or --bolt-port was given."""
    settings = load_settings()
    data_dir = getattr(args, "data_dir", None)
    port = getattr(args, "bolt_port", None)
    if data_dir or port:
        settings = settings.with_local_server(data_dir=data_dir, bolt_port=port)
    return settings


def print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def add_local_server_options(parser: argparse.ArgumentParser, *, port: bool = True) -> None:
    """Options naming a local server (they take precedence over NEO4J_URI)."""
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="local server data directory (default: ORGTRACE_DATA_DIR or the user's data folder)")
    if port:
        parser.add_argument("--bolt-port", type=int, default=None, help="Bolt port (default 7687)")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _clip(text: str, limit: int = _CELL_WIDTH) -> str:
    text = text.replace("\n", " ")
    if _width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        if used + _width(ch) > limit - 1:
            break
        out, used = out + ch, used + _width(ch)
    return out + "…"


def format_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """An aligned text table; Chinese characters count as two columns."""
    from exports import cell_text

    cells = [[_clip(str(c)) for c in columns]]
    cells += [[_clip(cell_text(row.get(c))) for c in columns] for row in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(columns))]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(v + " " * (w - _width(v)) for v, w in zip(r, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class ProgressLine:
    """One self-overwriting line on the terminal while a file loads (rows, rate); nothing
    when standard error is not a terminal, so logs and --json pipelines stay clean."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.shown_at = -1.0
        self.width = 0

    def __call__(self, p) -> None:
        if not self.live or p.seconds - self.shown_at < 1.0:
            return
        self.shown_at = p.seconds
        rate = p.read / p.seconds if p.seconds > 0 else 0.0
        line = (f"{p.file}: {p.read:,} rows read, {p.loaded:,} loaded, {p.rejected:,} rejected "
                f"({rate:,.0f} rows/s, {p.seconds:,.0f} s)")
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def __enter__(self) -> "ProgressLine":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def print_load_report(report) -> None:
    head = {"loaded": "loaded", "validated": "validated (dry run, nothing written)", "failed": "FAILED"}[report.status]
    print(f"{report.file} [{report.kind or '?'}]: {head}")
    if report.message:
        print(f"  {report.message}")
    print(f"  rows read {report.read:,}, loaded {report.loaded:,}, rejected {report.rejected:,}, "
          f"warnings {report.warnings:,}; sha256 {report.sha256}")
    if getattr(report, "duplicates", 0):
        print(f"  duplicates {report.duplicates:,} (transfers already recorded from another statement line: "
              f"merged, counted among the loaded)")
    for code, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        print(f"  rejected {count:>7,}  {code}")
    for code, count in sorted(report.warning_reasons.items(), key=lambda kv: -kv[1]):
        print(f"  warning  {count:>7,}  {code}")
    if report.rejects_file:
        print(f"  rejects:  {report.rejects_file}")
    if report.warnings_file:
        print(f"  warnings: {report.warnings_file}")


def acting_user(settings: Settings):
    """The :class:`core.auth.Actor` the command acts as.

    No account yet: single-user local mode (ORGTRACE_USER, every permission). Otherwise the
    account ORGTRACE_USER logs in with ORGTRACE_PASSWORD, or with a password asked for on
    the terminal; a failed login is audited and refused with a sentence.
    """
    import getpass

    from access.audit import audit_log
    from access.users import UserStore, local_actor
    from core.auth import NotAuthenticated

    store = UserStore(settings.state_dir)
    if not store.has_accounts():
        return local_actor(settings.user)
    password = settings.password
    if password is None:
        if not sys.stdin.isatty():
            raise NotAuthenticated("User accounts exist: set ORGTRACE_USER and ORGTRACE_PASSWORD, "
                                   "or run the command on a terminal to be asked for the password.")
        password = getpass.getpass(f"Password for {settings.user}: ")
    try:
        actor = store.authenticate(settings.user, password)
    except NotAuthenticated:
        audit_log(settings).append(None, "login.failed", name=settings.user, via="cli")
        raise
    audit_log(settings).append(actor, "login", via="cli")
    return actor

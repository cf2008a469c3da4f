"""The ``query`` subcommands: the report library, read-only Cypher, saved reports.

    python cli.py query list [--json]
    python cli.py query run ID|SAVED_KEY [--param NAME=VALUE]... [--format F] [--out FILE] [--limit N]
    python cli.py query cypher "MATCH ..." [--param NAME[:TYPE]=VALUE]... [--format F] [--out FILE]
    python cli.py query save --title T "MATCH ..." [--param NAME[:TYPE]=VALUE]...
    python cli.py query saved [--json]
    python cli.py query delete KEY

Report parameters are typed by the report; for ad-hoc and saved Cypher a value is text unless
its name carries a type: ``--param n:integer=3``, ``--param d:date=2024-01-31``,
``--param ks:list=a,b`` (types: string, integer, float, date, datetime, list, json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from commands.common import acting_user, add_local_server_options, format_table, settings_for
from core.errors import QueryError
from core.files import write_private_text
from core.settings import Settings
from queries.guard import quote

FORMATS = ("table", "csv", "xlsx", "json", "html", "pdf")


# ------------------------------------------------------------------ helpers

def _split(spec: str) -> tuple[str, str]:
    name, sep, value = spec.partition("=")
    if not sep or not name.strip():
        raise QueryError(f"The parameter '{quote(spec)}' must be written NAME=VALUE.")
    return name.strip(), value


def parse_typed(specs: list[str]) -> dict[str, Any]:
    """``NAME[:TYPE]=VALUE`` pairs for ad-hoc Cypher, typed as asked (text by default)."""
    from queries.registry import Parameter, Report, coerce_value

    probe = Report("cypher", {"zh": "", "en": ""}, "", (), "table", 1, 1, "")
    values: dict[str, Any] = {}
    for spec in specs or []:
        name, text = _split(spec)
        name, _, kind = name.partition(":")
        kind = kind.strip() or "string"
        if kind == "json":
            try:
                values[name] = json.loads(text)
            except json.JSONDecodeError:
                raise QueryError(f"The parameter '{quote(name)}' is not valid JSON: {quote(text)}") from None
            continue
        if kind not in ("string", "integer", "float", "date", "datetime", "list"):
            raise QueryError(f"The parameter '{quote(name)}' has the unknown type '{quote(kind)}'; use string, "
                             f"integer, float, date, datetime, list or json.")
        values[name] = text if kind == "string" else coerce_value(probe, Parameter(name, kind), text)
    return values


def _output(db: Any, result: Any, args: argparse.Namespace, *, title: str, report_id: str,
            result_kind: str, settings: Settings, actor: Any) -> None:
    from access.audit import audit_log
    from core.auth import can
    from core.privacy import mask_result
    from exports import export, result_sha256
    from queries.runner import export_meta

    masked = args.masked or not can(actor, "personal.full")
    if masked:  # viewers and public-facing exports never see ID numbers and phones in full
        result = mask_result(result)

    note = f"{len(result.rows)} rows" + (truncation_note(result) if result.truncated else "")
    if args.format == "table":
        text = f"{title}\n\n{format_table(result.columns, result.rows)}\n\n{note}, {result.elapsed_s:g} s\n"
        if args.out:
            write_private_text(args.out, text)
            print(f"{note}; written to {args.out}")
        else:
            sys.stdout.write(text)
        return
    meta = export_meta(db, result, title=title, report_id=report_id, result_kind=result_kind,
                       user=actor.name)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = export(result, meta, args.format, args.out or f"{report_id}-{stamp}.{args.format}")
    audit_log(settings).append(actor, "export", report=report_id, format=args.format, file=str(path),
                               masked=masked, rows=len(result.rows), sha256=result_sha256(result))
    print(f"{note}; written to {path}")


def truncation_note(result: Any) -> str:
    """What a cut result says: raise --limit, unless the cap itself cut it."""
    from queries.registry import MAX_ROW_CAP

    if result.cap >= MAX_ROW_CAP:
        return (f" (truncated at {MAX_ROW_CAP:,} rows, the most any query returns here; narrow the "
                f"query to see the rest)")
    return f" (truncated: more rows exist; raise --limit, at most {MAX_ROW_CAP:,})"


def _say_cap(args: argparse.Namespace) -> None:
    """One line on standard error when --limit asks for more than the cap."""
    from queries.registry import MAX_ROW_CAP

    if isinstance(args.limit, int) and args.limit > MAX_ROW_CAP:
        print(f"--limit {args.limit:,} is above the cap of {MAX_ROW_CAP:,} rows; at most "
              f"{MAX_ROW_CAP:,} rows are returned.", file=sys.stderr)


# ------------------------------------------------------------------ handlers

def cmd_list(args: argparse.Namespace) -> int:
    from queries.registry import load_reports

    reports = load_reports()
    if args.json:
        data = [{"id": r.id, "title": r.title, "description": r.description,
                 "result_kind": r.result_kind, "row_cap": r.row_cap, "timeout_s": r.timeout_s,
                 "parameters": [{"name": p.name, "type": p.type, "default": p.default,
                                 "required": p.required, "description": p.description}
                                for p in r.parameters]}
                for r in reports.values()]
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return 0
    rows = [{"id": r.id, "title": f"{r.title['zh']} {r.title['en']}",
             "parameters": ", ".join(p.name + ("*" if p.required else "") for p in r.parameters)}
            for r in reports.values()]
    print(format_table(["id", "title", "parameters"], rows))
    print("\n* required. Details: query list --json")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from queries.registry import load_reports
    from queries.runner import run_report

    reports = load_reports()
    settings = settings_for(args)
    actor = acting_user(settings)
    with connect(settings) as db:
        if args.id in reports:
            report = reports[args.id]
            params = dict(_split(s) for s in args.param or [])
            _say_cap(args)
            result = run_report(db, report, params, limit=args.limit, timeout=args.timeout, actor=actor)
            title, kind = report.title_text(settings.lang), report.result_kind
        else:
            from queries.saved import get_saved, run_saved

            try:
                saved = get_saved(db, args.id)
            except QueryError:
                raise QueryError(f"There is no report or saved report '{quote(args.id)}'; `python cli.py "
                                 f"query list` and `query saved` show them.") from None
            _say_cap(args)
            result = run_saved(db, args.id, parse_typed(args.param), limit=args.limit,
                               timeout=args.timeout, actor=actor)
            title, kind = saved["title"], "table"
        _output(db, result, args, title=title, report_id=args.id, result_kind=kind, settings=settings,
                actor=actor)
    return 0


def cmd_cypher(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from queries.runner import run_cypher

    settings = settings_for(args)
    actor = acting_user(settings)
    with connect(settings) as db:
        _say_cap(args)
        result = run_cypher(db, args.cypher, parse_typed(args.param), limit=args.limit,
                            timeout=args.timeout, actor=actor)
        kind = "graph" if result.graph else "table"
        _output(db, result, args, title="临时查询 Ad-hoc query", report_id="cypher",
                result_kind=kind, settings=settings, actor=actor)
    return 0


def cmd_save(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from queries.saved import save_report

    settings = settings_for(args)
    actor = acting_user(settings)
    with connect(settings) as db:
        key = save_report(db, args.title, args.cypher, parse_typed(args.param), actor)
    print(f"Saved as {key} (owner {actor.name}); run it with: python cli.py query run {key}")
    return 0


def cmd_saved(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from queries.saved import list_saved

    settings = settings_for(args)
    acting_user(settings)  # any account may list them; with accounts, a login is needed
    with connect(settings) as db:
        rows = list_saved(db)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(format_table(["key", "title", "owner", "created_at", "cypher"], rows))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from queries.saved import delete_saved

    settings = settings_for(args)
    actor = acting_user(settings)
    with connect(settings) as db:
        delete_saved(db, args.key, actor)
    print(f"Deleted the saved report {args.key}.")
    return 0


# ------------------------------------------------------------------ parser

def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter value (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (printed) or an export file format (default table)")
    parser.add_argument("--out", type=Path, help="export file (default: ID-DATE-TIME.FORMAT here)")
    parser.add_argument("--limit", type=int, help="at most this many rows")
    parser.add_argument("--timeout", type=float, help="seconds before the query is stopped")
    parser.add_argument("--masked", action="store_true",
                        help="mask ID numbers and phones (public-facing output; always on for viewers)")
    add_local_server_options(parser)


def register(subparsers: Any) -> None:
    """Register ``query list|run|cypher|save|saved|delete`` on cli.py's subparsers."""
    query = subparsers.add_parser("query", help="saved reports and read-only Cypher")
    sub = query.add_subparsers(dest="action", required=True)

    listing = sub.add_parser("list", help="the report library: id, title, parameters")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    run = sub.add_parser("run", help="run a library report (or a saved report by its key)")
    run.add_argument("id", metavar="ID")
    _add_output_options(run)
    run.set_defaults(func=cmd_run)

    cypher = sub.add_parser("cypher", help="run read-only Cypher (writes are refused)")
    cypher.add_argument("cypher", metavar="CYPHER")
    _add_output_options(cypher)
    cypher.set_defaults(func=cmd_cypher)

    save = sub.add_parser("save", help="save read-only Cypher as a report in the database")
    save.add_argument("cypher", metavar="CYPHER")
    save.add_argument("--title", required=True)
    save.add_argument("--param", action="append", default=[], metavar="NAME[:TYPE]=VALUE",
                      help="a default parameter value (repeatable)")
    add_local_server_options(save)
    save.set_defaults(func=cmd_save)

    saved = sub.add_parser("saved", help="list the saved reports")
    saved.add_argument("--json", action="store_true")
    add_local_server_options(saved)
    saved.set_defaults(func=cmd_saved)

    delete = sub.add_parser("delete", help="delete a saved report (its owner or an admin)")
    delete.add_argument("key", metavar="KEY")
    add_local_server_options(delete)
    delete.set_defaults(func=cmd_delete)

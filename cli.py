"""OrgTrace command line: one entry, subcommands.

    python cli.py server start|stop|status     the local Neo4j
    python cli.py db init|stats|wipe|schema    schema and contents
    python cli.py load FILE...                 investigation records into the graph
    python cli.py demo                         write (and load) the demo case
    python cli.py query list|run|cypher        saved reports and read-only Cypher

Errors are printed as one sentence (exit status 1), never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.errors import OrgTraceError
from core.settings import Settings, load_settings


def _settings_for(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    data_dir = getattr(args, "data_dir", None)
    port = getattr(args, "bolt_port", None)
    if data_dir or port:
        settings = settings.with_local_server(data_dir=data_dir, bolt_port=port)
    return settings


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


# ---------------------------------------------------------------- server

def cmd_server(args: argparse.Namespace) -> int:
    from graph.server import LocalServer

    server = LocalServer(_settings_for(args), data_dir=args.data_dir, bolt_port=getattr(args, "bolt_port", None))
    if args.action == "start":
        status, started = server.start()
        if started:
            print(f"Neo4j {status.version} started (pid {status.pid}), data in {status.data_dir}.")
        else:
            print(f"Neo4j is already running (pid {status.pid}), data in {status.data_dir}: nothing to do.")
        print(status.uri)
    elif args.action == "stop":
        if server.stop():
            print(f"Neo4j stopped; data kept in {server.data_dir}.")
        else:
            print(f"Neo4j is not running (data dir {server.data_dir}): nothing to stop.")
    else:
        status = server.status()
        if args.json:
            _print_json(status.as_dict())
        else:
            state = f"running (pid {status.pid})" if status.running else "not running"
            print(f"Neo4j {status.version}: {state}\nURI:           {status.uri}\nuser:          "
                  f"{status.user}\ndata dir:      {status.data_dir}\npassword file: {status.password_file}")
    return 0


# ---------------------------------------------------------------- db

def cmd_db(args: argparse.Namespace) -> int:
    from graph import admin, schema

    if args.action == "schema":
        text = schema.markdown() if args.markdown else "\n".join(
            schema.constraint_statements() + schema.index_statements()) + "\n"
        sys.stdout.write(text)
        return 0
    from graph.connection import connect

    with connect(_settings_for(args)) as db:
        if args.action == "init":
            statements = admin.init_db(db)
            print(f"Schema ready: {len(statements)} constraints and indexes in database '{db.database}'.")
        elif args.action == "stats":
            counts = admin.stats(db)
            if args.json:
                _print_json(counts)
            else:
                for section in ("nodes", "relationships"):
                    print(f"{section}:")
                    for name, count in counts[section].items():
                        print(f"  {name:<16} {count:>12,}")
                print(f"total: {counts['total']['nodes']:,} nodes, {counts['total']['relationships']:,} relationships")
        elif args.action == "wipe":
            if not args.yes:
                print("This deletes every node and relationship in the database; repeat with --yes to confirm.",
                      file=sys.stderr)
                return 1
            admin.wipe(db)
            print(f"Database '{db.database}' at {db.uri} is now empty (constraints and indexes kept).")
    return 0


# ---------------------------------------------------------------- load

KINDS = ("bank", "registry", "roster", "events", "leads", "blacklist", "ftm")


def cmd_load(args: argparse.Namespace) -> int:
    from loaders.pipeline import load_file

    settings = _settings_for(args)
    db = None
    if not args.dry_run:
        from graph import admin
        from graph.connection import connect
        db = connect(settings)
        admin.init_db(db)
    reports = []
    try:
        for path in args.files:
            with _ProgressLine() as progress:
                report = load_file(db, Path(path), kind=args.kind, mapping_file=args.mapping, dry_run=args.dry_run,
                                   user=settings.user, report_dir=args.report_dir or settings.report_dir,
                                   sheet=args.sheet, progress=progress)
            reports.append(report)
            if not args.json:
                _print_load_report(report)
    finally:
        if db is not None:
            db.close()
    if args.json:
        _print_json({"files": [r.as_dict() for r in reports]})
    return 1 if any(r.status == "failed" for r in reports) else 0


class _ProgressLine:
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

    def __enter__(self) -> "_ProgressLine":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _print_load_report(report) -> None:
    head = {"loaded": "loaded", "validated": "validated (dry run, nothing written)", "failed": "FAILED"}[report.status]
    print(f"{report.file} [{report.kind or '?'}]: {head}")
    if report.message:
        print(f"  {report.message}")
    print(f"  rows read {report.read:,}, loaded {report.loaded:,}, rejected {report.rejected:,}, "
          f"warnings {report.warnings:,}; sha256 {report.sha256}")
    for code, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        print(f"  rejected {count:>7,}  {code}")
    for code, count in sorted(report.warning_reasons.items(), key=lambda kv: -kv[1]):
        print(f"  warning  {count:>7,}  {code}")
    if report.rejects_file:
        print(f"  rejects:  {report.rejects_file}")
    if report.warnings_file:
        print(f"  warnings: {report.warnings_file}")


# ---------------------------------------------------------------- demo

def cmd_demo(args: argparse.Namespace) -> int:
    from demo.case import demo_dir, load_files
    from demo.generate import generate_case

    settings = _settings_for(args)
    out = args.out or demo_dir(settings, args.scale, args.seed)
    summary = generate_case(Path(out), scale=args.scale, seed=args.seed)
    counts = summary["counts"]
    print(f"Demo case written to {out} (seed {args.seed}, scale {args.scale:g}): "
          f"{counts['organizations']} organizations, {counts['people']:,} people, "
          f"{counts['transfers']:,} transfers, {counts['events']} events, {counts['leads']} leads.")
    if args.no_load:
        return 0
    from graph import admin
    from graph.connection import connect

    with connect(settings) as db:
        admin.init_db(db)
        with _ProgressLine() as progress:
            reports = load_files(db, Path(out), user=settings.user, report_dir=Path(out) / "load-reports",
                                 progress=progress)
    for report in reports:
        _print_load_report(report)
    return 1 if any(r.status == "failed" for r in reports) else 0


# ---------------------------------------------------------------- up

def cmd_up(args: argparse.Namespace) -> int:
    """What `make run` does before opening the app: server, schema, demo when empty."""
    from graph import admin
    from graph.connection import connect

    settings = _settings_for(args)
    with connect(settings) as db:
        admin.init_db(db)
        print(f"Neo4j {db.server_version()} ready at {db.uri} (database '{db.database}').")
        if admin.is_empty(db) and not args.no_demo:
            from demo.case import load_demo_case

            print("The database is empty: loading the demo case (fictional data)…")
            summary = load_demo_case(db, settings)
            print(summary)
    return 0


# ---------------------------------------------------------------- parser

def _add_local_server_options(parser: argparse.ArgumentParser, *, port: bool) -> None:
    """Options naming a local server (they take precedence over NEO4J_URI)."""
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="local server data directory (default: ORGTRACE_DATA_DIR or the user's data folder)")
    if port:
        parser.add_argument("--bolt-port", type=int, default=None, help="Bolt port (default 7687)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cli.py", description="OrgTrace investigation workbench")
    sub = parser.add_subparsers(dest="command", required=True)

    server = sub.add_parser("server", help="the local Neo4j server")
    server_sub = server.add_subparsers(dest="action", required=True)
    start = server_sub.add_parser("start", help="start it (fetches the jars once)")
    _add_local_server_options(start, port=True)
    stop = server_sub.add_parser("stop", help="stop it cleanly")
    _add_local_server_options(stop, port=False)
    status = server_sub.add_parser("status", help="running or not, URI, version, data dir, pid")
    _add_local_server_options(status, port=False)
    status.add_argument("--json", action="store_true")
    server.set_defaults(func=cmd_server)

    db = sub.add_parser("db", help="schema and contents of the database")
    db_sub = db.add_subparsers(dest="action", required=True)
    db_init = db_sub.add_parser("init", help="create constraints and indexes (idempotent)")
    db_stats = db_sub.add_parser("stats", help="counts per label and relationship type")
    db_stats.add_argument("--json", action="store_true")
    wipe = db_sub.add_parser("wipe", help="delete all data")
    wipe.add_argument("--yes", action="store_true", help="confirm")
    for action in (db_init, db_stats, wipe):
        _add_local_server_options(action, port=True)
    db_schema = db_sub.add_parser("schema", help="print the schema statements, or the model page")
    db_schema.add_argument("--markdown", action="store_true")
    db.set_defaults(func=cmd_db)

    load = sub.add_parser("load", help="load investigation records (CSV, XLSX, FollowTheMoney JSON lines)")
    load.add_argument("files", nargs="+", metavar="FILE")
    load.add_argument("--kind", choices=KINDS, help="what the files hold (default: detected from the headers)")
    load.add_argument("--mapping", type=Path, help="a YAML mapping for another table layout")
    load.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    load.add_argument("--json", action="store_true", help="print the report as JSON")
    load.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    load.add_argument("--report-dir", type=Path, help="where rejects and warnings CSVs go (default ./load-reports)")
    _add_local_server_options(load, port=True)
    load.set_defaults(func=cmd_load)

    demo = sub.add_parser("demo", help="write the fictional demo case (and load it)")
    demo.add_argument("--scale", type=float, default=1.0, help="size factor (1 = ~20,000 transfers; 50 = ~1,000,000)")
    demo.add_argument("--seed", type=int, default=7, help="same seed, identical files")
    demo.add_argument("--out", type=Path, help="folder for the files (default: the user's data folder)")
    demo.add_argument("--no-load", action="store_true", help="only write the files")
    _add_local_server_options(demo, port=True)
    demo.set_defaults(func=cmd_demo)

    from queries.cli import add_query_parser
    add_query_parser(sub)
    up = sub.add_parser("up", help="start the local Neo4j if needed, create the schema, "
                                   "load the demo case when the database is empty")
    up.add_argument("--no-demo", action="store_true", help="do not load the demo case")
    _add_local_server_options(up, port=True)
    up.set_defaults(func=cmd_up)

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except OrgTraceError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""``load FILE...``: investigation records into the graph."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commands.common import (ProgressLine, acting_user, add_local_server_options, print_json,
                             print_load_report, settings_for)

KINDS = ("bank", "transfers", "registry", "roster", "events", "leads", "blacklist", "ftm")


def run(args: argparse.Namespace) -> int:
    from access.audit import audit_log
    from core.auth import require
    from loaders.pipeline import load_file

    settings = settings_for(args)
    actor = acting_user(settings)
    db = None
    if not args.dry_run:
        require(actor, "data.load")
        from graph import admin
        from graph.connection import connect
        db = connect(settings)
        admin.init_db(db)
    reports = []
    try:
        for path in args.files:
            with ProgressLine() as progress:
                report = load_file(db, Path(path), kind=args.kind, mapping_file=args.mapping, dry_run=args.dry_run,
                                   user=actor.name, report_dir=args.report_dir or settings.report_dir,
                                   sheet=args.sheet, progress=progress)
            reports.append(report)
            if not args.dry_run:
                audit_log(settings).append(actor, "load", file=str(path), sha256=report.sha256,
                                           kind=report.kind, status=report.status, read=report.read,
                                           loaded=report.loaded, rejected=report.rejected)
            if not args.json:
                print_load_report(report)
    finally:
        if db is not None:
            db.close()
    if args.json:
        print_json({"files": [r.as_dict() for r in reports]})
    return 1 if any(r.status == "failed" for r in reports) else 0


def register(sub: Any) -> None:
    load = sub.add_parser("load", help="load investigation records (CSV, XLSX, FollowTheMoney JSON lines)")
    load.add_argument("files", nargs="+", metavar="FILE")
    load.add_argument("--kind", choices=KINDS, help="what the files hold (default: detected from the headers)")
    load.add_argument("--mapping", type=Path, help="a YAML mapping for another table layout")
    load.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    load.add_argument("--json", action="store_true", help="print the report as JSON")
    load.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    load.add_argument("--report-dir", type=Path, help="where rejects and warnings CSVs go (default ./load-reports)")
    add_local_server_options(load, port=True)
    load.set_defaults(func=run)

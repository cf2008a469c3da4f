"""``evidence export|verify``: evidence packages (固定证据).

    python cli.py evidence export --case CASE --report ID [--param NAME=VALUE]... --out FILE.zip
    python cli.py evidence verify FILE.zip

``export`` (analyst or admin) runs a library report and writes one zip: the PDF report in
Chinese, CSV, XLSX and JSON of the result, a PNG and an offline interactive HTML of its
graph, the Cypher and parameters, the provenance of every record shown, who, when, the
OrgTrace and Neo4j versions, and manifest.json with the SHA-256 of every file (signed with
this installation's key; the manifest hash is written to the audit log). ``verify`` exits 0
and prints "verified" when the package is intact, else 1 naming each changed, added or
removed file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commands.common import acting_user, add_local_server_options, settings_for
from core.errors import QueryError


def cmd_export(args: argparse.Namespace) -> int:
    from exports.evidence import build_package
    from graph.connection import connect
    from queries.registry import load_reports

    settings = settings_for(args)
    actor = acting_user(settings)
    reports = load_reports()
    if args.report not in reports:
        raise QueryError(f"There is no report '{args.report}'; `python cli.py query list` shows them.")
    params = {}
    for spec in args.param or []:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"The parameter '{spec}' must be written NAME=VALUE.")
        params[name.strip()] = value
    with connect(settings) as db:
        package = build_package(db, case=args.case, report=reports[args.report], params=params,
                                actor=actor, out=args.out, state_dir=settings.state_dir,
                                limit=args.limit, timeout=args.timeout)
    print(f"Evidence package written to {package.path}: {package.rows} rows, {len(package.files)} "
          f"files; SHA-256 {package.sha256}; manifest SHA-256 {package.manifest_sha256} "
          f"(recorded in the audit log).")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from exports.evidence import verify_package

    settings = settings_for(args)
    verdict = verify_package(args.file, state_dir=settings.state_dir)
    if verdict.ok:
        print(f"{args.file}: verified")
    else:
        print(f"{args.file}: NOT verified")
        for problem in verdict.problems:
            print(f"  {problem}")
    for note in verdict.notes:
        print(f"  {note}")
    return 0 if verdict.ok else 1


def register(sub: Any) -> None:
    evidence = sub.add_parser("evidence", help="evidence packages: export one, verify one")
    actions = evidence.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="run a report and write its evidence package (analyst)")
    export.add_argument("--case", required=True, help="case name or number, written into the package")
    export.add_argument("--report", required=True, metavar="ID", help="library report id (query list)")
    export.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a report parameter (repeatable)")
    export.add_argument("--out", required=True, type=Path, help="the zip file to write")
    export.add_argument("--limit", type=int, help="at most this many rows")
    export.add_argument("--timeout", type=float, help="seconds before the report is stopped")
    add_local_server_options(export)
    export.set_defaults(func=cmd_export)
    verify = actions.add_parser("verify", help="check a package: exit 0 and 'verified' when intact")
    verify.add_argument("file", type=Path, metavar="FILE.zip")
    verify.set_defaults(func=cmd_verify)

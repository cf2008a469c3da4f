"""``screen``: run the campaign screening rules and list the flagged organizations.

Columns: key, name, status, classes (the notice's classes, ``;``-separated), rules (rule ids,
``;``-separated), score, suggested_disposition, reasons (in ORGTRACE_LANG).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from commands.common import add_local_server_options, format_table, settings_for


def run(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from screening import engine
    from screening.config import load_config

    settings = settings_for(args)
    config = load_config(args.rules or settings.screening_rules)
    with connect(settings) as db:
        if not args.no_run:
            summary = engine.run_screening(db, config, user=settings.user)
            print(f"Screening run {summary.run}: {summary.findings} findings on {summary.organizations} "
                  f"organizations; {summary.suppressed} name or class matches on lawfully registered "
                  f"organizations not counted.", file=sys.stderr)
        rows = engine.table_rows(engine.screening_rows(db, config), config, settings.lang)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=engine.TABLE_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    else:
        print(format_table(engine.TABLE_COLUMNS, rows))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("screen", help="run the campaign screening rules and list flagged organizations")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--rules", type=Path, default=None,
                   help="rules YAML (default: ORGTRACE_SCREENING_RULES or screening/rules.yaml)")
    p.add_argument("--no-run", action="store_true", help="list the stored findings without running the rules")
    add_local_server_options(p)
    p.set_defaults(func=run)

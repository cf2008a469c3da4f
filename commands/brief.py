"""``brief``: the work briefing (工作简报) for a period, as HTML, PDF or XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commands.common import add_local_server_options, settings_for


def run(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from screening.briefing import briefing_data
    from screening.config import load_config
    from screening.render import write_briefing

    settings = settings_for(args)
    config = load_config(args.rules or settings.screening_rules)
    with connect(settings) as db:
        data = briefing_data(db, config, args.date_from, args.date_to)
    write_briefing(data, args.format, args.out)
    t = data["totals"]
    print(f"Briefing {data['period']['from']} to {data['period']['to']} written to {args.out}: "
          f"{t['flagged']} flagged organizations, {t['leads']} leads, {t['blacklist_added']} blacklist additions.")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("brief", help="the work briefing (工作简报) for a period")
    p.add_argument("--from", dest="date_from", required=True, help="first day, e.g. 2024-01-01")
    p.add_argument("--to", dest="date_to", required=True, help="last day, e.g. 2024-06-30")
    p.add_argument("--format", choices=("html", "pdf", "xlsx"), required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--rules", type=Path, default=None, help="rules YAML")
    add_local_server_options(p)
    p.set_defaults(func=run)

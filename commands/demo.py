"""``demo``: write the fictional demo case, and load it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commands.common import (ProgressLine, acting_user, add_local_server_options, print_load_report,
                             settings_for)


def run(args: argparse.Namespace) -> int:
    from demo.case import demo_dir, load_files
    from demo.generate import generate_case

    settings = settings_for(args)
    out = args.out or demo_dir(settings, args.scale, args.seed)
    summary = generate_case(Path(out), scale=args.scale, seed=args.seed)
    counts = summary["counts"]
    print(f"Demo case written to {out} (seed {args.seed}, scale {args.scale:g}): "
          f"{counts['organizations']} organizations, {counts['people']:,} people, "
          f"{counts['transfers']:,} transfers, {counts['events']} events, {counts['leads']} leads.")
    if args.no_load:
        return 0
    from access.audit import audit_log
    from core.auth import require
    from graph import admin
    from graph.connection import connect

    actor = acting_user(settings)
    require(actor, "data.load")
    with connect(settings) as db:
        admin.init_db(db)
        with ProgressLine() as progress:
            reports = load_files(db, Path(out), user=actor.name, report_dir=Path(out) / "load-reports",
                                 progress=progress)
    for report in reports:
        audit_log(settings).append(actor, "load", file=str(report.file), sha256=report.sha256,
                                   kind=report.kind, status=report.status, read=report.read,
                                   loaded=report.loaded, rejected=report.rejected, demo=True)
        print_load_report(report)
    return 1 if any(r.status == "failed" for r in reports) else 0


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="write the fictional demo case (and load it)")
    demo.add_argument("--scale", type=float, default=1.0, help="size factor (1 = ~20,000 transfers; 50 = ~1,000,000)")
    demo.add_argument("--seed", type=int, default=7, help="same seed, identical files")
    demo.add_argument("--out", type=Path, help="folder for the files (default: the user's data folder)")
    demo.add_argument("--no-load", action="store_true", help="only write the files")
    add_local_server_options(demo, port=True)
    demo.set_defaults(func=run)

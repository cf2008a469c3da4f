"""``public-list`` and ``blacklist``: the public exposure list (no personal data) and the
blacklist export (ID numbers and phones masked unless --full)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commands.common import add_local_server_options, settings_for


def run_public(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from screening.config import load_config
    from screening.publish import write_public_list

    settings = settings_for(args)
    config = load_config(args.rules or settings.screening_rules)
    with connect(settings) as db:
        n = write_public_list(db, config, args.format, args.out)
    print(f"Public list written to {args.out}: {n} banned organizations.")
    return 0


def run_blacklist(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from screening.publish import write_blacklist

    from access.audit import audit_log
    from commands.common import acting_user
    from core.auth import require

    settings = settings_for(args)
    actor = acting_user(settings)
    if args.full:
        require(actor, "personal.full")
    with connect(settings) as db:
        n = write_blacklist(db, args.format, args.out, full=args.full, user=actor.name)
    audit_log(settings).append(actor, "export", report="blacklist", format=args.format, file=str(args.out),
                               masked=not args.full, rows=n)
    print(f"Blacklist written to {args.out}: {n} entries, ID numbers and phones "
          f"{'in full' if args.full else 'masked'}.")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("public-list", help="the public exposure list of banned organizations (no personal data)")
    p.add_argument("--format", choices=("csv", "pdf"), required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--rules", type=Path, default=None, help="rules YAML")
    add_local_server_options(p)
    p.set_defaults(func=run_public)
    b = sub.add_parser("blacklist", help="export the blacklist (ID numbers and phones masked unless --full)")
    b.add_argument("--format", choices=("csv", "xlsx"), required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--full", action="store_true", help="full ID numbers and phones (analysts only)")
    add_local_server_options(b)
    b.set_defaults(func=run_blacklist)

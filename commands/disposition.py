"""``disposition set|history``: the investigators' decisions on an organization, kept as history."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from commands.common import add_local_server_options, format_table, settings_for
from core.errors import ScreeningError

_COLUMNS = ["seq", "at", "user", "disposition", "status", "reason", "authority", "decided_on",
            "previous_disposition", "previous_status"]


def run(args: argparse.Namespace) -> int:
    from graph.connection import connect
    from screening import dispositions
    from screening.config import load_config

    settings = settings_for(args)
    config = load_config(args.rules or settings.screening_rules)
    with connect(settings) as db:
        if args.action == "set":
            decided_on = None
            if args.date:
                try:
                    decided_on = dt.date.fromisoformat(args.date)
                except ValueError:
                    raise ScreeningError(f"--date must be a date like 2024-01-31, not '{args.date}'.") from None
            from access.audit import audit_log
            from commands.common import acting_user
            from core.auth import require

            actor = acting_user(settings)
            require(actor, "disposition.set")
            change = dispositions.set_disposition(
                db, config, args.key, args.to, reason=args.reason, user=actor.name,
                status=args.status, authority=args.authority, decided_on=decided_on)
            audit_log(settings).append(actor, "disposition.set", org=args.key, disposition=change["disposition"],
                                       status=change["status"], reason=args.reason, authority=args.authority)
            print(f"{args.key}: {config.label(change['disposition'])} ({change['disposition']}), "
                  f"status {change['status']}, by {change['user']} - entry {change['seq']} of its history.")
            return 0
        rows = dispositions.history(db, args.key)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    elif not rows:
        print(f"No disposition has been recorded for '{args.key}'.")
    else:
        print(format_table(_COLUMNS, rows))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("disposition", help="set an organization's disposition (kept as history) or show it")
    p_sub = p.add_subparsers(dest="action", required=True)
    s = p_sub.add_parser("set", help="record a decision: who (ORGTRACE_USER), when, why")
    s.add_argument("key", help="the organization's key (see `screen`)")
    s.add_argument("--to", required=True, help="ban, disband, dissolve, guide_register, refer_police, "
                                                "refer_market, refer_foreign_police, … (or the Chinese label)")
    s.add_argument("--reason", required=True)
    s.add_argument("--status", default=None, help="case status (default: follows the disposition)")
    s.add_argument("--authority", default=None, help="deciding authority (default: the registration authority)")
    s.add_argument("--date", default=None, help="date of the decision (default: today)")
    h = p_sub.add_parser("history", help="every decision on the organization, oldest first")
    h.add_argument("key")
    h.add_argument("--json", action="store_true")
    for q in (s, h):
        q.add_argument("--rules", type=Path, default=None, help="rules YAML")
        add_local_server_options(q)
    p.set_defaults(func=run)

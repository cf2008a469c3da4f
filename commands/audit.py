"""``audit verify|show``: the hash-chained audit trail (admin).

    python cli.py audit verify          # exit 0 when the chain is intact, else 1 naming the entry
    python cli.py audit show [--user U] [--since DATE] [--action A] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from commands.common import acting_user, format_table, print_json, settings_for
from core.errors import OrgTraceError


def _since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise OrgTraceError(f"'{text}' is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def run(args: argparse.Namespace) -> int:
    from access.audit import audit_log
    from core.auth import require

    settings = settings_for(args)
    actor = acting_user(settings)
    require(actor, "audit.view")
    log = audit_log(settings)
    if args.action == "verify":
        verdict = log.verify()
        print(verdict.sentence())
        return 0 if verdict.ok else 1
    entries = log.find(user=args.user, since=_since(args.since), action=args.action_filter)
    if args.json:
        print_json(entries)
        return 0
    rows = [{"seq": e["seq"], "time": e["time"], "user": e["user"], "role": e.get("role") or "",
             "action": e["action"],
             "details": json.dumps(e.get("details") or {}, ensure_ascii=False, sort_keys=True)}
            for e in entries]
    print(format_table(["seq", "time", "user", "role", "action", "details"], rows) if rows
          else "No audit entries match.")
    return 0


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident audit trail (admin)")
    actions = audit.add_subparsers(dest="action", required=True)
    actions.add_parser("verify", help="check the hash chain; name the first broken entry")
    show = actions.add_parser("show", help="list entries")
    show.add_argument("--user", help="only this user's entries")
    show.add_argument("--since", help="only entries from this date (YYYY-MM-DD) on")
    show.add_argument("--action", dest="action_filter", help="only this action (e.g. report.run, load)")
    show.add_argument("--json", action="store_true")
    audit.set_defaults(func=run)

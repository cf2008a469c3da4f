"""``db init|stats|wipe|schema``: the schema and contents of the database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from commands.common import acting_user, add_local_server_options, print_json, settings_for


def run(args: argparse.Namespace) -> int:
    from graph import admin, schema

    if args.action == "schema":
        text = schema.markdown() if args.markdown else "\n".join(
            schema.constraint_statements() + schema.index_statements()) + "\n"
        sys.stdout.write(text)
        return 0
    from graph.connection import connect

    settings = settings_for(args)
    actor = None
    if args.action == "wipe":
        from core.auth import require

        actor = acting_user(settings)
        require(actor, "db.wipe")
    with connect(settings) as db:
        if args.action == "init":
            statements = admin.init_db(db)
            print(f"Schema ready: {len(statements)} constraints and indexes in database '{db.database}'.")
        elif args.action == "stats":
            counts = admin.stats(db)
            if args.json:
                print_json(counts)
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
            from access.audit import audit_log

            admin.wipe(db)
            audit_log(settings).append(actor, "db.wipe", uri=db.uri, database=db.database)
            print(f"Database '{db.database}' at {db.uri} is now empty (constraints and indexes kept).")
    return 0


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="schema and contents of the database")
    db_sub = db.add_subparsers(dest="action", required=True)
    db_init = db_sub.add_parser("init", help="create constraints and indexes (idempotent)")
    db_stats = db_sub.add_parser("stats", help="counts per label and relationship type")
    db_stats.add_argument("--json", action="store_true")
    wipe = db_sub.add_parser("wipe", help="delete all data")
    wipe.add_argument("--yes", action="store_true", help="confirm")
    for action in (db_init, db_stats, wipe):
        add_local_server_options(action, port=True)
    db_schema = db_sub.add_parser("schema", help="print the schema statements, or the model page")
    db_schema.add_argument("--markdown", action="store_true")
    db.set_defaults(func=run)

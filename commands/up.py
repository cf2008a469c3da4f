"""``up``: what `make run` does before opening the app: server, schema, demo when empty."""

from __future__ import annotations

import argparse
from typing import Any

from commands.common import add_local_server_options, settings_for


def run(args: argparse.Namespace) -> int:
    from graph import admin
    from graph.connection import connect

    settings = settings_for(args)
    with connect(settings) as db:
        admin.init_db(db)
        print(f"Neo4j {db.server_version()} ready at {db.uri} (database '{db.database}').")
        if admin.is_empty(db) and not args.no_demo:
            from demo.case import load_demo_case

            print("The database is empty: loading the demo case (fictional data)…")
            summary = load_demo_case(db, settings)
            print(summary)
    return 0


def register(sub: Any) -> None:
    up = sub.add_parser("up", help="start the local Neo4j if needed, create the schema, "
                                   "load the demo case when the database is empty")
    up.add_argument("--no-demo", action="store_true", help="do not load the demo case")
    add_local_server_options(up, port=True)
    up.set_defaults(func=run)

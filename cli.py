"""OrgTrace command line: one entry, subcommands (each group is a module in ``commands/``).

    python cli.py server start|stop|status     the local Neo4j
    python cli.py db init|stats|wipe|schema    schema and contents
    python cli.py load FILE...                 investigation records into the graph
    python cli.py demo                         write (and load) the demo case
    python cli.py query list|run|cypher        saved reports and read-only Cypher
    python cli.py analyze hubs|groups|reformed|matches|run   hub figures, linked groups (analytics/)
    python cli.py up                           what `make run` does before opening the app
    python cli.py screen                       campaign screening: flagged organizations
    python cli.py disposition set|history      graded handling, kept as history
    python cli.py brief                        the work briefing (工作简报)
    python cli.py public-list | blacklist      public exposure list; blacklist export
    python cli.py user add|list|disable|passwd accounts and roles
    python cli.py audit verify|show            the hash-chained audit trail
    python cli.py evidence export|verify       evidence packages

Errors are printed as one sentence (exit status 1), never as a traceback.
"""

from __future__ import annotations

import sys

from commands import build_parser
from core.errors import OrgTraceError


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except OrgTraceError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

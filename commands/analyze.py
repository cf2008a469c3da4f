"""The ``analyze`` subcommands: hub figures, linked groups, re-formed organizations,
possible same-person matches (analytics/, issue 11).

    python cli.py analyze hubs [--top N] [--scope KEY...] [--hops N] [--format table|csv|json] [--lang zh|en]
    python cli.py analyze groups [--format …] [--lang zh|en]
    python cli.py analyze reformed [--format …] [--lang zh|en]
    python cli.py analyze matches [--format …] [--lang zh|en]
    python cli.py analyze run [--json]

``run`` computes everything on the whole graph and writes the results back (hub_score,
hub_rank, group_id, analytics_at, REFORMED_AS); the others compute on demand and write nothing.
``--scope`` limits the analysis to the listed keys (and the accounts they hold); with
``--hops N`` and one organization key, to that organization's N-hop neighbourhood.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

from commands.common import add_local_server_options, format_table, print_json, settings_for
from core.errors import QueryError

FORMATS = ("table", "csv", "json")


def _scope(args: argparse.Namespace):
    from analytics.projection import Scope

    keys = getattr(args, "scope", None) or []
    hops = getattr(args, "hops", None)
    if hops is not None:
        if len(keys) != 1:
            raise QueryError("--hops needs exactly one organization key in --scope.")
        if hops < 0:
            raise QueryError("--hops must be 0 or more.")
        return Scope(org=keys[0], hops=hops)
    return Scope(keys=tuple(keys)) if keys else None


def _print(columns: list[str], rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        print_json([{c: r.get(c) for c in columns} for r in rows])
    elif fmt == "csv":
        from queries.export import cell_text, neutralise

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([neutralise(cell_text(r.get(c))) for c in columns])
        sys.stdout.write(buf.getvalue())
    else:
        print(format_table(columns, rows))
        print(f"\n{len(rows)} rows")


def _lang(args: argparse.Namespace) -> str:
    return args.lang or settings_for(args).lang


def cmd(args: argparse.Namespace) -> int:
    from analytics import api
    from graph.connection import connect

    lang = _lang(args) if args.action != "run" else settings_for(args).lang
    with connect(settings_for(args)) as db:
        if args.action == "run":
            summary = api.run_all(db, lang=lang)
            if args.json:
                print_json(summary)
            else:
                print(f"Analytics written back at {summary['analytics_at']}: {summary['people_ranked']:,} people "
                      f"ranked, {summary['groups']:,} linked groups ({summary['organizations_in_groups']:,} "
                      f"organizations), {summary['reformed_pairs']:,} re-formed pairs.")
                print("seconds: " + ", ".join(f"{k} {v:g}" for k, v in summary["seconds"].items()))
                print(format_table(["rank", "key", "name", "score", "explanation"], summary["top"]))
            return 0
        if args.action == "hubs":
            if args.top is not None and args.top < 1:
                raise QueryError("--top must be 1 or more.")
            rows = api.hub_figures(db, scope=_scope(args), top=args.top, lang=lang)
            _print(api.HUB_COLUMNS, rows, args.format)
        elif args.action == "groups":
            _print(api.GROUP_COLUMNS, api.linked_groups(db, lang=lang), args.format)
        elif args.action == "reformed":
            _print(api.REFORMED_COLUMNS, api.reformed_pairs(db, lang=lang), args.format)
        elif args.action == "matches":
            _print(api.MATCH_COLUMNS, api.possible_matches(db, lang=lang), args.format)
    return 0


def register(subparsers: Any) -> None:
    analyze = subparsers.add_parser("analyze", help="hub figures, linked groups, re-formed organizations, matches")
    sub = analyze.add_subparsers(dest="action", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=FORMATS, default="table")
        p.add_argument("--lang", choices=("zh", "en"), default=None, help="language of the explanations (default ORGTRACE_LANG)")
        add_local_server_options(p)
        p.set_defaults(func=cmd)

    hubs = sub.add_parser("hubs", help="ringleader ranking with component scores and an explanation")
    hubs.add_argument("--top", type=int, default=20, help="how many people (default 20)")
    hubs.add_argument("--scope", nargs="+", metavar="KEY", default=None,
                      help="analyse only these keys (or, with --hops, one organization's neighbourhood)")
    hubs.add_argument("--hops", type=int, default=None, help="N-hop neighbourhood of the one --scope organization")
    common(hubs)
    common(sub.add_parser("groups", help="linked groups: one row per member organization"))
    common(sub.add_parser("reformed", help="revoked or blacklisted organizations re-formed under a new name"))
    common(sub.add_parser("matches", help="name-only people who may be identified people (never merged)"))
    run = sub.add_parser("run", help="compute everything and write it back to the graph")
    run.add_argument("--json", action="store_true")
    add_local_server_options(run)
    run.set_defaults(func=cmd)

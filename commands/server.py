"""``server start|stop|status``: the local Neo4j."""

from __future__ import annotations

import argparse
from typing import Any

from commands.common import add_local_server_options, print_json, settings_for


def run(args: argparse.Namespace) -> int:
    from graph.server import LocalServer

    server = LocalServer(settings_for(args), data_dir=args.data_dir, bolt_port=getattr(args, "bolt_port", None))
    if args.action == "start":
        status, started = server.start()
        if started:
            print(f"Neo4j {status.version} started (pid {status.pid}), data in {status.data_dir}.")
        else:
            print(f"Neo4j is already running (pid {status.pid}), data in {status.data_dir}: nothing to do.")
        print(status.uri)
    elif args.action == "stop":
        if server.stop():
            print(f"Neo4j stopped; data kept in {server.data_dir}.")
        else:
            print(f"Neo4j is not running (data dir {server.data_dir}): nothing to stop.")
    else:
        status = server.status()
        if args.json:
            print_json(status.as_dict())
        else:
            state = f"running (pid {status.pid})" if status.running else "not running"
            print(f"Neo4j {status.version}: {state}\nURI:           {status.uri}\nuser:          "
                  f"{status.user}\ndata dir:      {status.data_dir}\npassword file: {status.password_file}")
    return 0


def register(sub: Any) -> None:
    server = sub.add_parser("server", help="the local Neo4j server")
    server_sub = server.add_subparsers(dest="action", required=True)
    start = server_sub.add_parser("start", help="start it (fetches the jars once)")
    add_local_server_options(start, port=True)
    stop = server_sub.add_parser("stop", help="stop it cleanly")
    add_local_server_options(stop, port=False)
    status = server_sub.add_parser("status", help="running or not, URI, version, data dir, pid")
    add_local_server_options(status, port=False)
    status.add_argument("--json", action="store_true")
    server.set_defaults(func=run)

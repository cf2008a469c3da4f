"""The command-line front end: one module per command group, each with ``register(sub)``.

Domain packages (graph/, loaders/, queries/, analytics/, …) hold no argparse; a command
module parses options, calls the packages and prints. ``cli.py`` is the entry point.
A new group is a new module here and one line in :data:`GROUPS`.
"""

from __future__ import annotations

import argparse
import importlib

#: Command modules, in the order ``--help`` lists them.
GROUPS: tuple[str, ...] = (
    "server",
    "db",
    "load",
    "demo",
    "query",
    "analyze",
    "up",
    "screen",
    "disposition",
    "brief",
    "public_list",
    "user",
    "audit",
    "evidence",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cli.py", description="OrgTrace investigation workbench")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in GROUPS:
        importlib.import_module(f"commands.{name}").register(sub)
    return parser

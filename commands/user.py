"""``user add|list|disable|passwd``: local accounts and their roles (admin only).

    python cli.py user add NAME --role viewer|analyst|admin [--password-stdin]
    python cli.py user list [--json]
    python cli.py user disable NAME
    python cli.py user passwd NAME [--password-stdin]

Before the first account exists OrgTrace runs in single-user local mode, in which the
local user may add the first account (it must be an admin). From then on every command
and the workbench need a login.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from commands.common import acting_user, format_table, print_json, settings_for


def _password(args: argparse.Namespace, name: str) -> str:
    from access.users import UserError

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("No terminal to ask for the password on: pass it with --password-stdin.")
    first = getpass.getpass(f"New password for {name}: ")
    if getpass.getpass("Repeat it: ") != first:
        raise UserError("The two passwords differ; nothing was changed.")
    return first


def run(args: argparse.Namespace) -> int:
    from access.audit import audit_log
    from access.users import UserStore
    from core.auth import require

    settings = settings_for(args)
    store = UserStore(settings.state_dir)
    actor = acting_user(settings)
    log = audit_log(settings)
    if args.action == "list":
        require(actor, "users.manage")
        rows = store.list()
        if args.json:
            print_json(rows)
        else:
            print(format_table(["name", "role", "disabled", "created_at", "changed_at"], rows)
                  if rows else "No accounts: OrgTrace runs in single-user local mode.")
        return 0
    if args.action == "add":
        require(actor, "users.manage")
        store.add(actor, args.name, args.role, _password(args, args.name))
        log.append(actor, "user.add", name=args.name, role=args.role)
        print(f"Added {args.name} ({args.role}).")
        if actor.local:
            print("Accounts now exist: the CLI logs in with ORGTRACE_USER and ORGTRACE_PASSWORD "
                  "(or asks), and the workbench asks for a login.")
    elif args.action == "disable":
        store.disable(actor, args.name)
        log.append(actor, "user.disable", name=args.name)
        print(f"Disabled {args.name}.")
    elif args.action == "passwd":
        store.set_password(actor, args.name, _password(args, args.name))
        log.append(actor, "user.passwd", name=args.name)
        print(f"Changed the password of {args.name}.")
    return 0


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="user accounts and roles (admin)")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add an account (asks for its password)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=("viewer", "analyst", "admin"))
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    listing = actions.add_parser("list", help="the accounts (no password hashes)")
    listing.add_argument("--json", action="store_true")
    disable = actions.add_parser("disable", help="disable an account (its history stays)")
    disable.add_argument("name", metavar="NAME")
    passwd = actions.add_parser("passwd", help="set an account's password (admins: anyone's; users: their own)")
    passwd.add_argument("name", metavar="NAME")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.set_defaults(func=run)

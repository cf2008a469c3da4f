"""Local user accounts: names, roles and argon2 password hashes in a private JSON file.

``users.json`` in the state folder (see :mod:`access`). Every change is made under a file
lock and written through a rename. While the file holds no account, OrgTrace runs in
single-user local mode (:func:`local_actor`): no login, everything done as the local user
with every permission. The first account must be an admin, so someone can always manage
the others.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from access.store import lock, state_dir, write_private
from core.auth import ROLES, Actor, NotAuthenticated, require
from core.errors import OrgTraceError

_HASHER = PasswordHasher()
_NAME = re.compile(r"[\w.@-]{1,64}")
MIN_PASSWORD = 8


class UserError(OrgTraceError):
    """A user account could not be added or changed."""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class UserStore:
    """The accounts file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "users.json"

    # -------------------------------------------------------------- reading
    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(f"The accounts file {self.path} cannot be read ({exc}); restore it "
                            f"from a backup.") from None
        return dict(data.get("users", {}))

    def has_accounts(self) -> bool:
        return bool(self._load())

    def list(self) -> list[dict[str, Any]]:
        """Every account without its hash: name, role, disabled, created_at, changed_at."""
        return [{"name": name, **{k: v for k, v in u.items() if k != "hash"}}
                for name, u in sorted(self._load().items())]

    # -------------------------------------------------------------- changing
    def _save(self, users: dict[str, dict[str, Any]]) -> None:
        state_dir(self.folder)
        write_private(self.path, json.dumps({"version": 1, "users": users}, ensure_ascii=False,
                                            indent=2, sort_keys=True).encode("utf-8"))

    def add(self, actor: Actor, name: str, role: str, password: str) -> None:
        require(actor, "users.manage")
        if not _NAME.fullmatch(name or ""):
            raise UserError(f"The user name '{name}' is not allowed: use 1-64 letters, digits, "
                            f"'.', '_', '@' or '-'.")
        if role not in ROLES:
            raise UserError(f"The role '{role}' is unknown; roles are {', '.join(ROLES)}.")
        _check_password(password)
        state_dir(self.folder)
        with lock(self.path):
            users = self._load()
            if name in users:
                raise UserError(f"The user '{name}' exists already; `user passwd` changes the password.")
            if not users and role != "admin":
                raise UserError("The first account must be an admin (--role admin), so that "
                                "someone can manage the others.")
            users[name] = {"role": role, "hash": _HASHER.hash(password), "disabled": False,
                           "created_at": _now(), "changed_at": _now()}
            self._save(users)

    def _change(self, actor: Actor, name: str, **fields: Any) -> None:
        state_dir(self.folder)
        with lock(self.path):
            users = self._load()
            if name not in users:
                raise UserError(f"There is no user '{name}'; `user list` shows them.")
            users[name].update(fields, changed_at=_now())
            enabled_admins = [n for n, u in users.items() if u["role"] == "admin" and not u["disabled"]]
            if not enabled_admins:
                raise UserError(f"'{name}' is the last enabled admin; add another admin first.")
            self._save(users)

    def disable(self, actor: Actor, name: str) -> None:
        require(actor, "users.manage")
        self._change(actor, name, disabled=True)

    def set_password(self, actor: Actor, name: str, password: str) -> None:
        """An admin may set anyone's password; a user may change their own."""
        if actor.name != name or actor.local:
            require(actor, "users.manage")
        _check_password(password)
        self._change(actor, name, hash=_HASHER.hash(password))

    # -------------------------------------------------------------- login
    def authenticate(self, name: str, password: str) -> Actor:
        """The :class:`Actor` for a valid, enabled account; else :class:`NotAuthenticated`."""
        user = self._load().get(name or "")
        failure = NotAuthenticated("The user name or password is wrong, or the account is disabled.")
        if user is None:
            _HASHER.hash(password or "")  # same time as a real check
            raise failure
        try:
            _HASHER.verify(user["hash"], password or "")
        except (VerificationError, InvalidHashError):
            raise failure from None
        if user.get("disabled"):
            raise failure
        return Actor(name, user["role"])


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"The password must have at least {MIN_PASSWORD} characters.")


def local_actor(user_name: str) -> Actor:
    """The single user of local mode (no accounts yet): every permission, marked local."""
    return Actor(user_name or "local", "admin", local=True)

"""Who may do what: roles, permissions and the acting user.

Every package function that reads or changes something on a user's behalf takes an explicit
:class:`Actor` (name and role) and calls :func:`require` — nothing here reads the
environment, so the command line and the workbench obey the same rules. The CLI builds its
actor in ``commands.common.acting_user`` (ORGTRACE_USER + ORGTRACE_PASSWORD or a prompt), the
workbench from its login (``views.common.current_actor``).

Roles are ordered: viewer < analyst < admin; a role may do everything the roles below it may.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import OrgTraceError

ROLES = ("viewer", "analyst", "admin")

#: Each permission and the lowest role that holds it.
PERMISSIONS: dict[str, str] = {
    "report.run": "viewer",          # run library and saved reports, read their results
    "explore": "viewer",             # browse the graph pages
    "data.load": "analyst",          # load files
    "cypher.run": "analyst",         # ad-hoc (read-only) Cypher
    "report.save": "analyst",        # save a report (and delete one's own)
    "disposition.set": "analyst",    # set a lead's / entity's disposition
    "evidence.export": "analyst",    # evidence packages and unmasked exports
    "personal.full": "analyst",      # see ID numbers and phones unmasked
    "users.manage": "admin",         # add, disable, change users
    "db.wipe": "admin",              # delete all data
    "audit.view": "admin",           # read the audit trail
    "report.delete_any": "admin",    # delete anyone's saved report
}


class AccessDenied(OrgTraceError):
    """The acting user's role does not allow the action."""


class NotAuthenticated(OrgTraceError):
    """No valid login: wrong or missing name or password, or a disabled account."""


@dataclass(frozen=True)
class Actor:
    """The acting user. ``local`` marks single-user local mode (no accounts exist yet)."""

    name: str
    role: str
    local: bool = False

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise AccessDenied(f"The role '{self.role}' is unknown; roles are {', '.join(ROLES)}.")


def can(actor: Actor | None, permission: str) -> bool:
    """Whether ``actor`` holds ``permission`` (an unknown permission is never held)."""
    if actor is None or permission not in PERMISSIONS:
        return False
    return ROLES.index(actor.role) >= ROLES.index(PERMISSIONS[permission])


def require(actor: Actor | None, permission: str) -> None:
    """Raise :class:`AccessDenied` with a sentence unless ``actor`` holds ``permission``."""
    if not can(actor, permission):
        needed = PERMISSIONS.get(permission, "admin")
        who = f"{actor.name} ({actor.role})" if actor else "An anonymous user"
        raise AccessDenied(f"{who} may not do this ({permission}); it needs the role {needed} "
                           f"or higher.")

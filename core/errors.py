"""One exception hierarchy for OrgTrace.

Every error a user can cause or meet is an :class:`OrgTraceError` whose message is a
sentence meant for an investigator (no traceback, no jargon where avoidable). The CLI and
the Streamlit pages catch the base class and show ``str(error)``.
"""

from __future__ import annotations


class OrgTraceError(Exception):
    """Base class: the message is a complete sentence for the user."""


class ConfigError(OrgTraceError):
    """Settings are missing or inconsistent (e.g. NEO4J_URI set without a password)."""


class PrerequisiteError(OrgTraceError):
    """A tool OrgTrace needs on this machine is missing (Java 17+, Maven)."""


class ServerError(OrgTraceError):
    """The local Neo4j server could not be started, stopped or inspected."""


class DatabaseUnavailable(OrgTraceError):
    """Neo4j cannot be reached at the configured URI."""


class AuthenticationFailed(OrgTraceError):
    """Neo4j refused the user name or password."""


class LoadError(OrgTraceError):
    """A file could not be loaded as a whole (unreadable, wrong columns, database lost).

    ``file``, ``row`` and ``column`` locate the problem where known.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.column = column


class QueryError(OrgTraceError):
    """A report or ad-hoc query was refused, failed, or timed out."""


class QueryRefused(QueryError):
    """The query would write, change the schema or call a procedure that is not allowed."""


class ExportError(OrgTraceError):
    """A result could not be exported in the requested format."""


class ScreeningError(OrgTraceError):
    """The screening rules file, a disposition or a briefing request is not valid."""

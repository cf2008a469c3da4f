"""The one place a Neo4j driver is built.

:func:`connect` returns a :class:`GraphDB`: the driver plus the database name every query
must name. Callers (loaders, report runner, analytics, pages) receive a ``GraphDB``; none
builds a driver. With ``NEO4J_URI`` unset, the local server is used and started if needed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterable

from neo4j import Driver, GraphDatabase, Query, RoutingControl
from neo4j.exceptions import AuthError, ConfigurationError, Neo4jError, ServiceUnavailable

from core.errors import AuthenticationFailed, ConfigError, DatabaseUnavailable
from core.settings import Settings, load_settings

# The driver logs connection failures itself; OrgTrace reports them as sentences instead.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

SUPPORTED_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


class Quiet(list):
    """A query parameter list that prints as its length. The driver formats every RUN
    message for its debug log (``repr`` of all parameters) whether or not that log is on:
    for a loader's chunk this cost more than packing the rows, and with debug logging on
    it would copy names and ID numbers into the log. Packed exactly as a list."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} values>"


def quiet(params: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters with every list among them as a :class:`Quiet` one (a copy)."""
    return {k: Quiet(v) if v.__class__ is list else v for k, v in (params or {}).items()}


def release(params: dict[str, Any]) -> None:
    """Empty the :class:`Quiet` lists of parameters :func:`quiet` made, once their query
    has answered. The driver's result keeps its parameters in a reference cycle (result,
    hydration scope, handlers) that only Python's cycle collector frees: a loader's rows
    would stay in memory until the next collection, and collecting after every chunk cost
    a loader about 2 s per 300,000 demo lines. Emptied, the cycle holds nothing large and
    the rows are freed as soon as the caller drops them (the caller's own lists are not
    touched)."""
    for value in params.values():
        if value.__class__ is Quiet:
            value.clear()


def run_released(tx: Any, cypher: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Run ``cypher`` in the transaction ``tx``; every record, then the parameters released
    (:func:`release`)."""
    wrapped = quiet(params)
    try:
        return list(tx.run(cypher, wrapped))
    finally:
        release(wrapped)


@dataclass
class GraphDB:
    """A driver and the database to use. Close it when done (or use ``with``)."""

    driver: Driver
    database: str
    uri: str
    user: str

    def read(self, cypher: str, params: dict[str, Any] | None = None, *,
             timeout: float | None = None) -> list[dict[str, Any]]:
        """Run a query in a read transaction; return records as dicts."""
        wrapped = quiet(params)
        try:
            records, _, _ = self.driver.execute_query(Query(cypher, timeout=timeout), wrapped,
                                                      database_=self.database, routing_=RoutingControl.READ)
        finally:
            release(wrapped)
        return [r.data() for r in records]

    def write(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query in a write transaction (retried on transient errors)."""
        wrapped = quiet(params)
        try:
            records, _, _ = self.driver.execute_query(cypher, wrapped, database_=self.database,
                                                      routing_=RoutingControl.WRITE)
        finally:
            release(wrapped)
        return [r.data() for r in records]

    def run_autocommit(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run in an auto-commit transaction (needed by CALL { … } IN TRANSACTIONS)."""
        with self.driver.session(database=self.database) as session:
            return [r.data() for r in session.run(cypher, quiet(params))]

    def write_many(self, statements: Iterable[str]) -> None:
        for statement in statements:
            self.write(statement)

    def server_version(self) -> str:
        rows = self.read("CALL dbms.components() YIELD name, versions, edition "
                         "RETURN versions[0] AS version, edition")
        return f"{rows[0]['version']} {rows[0]['edition']}" if rows else "unknown"

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> "GraphDB":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def resolve(settings: Settings, *, start_local: bool = True) -> tuple[str, str, str]:
    """(uri, user, password) for the settings; starts the local server when needed."""
    if settings.neo4j_uri:
        scheme = settings.neo4j_uri.split("://", 1)[0].lower() if "://" in settings.neo4j_uri else ""
        if scheme not in SUPPORTED_SCHEMES:
            raise ConfigError(f"NEO4J_URI '{settings.neo4j_uri}' is not a Neo4j address: it must start "
                              f"with one of {', '.join(s + '://' for s in SUPPORTED_SCHEMES)}.")
        if settings.neo4j_password is None:
            raise ConfigError("NEO4J_URI is set but NEO4J_PASSWORD is not: set the password of "
                              f"user '{settings.neo4j_user}' for {settings.neo4j_uri}.")
        return settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password
    from graph.server import DEFAULT_USER, LocalServer

    server = LocalServer(settings)
    if start_local:
        server.start()
    return server.uri, DEFAULT_USER, server.password()


def connect(settings: Settings | None = None, *, start_local: bool = True, verify: bool = True) -> GraphDB:
    """Build the driver for the configured Neo4j and check it answers.

    Raises :class:`DatabaseUnavailable` or :class:`AuthenticationFailed` with a sentence.
    """
    settings = settings or load_settings()
    uri, user, password = resolve(settings, start_local=start_local)
    try:
        driver = GraphDatabase.driver(uri, auth=(user, password), user_agent="OrgTrace",
                                      notifications_min_severity="OFF",
                                      connection_acquisition_timeout=30, max_transaction_retry_time=15)
    except (ConfigurationError, ValueError) as exc:
        raise ConfigError(f"The Neo4j address '{uri}' is not valid: {exc}.") from None
    db = GraphDB(driver=driver, database=settings.neo4j_database, uri=uri, user=user)
    if verify:
        try:
            driver.verify_connectivity()
            db.read("RETURN 1 AS ok")
        except AuthError:
            driver.close()
            raise AuthenticationFailed(
                f"Neo4j at {uri} refused user '{user}' with the given password: check NEO4J_USER "
                f"and NEO4J_PASSWORD.") from None
        except (ServiceUnavailable, OSError) as exc:
            driver.close()
            raise DatabaseUnavailable(
                f"No Neo4j answers at {uri}: check that the server is running and the address and "
                f"port are right ({type(exc).__name__}).") from None
        except Neo4jError as exc:
            driver.close()
            if "database" in (exc.message or "").lower():
                raise DatabaseUnavailable(f"Neo4j at {uri} has no usable database "
                                          f"'{settings.neo4j_database}': check NEO4J_DATABASE.") from None
            raise DatabaseUnavailable(f"Neo4j at {uri} answered with an error: {exc.message}") from None
    return db

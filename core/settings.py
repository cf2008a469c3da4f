"""All configuration in one place. No other module reads ``os.environ``.

Values come, highest priority first, from environment variables, then Streamlit secrets
(``.streamlit/secrets.toml`` in the project folder or the user's home), then defaults.
When ``NEO4J_URI`` is unset, OrgTrace uses (and starts if needed) its local Neo4j server.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Every variable OrgTrace reads, with its meaning (the README's configuration table).
VARIABLES: dict[str, str] = {
    "NEO4J_URI": "Neo4j to use (bolt://, neo4j://, neo4j+s://, bolt+s://). Unset: the local server.",
    "NEO4J_USER": "User name for NEO4J_URI (default neo4j).",
    "NEO4J_PASSWORD": "Password for NEO4J_URI. The local server's is generated and read from its password file.",
    "NEO4J_DATABASE": "Database name (default neo4j).",
    "ORGTRACE_DATA_DIR": "Local server's data directory (default: the user's data folder, orgtrace/neo4j).",
    "ORGTRACE_BOLT_PORT": "Local server's Bolt port (default 7687).",
    "ORGTRACE_CACHE_DIR": "Where the Neo4j jars are cached (default: the user's cache folder, orgtrace).",
    "ORGTRACE_NEO4J_HEAP": "Local server's Java heap (default 1g).",
    "ORGTRACE_NEO4J_PAGECACHE": "Local server's page cache (default 512m).",
    "ORGTRACE_QUERY_TIMEOUT": "Seconds before a report or ad-hoc query is stopped (default 30).",
    "ORGTRACE_USER": "Investigator name recorded in load runs, saved reports and exports (default: the login name); with accounts, the account the CLI logs in as.",
    "ORGTRACE_PASSWORD": "Password of ORGTRACE_USER's account for the CLI (asked for when unset and accounts exist).",
    "ORGTRACE_STATE_DIR": "Where user accounts and the audit log are kept, private to you (default: the user's data folder, orgtrace).",
    "ORGTRACE_SESSION_IDLE_MINUTES": "Minutes of inactivity after which a workbench login expires (default 30).",
    "ORGTRACE_LANG": "Interface language, zh or en (default zh).",
    "ORGTRACE_REPORT_DIR": "Where load reports (rejects and warnings CSVs) are written (default ./load-reports).",
    "ORGTRACE_PLAUSIBLE_AMOUNT": "Largest plausible amount of one transfer; above it a load warns implausible_amount (default 1000000000000).",
    "ORGTRACE_COLUMNAR_LOAD": "Clean bank statements and transfer lists a chunk at a time, as columns (default 1; 0: row by row, the slower reference path giving the same graph).",
    "JAVA_HOME": "Java 17+ used for the local server (default: java on PATH).",
    "ORGTRACE_SCREENING_RULES": "Screening rules YAML file (default: screening/rules.yaml, shipped with the notice's defaults).",
}


def _secrets() -> dict[str, str]:
    """Streamlit secrets, read as a plain TOML file so the CLI sees them too."""
    found: dict[str, str] = {}
    for path in (Path.home() / ".streamlit" / "secrets.toml", PROJECT_ROOT / ".streamlit" / "secrets.toml"):
        if path.is_file():
            with path.open("rb") as handle:
                data = tomllib.load(handle)
            found.update({k: str(v) for k, v in data.items() if isinstance(v, (str, int, float))})
    return found


@dataclass(frozen=True)
class Settings:
    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str | None
    neo4j_database: str
    data_dir: Path
    bolt_port: int
    cache_dir: Path
    neo4j_heap: str
    neo4j_pagecache: str
    query_timeout: float
    user: str
    lang: str
    java_home: str | None
    report_dir: Path
    plausible_amount: float = 1e12
    screening_rules: Path | None = None
    state_dir: Path = PROJECT_ROOT
    password: str | None = None
    session_idle_minutes: float = 30.0
    columnar_load: bool = True

    @property
    def uses_local_server(self) -> bool:
        return not self.neo4j_uri

    def with_local_server(self, data_dir: Path | None = None, bolt_port: int | None = None) -> "Settings":
        """The same settings pointed at a local server (used by tests and benchmarks)."""
        return replace(self, neo4j_uri=None, neo4j_password=None,
                       data_dir=Path(data_dir) if data_dir else self.data_dir,
                       bolt_port=bolt_port or self.bolt_port)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    values = {**_secrets(), **{k: v for k, v in env.items() if v != ""}}

    def get(name: str, default: str | None = None) -> str | None:
        return values.get(name, default)

    try:
        port = int(get("ORGTRACE_BOLT_PORT", "7687") or "7687")
        timeout = float(get("ORGTRACE_QUERY_TIMEOUT", "30") or "30")
        plausible = float(get("ORGTRACE_PLAUSIBLE_AMOUNT", "1e12") or "1e12")
        idle = float(get("ORGTRACE_SESSION_IDLE_MINUTES", "30") or "30")
    except ValueError as exc:
        from core.errors import ConfigError
        raise ConfigError(f"A setting is not a number: {exc}. Check ORGTRACE_BOLT_PORT, ORGTRACE_QUERY_TIMEOUT, "
                          f"ORGTRACE_PLAUSIBLE_AMOUNT and ORGTRACE_SESSION_IDLE_MINUTES.") from None
    if not plausible > 0:
        from core.errors import ConfigError
        raise ConfigError(f"ORGTRACE_PLAUSIBLE_AMOUNT is {plausible:g}; it must be an amount above 0 "
                          f"(the default is 1000000000000).")
    try:
        default_user = getpass.getuser()
    except Exception:  # no login name in some containers
        default_user = "investigator"
    lang = (get("ORGTRACE_LANG", "zh") or "zh").lower()
    return Settings(
        neo4j_uri=get("NEO4J_URI"),
        neo4j_user=get("NEO4J_USER", "neo4j") or "neo4j",
        neo4j_password=get("NEO4J_PASSWORD"),
        neo4j_database=get("NEO4J_DATABASE", "neo4j") or "neo4j",
        data_dir=Path(get("ORGTRACE_DATA_DIR") or Path(platformdirs.user_data_dir("orgtrace")) / "neo4j"),
        bolt_port=port,
        cache_dir=Path(get("ORGTRACE_CACHE_DIR") or platformdirs.user_cache_dir("orgtrace")),
        neo4j_heap=get("ORGTRACE_NEO4J_HEAP", "1g") or "1g",
        neo4j_pagecache=get("ORGTRACE_NEO4J_PAGECACHE", "512m") or "512m",
        query_timeout=timeout,
        user=get("ORGTRACE_USER") or default_user,
        lang=lang if lang in ("zh", "en") else "zh",
        java_home=get("JAVA_HOME"),
        report_dir=Path(get("ORGTRACE_REPORT_DIR") or "load-reports"),
        plausible_amount=plausible,
        screening_rules=Path(get("ORGTRACE_SCREENING_RULES")) if get("ORGTRACE_SCREENING_RULES") else None,
        state_dir=Path(get("ORGTRACE_STATE_DIR") or platformdirs.user_data_dir("orgtrace")),
        password=get("ORGTRACE_PASSWORD"),
        session_idle_minutes=idle,
        columnar_load=(get("ORGTRACE_COLUMNAR_LOAD", "1") or "1").strip().lower() not in ("0", "false", "no", "off"),
    )

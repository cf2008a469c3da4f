"""The local Neo4j server: fetched from Maven Central, started, inspected and stopped.

Neo4j Community (the version pinned in ``server/pom.xml``) runs embedded in a small Java
launcher (``server/src/main/java/org/orgtrace/server/LocalNeo4j.java``) that opens a Bolt
connector on 127.0.0.1 only. The jars are fetched once with Maven into the cache folder
(outside the repository) and the launcher is compiled there with ``javac``.

A server is identified by its data directory, which holds the store, the logs, the
generated password and ``server.json`` (pid, port). Several servers with different data
directories and ports can run side by side.

Everything in the data directory is private (``core.files``): the directory is 0700 (an
existing one found wider is tightened, with its contents, and one line says so), OrgTrace's
files there are 0600, and Neo4j runs with umask 077 so the store and logs it writes are too.
LOAD CSV cannot read local files: ``dbms.security.allow_csv_import_from_file_urls=false``
and an empty import directory (the query guard refuses LOAD CSV before that).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from core.errors import PrerequisiteError, ServerError
from core.files import open_private, private_dir, write_private_text
from core.settings import PROJECT_ROOT, Settings

SERVER_SRC = PROJECT_ROOT / "server"
LAUNCHER_CLASS = "org.orgtrace.server.LocalNeo4j"
MIN_JAVA = 17
START_TIMEOUT_S = 180
STOP_TIMEOUT_S = 90
DEFAULT_USER = "neo4j"
PASSWORD_MARKER = ".orgtrace-password-set"  # written by the launcher once the password is set


def neo4j_version() -> str:
    """The Neo4j version pinned in server/pom.xml (the one place it is written)."""
    text = (SERVER_SRC / "pom.xml").read_text(encoding="utf-8")
    match = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", text)
    if not match:
        raise ServerError("server/pom.xml does not name a Neo4j version (<neo4j.version>).")
    return match.group(1).strip()


# ---------------------------------------------------------------- prerequisites

def _java_bin(settings: Settings, tool: str = "java") -> str:
    if settings.java_home:
        candidate = Path(settings.java_home) / "bin" / tool
        if candidate.exists():
            return str(candidate)
    found = shutil.which(tool)
    if not found:
        raise PrerequisiteError(
            f"Java {MIN_JAVA} or newer (a JDK, with '{tool}') is needed to run the local Neo4j: "
            f"install it (Debian: apt-get install openjdk-17-jdk-headless), or set NEO4J_URI "
            f"to use an existing Neo4j instead.")
    return found


def java_major_version(java: str) -> int:
    out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    text = out.stderr + out.stdout
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        raise PrerequisiteError(f"Could not tell the Java version from '{java} -version'; install "
                                f"Java {MIN_JAVA}+ or set NEO4J_URI to use an existing Neo4j.")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def check_prerequisites(settings: Settings) -> tuple[str, str]:
    """Return (java, javac) paths, or raise one sentence saying what to install."""
    java = _java_bin(settings, "java")
    major = java_major_version(java)
    if major < MIN_JAVA:
        raise PrerequisiteError(
            f"Java {major} is too old for Neo4j {neo4j_version()}: install Java {MIN_JAVA} or newer "
            f"(Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME to one, or set "
            f"NEO4J_URI to use an existing Neo4j instead.")
    javac = _java_bin(settings, "javac")
    return java, javac


# ---------------------------------------------------------------- jars

def install_dir(settings: Settings) -> Path:
    return settings.cache_dir / f"neo4j-{neo4j_version()}"


def launcher_classes(settings: Settings) -> Path:
    """Where the launcher compiled from this checkout's source lives."""
    source = SERVER_SRC / "src/main/java/org/orgtrace/server/LocalNeo4j.java"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    return install_dir(settings) / f"classes-{digest}"


def ensure_installed(settings: Settings, *, quiet: bool = True) -> Path:
    """Fetch the Neo4j jars with Maven and compile the launcher, once. Returns the dir.

    Safe to call from several processes at once (a file lock serialises the fetch).
    """
    _, javac = check_prerequisites(settings)
    target = install_dir(settings)
    source = SERVER_SRC / "src/main/java/org/orgtrace/server/LocalNeo4j.java"
    # The compiled launcher lives in a folder named after its source's hash: two checkouts
    # with different launchers share the jars without recompiling under each other.
    classes = launcher_classes(settings)
    done = classes / ".complete"
    stamp = neo4j_version()
    if done.exists() and done.read_text() == stamp:
        return target
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists() and done.read_text() == stamp:
            return target
        lib = target / "lib"
        if not (lib.is_dir() and any(lib.glob("neo4j-kernel-*.jar"))):
            mvn = shutil.which("mvn")
            if not mvn:
                raise PrerequisiteError(
                    "Maven ('mvn') is needed once to fetch Neo4j from Maven Central: install it "
                    "(Debian: apt-get install maven), or set NEO4J_URI to use an existing Neo4j instead.")
            cmd = [mvn, "-B", "-f", str(SERVER_SRC / "pom.xml"), "dependency:copy-dependencies",
                   f"-DoutputDirectory={lib}", "-DincludeScope=runtime", f"-Dneo4j.version={neo4j_version()}"]
            if quiet:
                cmd.insert(2, "-q")
            proc = subprocess.run(cmd, capture_output=quiet, text=True)
            if proc.returncode != 0:
                tail = (proc.stdout or "")[-2000:] + (proc.stderr or "")[-2000:]
                raise ServerError(f"Maven could not fetch Neo4j {neo4j_version()} from Maven Central "
                                  f"(exit {proc.returncode}). Check the network or the Maven settings. {tail.strip()}")
        shutil.rmtree(classes, ignore_errors=True)
        proc = subprocess.run([javac, "--release", str(MIN_JAVA), "-encoding", "UTF-8", "-cp",
                               f"{lib}/*", "-d", str(classes), str(source)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise ServerError(f"Compiling the Neo4j launcher failed: {proc.stderr.strip()[:2000]}")
        done.write_text(stamp)
    return target


# ---------------------------------------------------------------- state

@dataclass
class ServerStatus:
    running: bool
    uri: str
    user: str
    version: str
    data_dir: str
    pid: int | None
    password_file: str

    def as_dict(self) -> dict:
        return asdict(self)


class LocalServer:
    """One local Neo4j server, identified by its data directory."""

    def __init__(self, settings: Settings, data_dir: Path | None = None, bolt_port: int | None = None):
        self.settings = settings
        self.data_dir = Path(data_dir or settings.data_dir).expanduser().resolve()
        self._requested_port = bolt_port

    # files in the data directory
    @property
    def password_file(self) -> Path:
        return self.data_dir / "password"

    @property
    def state_file(self) -> Path:
        return self.data_dir / "server.json"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "orgtrace-server.log"

    @property
    def home(self) -> Path:
        return self.data_dir / "home"

    def _state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    @property
    def bolt_port(self) -> int:
        return self._requested_port or self._state().get("port") or self.settings.bolt_port

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def import_dir(self) -> Path:
        """The server's import directory for LOAD CSV: kept empty (and file URLs are off)."""
        return self.home / "import-empty"

    def password(self) -> str:
        """The generated password (created at first start, readable only by the user)."""
        if not self.password_file.exists():
            private_dir(self.data_dir)
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(24) + "\n")
        else:
            private_dir(self.data_dir)
            with open_private(self.password_file, "a"):  # tightens a file found wider
                pass
        return self.password_file.read_text().strip()

    def pid(self) -> int | None:
        """The server's pid if its process is alive (and really our launcher)."""
        pid = self._state().get("pid")
        if not pid:
            return None
        try:
            proc = psutil.Process(pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            cmdline = " ".join(proc.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None
        return pid if LAUNCHER_CLASS in cmdline and str(self.home) in cmdline else None

    def is_running(self) -> bool:
        return self.pid() is not None

    def status(self) -> ServerStatus:
        pid = self.pid()
        return ServerStatus(running=pid is not None, uri=self.uri, user=DEFAULT_USER,
                            version=neo4j_version(), data_dir=str(self.data_dir), pid=pid,
                            password_file=str(self.password_file))

    # ------------------------------------------------------------ start / stop

    def start(self, *, timeout: float = START_TIMEOUT_S) -> tuple[ServerStatus, bool]:
        """Start the server if it is not running. Returns (status, started_now)."""
        if self.is_running():
            return self.status(), False
        java, _ = check_prerequisites(self.settings)
        install = ensure_installed(self.settings)
        port = self._requested_port or self._state().get("port") or self.settings.bolt_port
        if _port_in_use(port):
            raise ServerError(
                f"Port {port} on 127.0.0.1 is already in use by another program, so the local Neo4j "
                f"cannot listen there: choose another with --bolt-port (or ORGTRACE_BOLT_PORT), or "
                f"set NEO4J_URI to use the Neo4j already running.")
        private_dir(self.data_dir, recursive=True)  # the store may predate private folders
        password = self.password()
        private_dir(self.home)
        private_dir(self.log_file.parent)
        private_dir(self.import_dir)
        self._write_conf()
        cmd = [java, f"-Xms{self.settings.neo4j_heap}", f"-Xmx{self.settings.neo4j_heap}",
               "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
               "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
               "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true",
               "-Dfile.encoding=UTF-8", "-cp", f"{launcher_classes(self.settings)}:{install / 'lib'}/*",
               LAUNCHER_CLASS, str(self.home), str(port), str(self.password_file)]
        with open_private(self.log_file, "ab") as log:
            log.write(f"\n--- start {time.strftime('%Y-%m-%d %H:%M:%S')} port {port}\n".encode())
            log.flush()
            # umask 077: the store, transaction logs and Neo4j's own logs are born 0600/0700
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, cwd=self.data_dir, umask=0o077)
        write_private_text(self.state_file, json.dumps({"pid": proc.pid, "port": port}))
        self._wait_for_bolt(proc, port, password, timeout)
        return self.status(), True

    def _write_conf(self) -> None:
        conf = self.home / "neo4j.conf"
        lines = [
            "# Written by OrgTrace at each start; set memory with ORGTRACE_NEO4J_PAGECACHE.",
            f"server.memory.pagecache.size={self.settings.neo4j_pagecache}",
            "dbms.usage_report.enabled=false",
            "db.tx_log.rotation.retention_policy=2 files",
            "server.logs.debug.enabled=true",
            "# LOAD CSV may not read files on this machine (the query guard refuses LOAD CSV too):",
            "dbms.security.allow_csv_import_from_file_urls=false",
            f"server.directories.import={self.import_dir}",
        ]
        write_private_text(conf, "\n".join(lines) + "\n")

    def _wait_for_bolt(self, proc: subprocess.Popen, port: int, password: str, timeout: float) -> None:
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerError(f"The local Neo4j stopped during start-up (exit {proc.returncode}); "
                                  f"see the log {self.log_file} for the reason.")
            if _port_in_use(port):
                try:
                    with GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=(DEFAULT_USER, password)) as drv:
                        drv.verify_connectivity()
                        return
                except AuthError as exc:
                    if not (self.home / PASSWORD_MARKER).exists():
                        time.sleep(0.5)  # first start: the launcher is still setting the password
                        continue
                    raise ServerError(
                        f"The local Neo4j in {self.data_dir} refused the password in {self.password_file}: "
                        f"the file was changed after the first start ({exc.message}).") from None
                except (ServiceUnavailable, Neo4jError, OSError):
                    pass
            time.sleep(0.5)
        proc.terminate()
        raise ServerError(f"The local Neo4j did not answer on Bolt port {port} within {int(timeout)} s; "
                          f"see the log {self.log_file}.")

    def stop(self, *, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Stop with SIGTERM (the store is closed by the launcher's shutdown hook).

        Returns False when it was not running.
        """
        pid = self.pid()
        if pid is None:
            return False
        proc = psutil.Process(pid)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
            raise ServerError(f"The local Neo4j (pid {pid}) did not stop within {int(timeout)} s and was "
                              f"killed; it will recover its store at the next start. See {self.log_file}.")
        return True


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

"""The private state folder and its file locks (shared by users and audit)."""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock


def state_dir(path: Path) -> Path:
    """The folder, created private (0700) if needed."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass
    return path


def lock(path: Path) -> FileLock:
    """An inter-process lock beside ``path`` (``path.lock``)."""
    return FileLock(str(path) + ".lock", timeout=30)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (0600) through a temporary file and a rename."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)

"""Private folders and files: what OrgTrace writes is readable by its owner only.

The investigation lives in the local server's data directory, the load reports (rejects and
warnings hold raw rows), the exports and the password file. Folders OrgTrace owns are made
0700 and files 0600, when they are created and when an existing one is found wider (then one
line on standard error says so, once per path). Folders the user chose for an export are
created 0700 when missing but an existing one (the current folder, say) is left as it is;
the export file itself is 0600.

    private_dir(path)                      create or tighten a folder to 0700
    open_private(path, "w", ...)           like open(), the file created (or tightened) 0600
    write_private_text(path, text)         write_text, 0600
    write_private_bytes(path, data)        write_bytes, 0600

POSIX permissions only: on Windows the modes are not enforced and these helpers only create.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import IO, Any, Callable

DIR_MODE = 0o700
FILE_MODE = 0o600

_said: set[str] = set()


def _say(message: str) -> None:
    print(message, file=sys.stderr)


#: Where the one-line notices go (tests may replace it).
announce: Callable[[str], None] = _say


def _wider(mode: int, allowed: int) -> bool:
    return bool(stat.S_IMODE(mode) & ~allowed & 0o777)


def _tell_once(path: Path, old_mode: int, new_mode: int, what: str) -> None:
    key = str(path)
    if key in _said:
        return
    _said.add(key)
    announce(f"OrgTrace made the {what} {path} readable by its owner only "
             f"(it was {stat.S_IMODE(old_mode):04o}, now {new_mode:04o}).")


def _tighten(path: Path, allowed: int, what: str) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if os.name == "posix" and _wider(mode, allowed):
        os.chmod(path, stat.S_IMODE(mode) & allowed)
        _tell_once(path, mode, stat.S_IMODE(mode) & allowed, what)


def private_dir(path: str | os.PathLike[str], *, tighten: bool = True, recursive: bool = False) -> Path:
    """Create ``path`` (and missing parents) with mode 0700, or tighten it to 0700.

    ``tighten=False`` only creates what is missing and leaves an existing folder alone (for
    folders the user chose). ``recursive=True`` also tightens everything below it: folders to
    0700, files to 0600 (for the server's data directory, whose store may predate this).
    """
    target = Path(path).expanduser()
    missing = []
    probe = target
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass
        if os.name == "posix":
            os.chmod(folder, DIR_MODE)  # mkdir's mode is cut by the umask, never widened
    if tighten:
        _tighten(target, DIR_MODE, "folder")
        if recursive:
            _tighten_tree(target)
    return target


def _tighten_tree(root: Path) -> None:
    changed = 0
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            changed += _fix(Path(folder) / name, DIR_MODE)
        for name in files:
            changed += _fix(Path(folder) / name, FILE_MODE)
    if changed and f"tree:{root}" not in _said:
        _said.add(f"tree:{root}")
        announce(f"OrgTrace made {changed} files and folders under {root} readable by their owner only.")


def _fix(path: Path, allowed: int) -> int:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return 0
    if stat.S_ISLNK(mode) or os.name != "posix" or not _wider(mode, allowed):
        return 0
    os.chmod(path, stat.S_IMODE(mode) & allowed)
    return 1


def open_private(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode, **kwargs)`` for writing, the file created 0600 (an existing file
    found wider is tightened first, with one line saying so)."""
    target = Path(path)
    if any(flag in mode for flag in "wax+"):
        _tighten(target, FILE_MODE, "file")

    def opener(name: str, flags: int) -> int:
        fd = os.open(name, flags, FILE_MODE)
        if os.name == "posix":
            os.fchmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) & FILE_MODE)
        return fd

    return open(target, mode, opener=opener, **kwargs)


def write_private_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` (0600); returns the path."""
    with open_private(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_private_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8",
                       **kwargs: Any) -> Path:
    """Write ``text`` to ``path`` (0600); returns the path."""
    with open_private(path, "w", encoding=encoding, **kwargs) as handle:
        handle.write(text)
    return Path(path)

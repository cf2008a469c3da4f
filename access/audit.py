"""The audit trail: an append-only JSON-lines file in which every entry carries the hash of
the one before (a hash chain).

Each line is ``{"seq", "time", "user", "role", "action", "details", "prev", "hash"}`` where
``hash`` is the SHA-256 of the canonical JSON of the other fields and ``prev`` the previous
entry's ``hash`` (64 zeros for the first). Appends hold an inter-process file lock, so
concurrent CLI commands and workbench sessions never fork the chain.

What :func:`AuditLog.verify` proves: no entry was edited, inserted, deleted or reordered
*after* the entries that follow it were written — any such change breaks the chain at that
entry. Entries cut off the end: each append also records the new head (sequence number and hash)
in ``audit.head``, written atomically under the same lock, and verify compares the chain's
end with it, so a log that lost its last entries fails. What it cannot prove: that someone
with write access to the state folder did not rewrite the whole chain and its head from
some point on (compare ``head`` with a copy kept elsewhere, e.g. the hash recorded in an
evidence package). Keep the state folder private and back it up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from access.store import lock, state_dir, write_private
from core.auth import Actor
from core.errors import OrgTraceError
from queries.result import to_plain

GENESIS = "0" * 64
FIELDS = ("seq", "time", "user", "role", "action", "details", "prev")

#: Actions written to the trail.
ACTIONS = ("report.run", "cypher.run", "saved.run", "report.save", "report.delete", "load",
           "export", "evidence.export", "disposition.set", "login", "login.failed",
           "user.add", "user.disable", "user.passwd", "db.wipe")


class AuditError(OrgTraceError):
    """The audit log could not be written or read."""


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of the entry's fields other than ``hash``."""
    body = {k: entry.get(k) for k in FIELDS}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Verdict:
    ok: bool
    entries: int
    head: str
    broken_seq: int | None = None
    broken_line: int | None = None
    reason: str = ""

    def sentence(self) -> str:
        if self.ok:
            return f"The audit log is intact: {self.entries} entries, head {self.head}."
        where = f" (line {self.broken_line})" if self.broken_line is not None else ""
        return f"The audit log is broken at entry {self.broken_seq}{where}: {self.reason}."


class AuditLog:
    """The audit file ``audit.jsonl`` in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "audit.jsonl"
        self.head_path = self.folder / "audit.head"

    def _last(self) -> dict[str, Any] | None:
        """The last entry, read from the end of the file."""
        if not self.path.is_file():
            return None
        with self.path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            block = min(size, 65536)
            while True:
                handle.seek(size - block)
                lines = handle.read(block).rstrip(b"\n").split(b"\n")
                if len(lines) > 1 or block == size:
                    break
                block = min(size, block * 4)
        last = lines[-1].strip()
        if not last:
            return None
        try:
            return json.loads(last)
        except ValueError:
            raise AuditError(f"The last line of the audit log {self.path} is damaged; run "
                             f"`python cli.py audit verify`.") from None

    def append(self, actor: Actor | None, action: str, **details: Any) -> dict[str, Any]:
        """Append one entry (under the lock) and return it."""
        state_dir(self.folder)
        try:
            with lock(self.path):
                last = self._last()
                entry: dict[str, Any] = {
                    "seq": (last["seq"] + 1) if last else 1,
                    "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
                    "user": actor.name if actor else "(not given)",
                    "role": actor.role if actor else None,
                    "action": action,
                    "details": to_plain(details),
                    "prev": last["hash"] if last else GENESIS,
                }
                entry["hash"] = entry_hash(entry)
                line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as handle:
                    handle.write(line)
                    handle.flush()
                    os.fsync(handle.fileno())
                # the head, so entries cut off the end are noticed (written after the entry:
                # a crash in between leaves a head one behind, which verify accepts)
                write_private(self.head_path, json.dumps({"seq": entry["seq"], "hash": entry["hash"]}).encode())
        except OSError as exc:
            raise AuditError(f"The audit log {self.path} cannot be written: "
                             f"{exc.strerror or exc}.") from None
        return entry

    def entries(self) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """(line number, entry or None when the line is not JSON) for every line."""
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except ValueError:
                    yield number, None

    def verify(self) -> Verdict:
        """Walk the chain from the first entry; stop at the first broken one."""
        prev, count, expected = GENESIS, 0, 1
        before_last = GENESIS
        for number, entry in self.entries():
            seq = entry.get("seq") if isinstance(entry, dict) else None
            if entry is None or not isinstance(entry, dict):
                return Verdict(False, count, prev, expected, number, "the line is not a JSON entry")
            if seq != expected:
                return Verdict(False, count, prev, seq if isinstance(seq, int) else expected, number,
                               f"expected sequence number {expected}, found {seq} (an entry was "
                               f"inserted, deleted or moved)")
            if entry.get("prev") != prev:
                return Verdict(False, count, prev, seq, number,
                               "its link to the previous entry does not match (an entry before it "
                               "was changed, inserted or deleted)")
            if entry.get("hash") != entry_hash(entry):
                return Verdict(False, count, prev, seq, number,
                               "its content does not match its hash (the entry was edited)")
            before_last = prev
            prev, count, expected = entry["hash"], count + 1, expected + 1
        return self._check_head(count, prev, before_last)

    def _check_head(self, count: int, last_hash: str, before_last: str) -> Verdict:
        """The chain's end against the recorded head: a log that lost entries off its end fails.
        A head one entry behind is accepted (a crash between writing an entry and its head)."""
        if not self.head_path.is_file():
            if count:
                return Verdict(False, count, last_hash, count, None,
                               f"the record of its last entry ({self.head_path.name}) is missing, so "
                               f"entries cut off the end could not be noticed")
            return Verdict(True, count, last_hash)
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            seq, digest = int(head["seq"]), str(head["hash"])
        except (OSError, ValueError, KeyError, TypeError):
            return Verdict(False, count, last_hash, count, None,
                           f"the record of its last entry ({self.head_path.name}) is damaged")
        if (seq, digest) in ((count, last_hash), (count - 1, before_last)):
            return Verdict(True, count, last_hash)
        if seq > count:
            return Verdict(False, count, last_hash, count + 1, None,
                           f"entries {count + 1} to {seq} were written but are no longer in the "
                           f"log (cut off the end)")
        return Verdict(False, count, last_hash, seq, None,
                       "its end does not match the recorded last entry (the end was rewritten)")

    def head(self) -> tuple[int, str]:
        """(sequence number, hash) of the last entry; (0, GENESIS) when empty."""
        last = self._last()
        return (last["seq"], last["hash"]) if last else (0, GENESIS)

    def find(self, *, user: str | None = None, since: dt.datetime | None = None,
             action: str | None = None) -> list[dict[str, Any]]:
        """Entries (oldest first) by user, from a moment on, of an action."""
        found = []
        for _, entry in self.entries():
            if not isinstance(entry, dict):
                continue
            if user and entry.get("user") != user:
                continue
            if action and entry.get("action") != action:
                continue
            if since is not None:
                try:
                    when = dt.datetime.fromisoformat(entry.get("time", ""))
                except ValueError:
                    continue
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.timezone.utc)
                if when < since:
                    continue
            found.append(entry)
        return found


def audit_log(settings: Any) -> AuditLog:
    """The audit log of these settings (``settings.state_dir``)."""
    return AuditLog(settings.state_dir)

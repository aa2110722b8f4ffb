"""Which process claimed an in-flight delivery, and is it still alive?

Every process that sends rounds (the bot, and `bot.py remind`, possibly at the same time)
holds a lease: a lock file `<database>.senders/<token>.lock` under an exclusive `flock` for as
long as it lives. The kernel drops the lock when the process dies, however it dies (SIGKILL
included), so another process can tell a dead claimer from a live one and recover only the
dead one's in-flight sends (storage.rounds.recover_in_flight(db, is_alive=...)). For an
in-memory database (one process only) every token but this process's own is dead.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import socket
from pathlib import Path

from sqlite_utils import Database

from storage.db import database_file

log = logging.getLogger(__name__)

_leases: dict[str, Lease] = {}


class Lease:
    """This process's lease on the senders' directory of one database."""

    def __init__(self, db_file: str | None) -> None:
        host = socket.gethostname().split(".")[0][:20] or "host"
        self.token = f"{host}-{os.getpid()}-{secrets.token_hex(4)}"
        self.directory = Path(db_file + ".senders") if db_file else None
        self._fd: int | None = None
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{self.token}.lock"
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.sweep()

    def sweep(self) -> int:
        """Remove the lock files of dead processes; how many."""
        removed = 0
        for path in self.directory.glob("*.lock") if self.directory else ():
            token = path.name[: -len(".lock")]
            if token != self.token and not self.is_alive(token):
                removed += 1
        return removed

    def is_alive(self, token: str) -> bool:
        """Does the process that holds `token` still live? (Never asked about ourselves.)"""
        if token == self.token:
            return True
        if self.directory is None or "/" in token or token.startswith("."):
            return False
        path = self.directory / f"{token}.lock"
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True  # its owner holds the lock: alive
        else:
            with contextlib.suppress(OSError):
                path.unlink()  # a dead process's leftover
            return False
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is not None and self.directory is not None:
            with contextlib.suppress(OSError):
                (self.directory / f"{self.token}.lock").unlink()
            os.close(self._fd)
            self._fd = None


def lease_for(db: Database) -> Lease:
    """This process's lease for `db`'s file (one per file per process)."""
    db_file = database_file(db)
    key = db_file or f"memory:{id(db)}"
    lease = _leases.get(key)
    if lease is None:
        lease = _leases[key] = Lease(db_file)
    return lease

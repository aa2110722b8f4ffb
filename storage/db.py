"""Opening the database: WAL, foreign keys, migrations."""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from storage.schema import migrations


class StorageError(RuntimeError):
    """The database cannot be opened or used; the message is one line for the operator."""


def now_iso() -> str:
    """The current time as stored: ISO 8601 in UTC with its offset, to the second."""
    return datetime.fromtimestamp(int(time.time()), UTC).isoformat()


def select(db: Database, sql: str, params: Sequence | dict = ()) -> Iterator[dict]:
    """The rows of a SELECT as dicts, read lazily.

    `Database.query` without its guard against statements that return no rows: that guard
    wraps each query in a savepoint (two more statements) and parses the SQL first, which
    doubles the cost of the small look-ups every status update makes.
    """
    cursor = db.execute(sql, params)
    keys = [column[0] for column in cursor.description]
    return (dict(zip(keys, row, strict=True)) for row in cursor)


def open_db(path: str | Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the SQLite database at `path`, upgraded to the current schema."""
    path = Path(path)
    try:
        if str(path) != ":memory:":
            private_folder(path.parent)
            create_private(path)  # SQLite gives its -wal and -shm files the database's mode
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        db = Database(conn)
        db.execute("PRAGMA busy_timeout = 30000")
        if str(path) != ":memory:":
            db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        newer = unknown_migrations(db)
        if migrate and not newer:
            migrations.apply(db)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot open database {str(path)!r}: {exc}") from exc
    if newer:  # its tables may mean what this version does not know: better not touch them
        db.close()
        raise StorageError(f"database {str(path)!r} was written by a newer version of the bot "
                           f"({', '.join(newer)}); upgrade the bot, or restore a backup")
    return db


def pending_migrations(db: Database) -> list[str]:
    return [m.name for m in migrations.pending(db)]


@functools.cache
def known_migrations() -> frozenset[str]:
    """Every migration this version has: all of them are pending on an empty database."""
    return frozenset(m.name for m in migrations.pending(Database(memory=True)))


def unknown_migrations(db: Database) -> list[str]:
    """Migrations applied by a newer version of the bot than this one."""
    return [m.name for m in migrations.applied(db) if m.name not in known_migrations()]


def database_file(db: Database) -> str | None:
    """The file of `db`'s main database (None in memory)."""
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or None
    return None


def checkpoint_wal(path: str) -> tuple[int, int, int]:
    """Checkpoint the database file at `path` on a connection of its own (any thread),
    PASSIVE: (1 if it could not finish, frames in the log, frames now in the database file)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        return tuple(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
    finally:
        conn.close()


def leave_checkpoints_to_others(db: Database) -> None:
    """This connection's commits no longer checkpoint the write-ahead log themselves."""
    db.execute("PRAGMA wal_autocheckpoint = 0")


# --- files only the bot's user may read ------------------------------------------------------

PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700


def private_folder(path: Path) -> None:
    """Create `path` (and its parents) readable by the owner only, whatever the umask; an
    existing folder is left as it is (it may be shared on purpose, e.g. the home folder)."""
    if not path.exists():
        path.mkdir(parents=True, mode=PRIVATE_FOLDER, exist_ok=True)
        os.chmod(path, PRIVATE_FOLDER)


def create_private(path: Path) -> None:
    """Create the empty file `path` readable and writable by the owner only (umask or not)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        os.chmod(path, PRIVATE_FILE)


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` (an export), readable by the owner only; its folder must exist."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)  # an existing file keeps its mode otherwise
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def readable_by_others(path: Path) -> bool:
    return path.exists() and bool(path.stat().st_mode & 0o077)


# --- one bot process per database ----------------------------------------------------------


@contextlib.contextmanager
def run_lock(db_path: str | Path) -> Iterator[None]:
    """Held while a bot runs (polling or webhook) on `db_path`: a second one would answer
    every update twice. The lock file `<db>.run.lock` holds the running process's id; the
    lock goes with the process, however it ends. Other commands (remind, export, backup,
    check) do not take it."""
    import fcntl

    lock_path = Path(f"{db_path}.run.lock")
    private_folder(lock_path.parent)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise StorageError(f"a bot is already running on {str(db_path)!r} (process {pid}, "
                               f"lock {str(lock_path)!r}); stop it before starting another") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)

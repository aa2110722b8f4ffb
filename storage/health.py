"""Looking at a database file without changing it, for `python bot.py check`.

`open_db` would create a missing file, switch on WAL and apply migrations; a check must only
tell what it finds, so this opens the existing file as it is (`mode=rw`: never creates).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from storage.db import unknown_migrations
from storage.schema import migrations


@dataclass
class DatabaseHealth:
    """What `inspect_database` found; a None problem field means that part is fine."""

    path: str
    exists: bool = True
    open_error: str | None = None  # cannot be opened or read at all
    integrity_problems: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # migrations this version will apply
    unknown: list[str] = field(default_factory=list)  # applied by a newer version of the bot
    applied: int = 0
    journal_mode: str | None = None
    write_error: str | None = None


def inspect_database(path: str | Path, *, timeout: float = 5.0) -> DatabaseHealth:
    """Open `path` if it exists and check integrity, schema version, journal mode, writability."""
    health = DatabaseHealth(str(path))
    if not Path(path).exists():
        health.exists = False
        return health
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=rw", uri=True,
                               timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        health.open_error = str(exc)
        return health
    try:
        try:
            conn.execute("select count(*) from sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:  # "file is not a database", a damaged schema
            health.open_error = str(exc)
            return health
        try:
            rows = conn.execute("pragma integrity_check").fetchall()
        except sqlite3.DatabaseError as exc:  # damage so bad the check itself stops
            health.integrity_problems = [str(exc)]
            return health
        health.integrity_problems = [  # one problem a line, without the "*** in database" headers
            line for row in rows for line in str(row[0]).splitlines()
            if line != "ok" and not line.startswith("***")]
        if health.integrity_problems:
            return health
        try:
            db = Database(conn)
            applied = [m.name for m in migrations.applied(db)]
            health.applied = len(applied)
            health.pending = [m.name for m in migrations.pending(db)]
            health.unknown = unknown_migrations(db)
            health.journal_mode = conn.execute("pragma journal_mode").fetchone()[0]
        except sqlite3.DatabaseError as exc:  # a damaged page found while reading the schema
            health.integrity_problems = health.integrity_problems or [str(exc)]
            return health
        health.write_error = _write_error(conn, Path(path))
    finally:
        conn.close()
    return health


def _write_error(conn: sqlite3.Connection, path: Path) -> str | None:
    """Why the bot could not write here, or None. Takes the write lock and lets it go."""
    # WAL keeps -wal and -shm files next to the database: the folder must be writable too.
    if not os.access(path.parent, os.W_OK):
        return f"the folder {path.parent} is not writable"
    try:
        conn.execute("begin immediate")
        conn.execute("rollback")
    except sqlite3.Error as exc:
        return str(exc)
    return None

"""Opening the database: WAL, foreign keys, migrations."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from storage.schema import migrations


class StorageError(RuntimeError):
    """The database cannot be opened or used; the message is one line for the operator."""


def now_iso() -> str:
    """The current time as stored: ISO 8601 in UTC with its offset."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def open_db(path: str | Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the SQLite database at `path`, upgraded to the current schema."""
    path = Path(path)
    try:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        db = Database(conn)
        db.execute("PRAGMA busy_timeout = 30000")
        if str(path) != ":memory:":
            db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            migrations.apply(db)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot open database {str(path)!r}: {exc}") from exc
    return db


def pending_migrations(db: Database) -> list[str]:
    return [m.name for m in migrations.pending(db)]

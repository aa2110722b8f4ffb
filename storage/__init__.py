"""The database: schema, migrations and every query. Nothing outside this package runs SQL."""

from storage.db import StorageError, now_iso, open_db

__all__ = ["StorageError", "now_iso", "open_db"]

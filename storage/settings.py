"""Settings changed in chat (`/settings`); they win over the environment."""

from __future__ import annotations

from sqlite_utils import Database

from storage.db import now_iso, select
from storage.people import record_audit


def get_settings(db: Database) -> dict[str, str]:
    return {row["key"]: row["value"] for row in select(db, "select key, value from settings")}


def set_setting(db: Database, key: str, value: str | None, actor_id: int | None) -> None:
    """Store a setting; None removes it (back to the environment's value)."""
    with db.atomic():
        if value is None:
            db.execute("delete from settings where key = ?", [key])
        else:
            db["settings"].upsert({"key": key, "value": value, "updated_at": now_iso()}, pk="key")
        record_audit(db, actor_id, "setting", key=key, value=value)

"""The meeting-room screen's links (/screen): a token's hash, who made it, until when."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from storage.db import now_iso, select
from storage.people import record_audit


def add_screen_link(db: Database, token_hash: str, created_by: int, lang: str,
                    expires_at: datetime) -> None:
    with db.atomic():
        db["screen_links"].insert({"token_hash": token_hash, "created_by": created_by,
                                   "lang": lang, "created_at": now_iso(),
                                   "expires_at": expires_at.isoformat()})
        record_audit(db, created_by, "screen_link", expires_at=expires_at.isoformat())


def live_screen_link(db: Database, token_hash: str, now: datetime) -> dict | None:
    """The link with this token hash, unless revoked or expired at `now` (aware)."""
    rows = list(select(db, "select * from screen_links where token_hash = ? and revoked_at is null",
                       [token_hash]))
    if not rows or datetime.fromisoformat(rows[0]["expires_at"]) <= now:
        return None
    return rows[0]


def revoke_screen_links(db: Database, actor_id: int) -> int:
    """Revoke every screen link still open; how many were."""
    with db.atomic():
        cursor = db.execute("update screen_links set revoked_at = ? where revoked_at is null",
                            [now_iso()])
        record_audit(db, actor_id, "screen_links_revoked", count=cursor.rowcount)
    return cursor.rowcount

"""The intake inbox: every update received is stored here before Telegram is told it arrived.

An update is recognised by what it carries (storage/update_keys.py), not by its update_id
alone: a Bot API server numbers updates afresh when it is re-installed, and Telegram picks a
new start after a week without updates, so a new message may come with an id seen before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlite_utils import Database

from storage.db import now_iso, select
from storage.update_keys import update_key


def store_received(db: Database, updates: Iterable[tuple[int, dict]]) -> dict[int, str]:
    """Record received updates (update_id, payload); one already stored is left as it is.

    Returns each update's state: "pending" for the new ones, and what the inbox says of an
    update received before (Telegram sends again what a killed bot had not acknowledged).
    """
    now = now_iso()
    rows = [(update_key(payload), uid, now, json.dumps(payload, ensure_ascii=False))
            for uid, payload in updates]
    keys = [row[0] for row in rows]
    # Plain SQL: this runs for every update, and sqlite-utils' insert_all reads the schema first.
    with db.atomic():
        known = dict(db.execute(f"select key, state from inbox where key in "
                                f"({','.join('?' for _ in keys)})", keys).fetchall()) if keys else {}
        db.conn.executemany("insert or ignore into inbox (key, update_id, received_at, state, "
                            "payload) values (?, ?, ?, 'pending', ?)", rows)
    return {row[1]: known.get(row[0], "pending") for row in rows}


# The newest row with an update_id is the update that id stands for now (an older one was
# numbered by an earlier Bot API server).
NEWEST = "rowid = (select max(rowid) from inbox where update_id = ?)"


def inbox_state(db: Database, update_id: int) -> str | None:
    rows = list(select(db, f"select state from inbox where {NEWEST}", [update_id]))
    return rows[0]["state"] if rows else None


def mark_processed(db: Database, update_id: int, error: str | None = None) -> None:
    db.execute(f"update inbox set state = ?, processed_at = ?, error = ? where {NEWEST}",
               ["failed" if error else "done", now_iso(), error, update_id])


def pending_updates(db: Database) -> list[dict]:
    """Received but never processed (the process died first), in the order received."""
    return [json.loads(row["payload"]) for row in
            select(db, "select payload from inbox where state = 'pending' order by rowid")]


def prune_inbox(db: Database, keep_days: int = 30) -> int:
    """Forget handled updates (done or failed) received more than `keep_days` ago; one still
    pending is never forgotten (the message ids stay in `updates`). How many were removed."""
    cursor = db.execute("delete from inbox where state != 'pending' and received_at < "
                        "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', ?)", [f"-{keep_days} days"])
    return cursor.rowcount

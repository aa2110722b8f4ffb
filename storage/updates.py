"""Status updates: stored once per (chat, message, part), corrected by edits, never lost."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field

from sqlite_utils import Database

from storage.db import now_iso, select


@dataclass
class NewUpdate:
    """One project's part of a status message, as it will be stored."""

    project_id: int
    unit_id: int
    author_id: int
    chat_id: int
    message_id: int
    part: int
    created_at: str
    raw_text: str
    lang: str
    progress: float | None = None
    stage: str | None = None
    invested: float | None = None
    invested_kind: str | None = None  # "cumulative" | "year" (with `invested`)
    next_steps: str | None = None
    problems: list[str] = field(default_factory=list)
    file_ids: list[str] = field(default_factory=list)
    parsed: dict = field(default_factory=dict)

    def row(self) -> dict:
        return {
            "project_id": self.project_id, "unit_id": self.unit_id, "author_id": self.author_id,
            "chat_id": self.chat_id, "message_id": self.message_id, "part": self.part,
            "created_at": self.created_at, "raw_text": self.raw_text, "lang": self.lang,
            "progress": self.progress, "stage": self.stage, "invested": self.invested,
            "invested_kind": self.invested_kind if self.invested is not None else None,
            "next_steps": self.next_steps,
            "file_ids": json.dumps(self.file_ids),
            "parsed": json.dumps(self.parsed, ensure_ascii=False, default=str),
        }


def updates_of_message(db: Database, chat_id: int, message_id: int) -> list[dict]:
    return list(select(db,
        "select * from updates where chat_id = ? and message_id = ? order by part",
        [chat_id, message_id]))


def _insert(db: Database, table: str, row: dict, *, unless_stored: bool = False) -> int | None:
    """Insert one row with plain SQL; the id it got.

    Intake's hot path: sqlite-utils' `Table.insert` re-reads the schema on every call.
    `unless_stored`: a row with the same unique key already there is left as it is (None).
    """
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conflict = " on conflict do nothing" if unless_stored else ""
    cursor = db.execute(f"insert into {table} ({columns}) values ({marks}){conflict}",
                        list(row.values()))
    return cursor.lastrowid if cursor.rowcount else None


def _open_problems(db: Database, update: NewUpdate, update_id: int, now: str) -> int:
    for text in update.problems:
        _insert(db, "problems", {
            "project_id": update.project_id, "text": text, "status": "open",
            "opened_by": update.author_id, "raised_unit_id": update.unit_id,
            "acting_unit_id": update.unit_id, "update_id": update_id, "created_at": now,
        })
    return len(update.problems)


def store_updates(db: Database, updates: list[NewUpdate]) -> tuple[list[int], list[dict]]:
    """Store a message's updates and the problems they open, in one transaction.

    Returns (update ids, the rows stored earlier). A message already stored (processed twice)
    is left as it was and its rows are returned: storing is idempotent by (chat_id,
    message_id, part). The rows are empty when the message was stored now.
    """
    if not updates:
        return [], []
    # One row and no problems: the insert is a transaction of its own, without two statements
    # more to begin and commit one.
    single = len(updates) == 1 and not updates[0].problems
    with contextlib.nullcontext() if single else db.atomic():
        now, ids = now_iso(), []
        for update in updates:
            # A message's parts are stored together: when its first part is there, all are. Asked
            # of the unique index by the insert itself, one statement less than a look-up first.
            update_id = _insert(db, "updates", update.row(), unless_stored=update is updates[0])
            if update_id is None:
                existing = updates_of_message(db, update.chat_id, update.message_id)
                return [row["id"] for row in existing], existing
            _open_problems(db, update, update_id, now)
            ids.append(update_id)
    return ids, []


def correct_updates(db: Database, updates: list[NewUpdate]) -> list[int]:
    """An edited message: its stored updates take the new text and parse, in place.

    Problems it had opened that nobody has acted on yet (still open, never assigned) are
    replaced by the problems of the corrected text. Parts no longer in the message go.
    """
    chat_id, message_id = updates[0].chat_id, updates[0].message_id
    now, ids = now_iso(), []
    with db.atomic():
        existing = {row["part"]: row for row in updates_of_message(db, chat_id, message_id)}
        for update in updates:
            row = update.row()
            old = existing.pop(update.part, None)
            if old is None:
                update_id = _insert(db, "updates", row)
            else:
                update_id = old["id"]
                row.update(created_at=old["created_at"], edited_at=now,
                           file_ids=json.dumps(sorted(set(json.loads(old["file_ids"] or "[]"))
                                                      | set(update.file_ids))))
                db["updates"].update(update_id, row)
                db.execute("delete from problems where update_id = ? and status = 'open' "
                           "and assigned_at is null", [update_id])
            _open_problems(db, update, update_id, now)
            ids.append(update_id)
        for gone in existing.values():
            db.execute("update problems set update_id = null where update_id = ?", [gone["id"]])
            db.execute("delete from updates where id = ?", [gone["id"]])
    return ids


def mark_replied(db: Database, update_ids: list[int], reply_message_id: int) -> None:
    marks = ",".join("?" for _ in update_ids)
    db.execute(f"update updates set reply_message_id = ? where id in ({marks})",
               [reply_message_id, *update_ids])


def last_update_by(db: Database, author_id: int, chat_id: int, since: str) -> dict | None:
    """The author's most recent update in this chat since `since` (to attach a photo to)."""
    rows = list(select(db,
        "select * from updates where author_id = ? and chat_id = ? and created_at >= ? "
        "order by created_at desc, id desc limit 1", [author_id, chat_id, since]))
    return rows[0] if rows else None


def attach_files(db: Database, update_id: int, file_ids: list[str]) -> None:
    rows = list(select(db, "select file_ids from updates where id = ?", [update_id]))
    current = json.loads(rows[0]["file_ids"] or "[]") if rows else []
    merged = current + [f for f in file_ids if f not in current]
    db["updates"].update(update_id, {"file_ids": json.dumps(merged)})


# --- updates waiting for the sender to say which project ------------------------------------

CONFIRM = "confirm"  # pending_intake.kind of "store this implausible update?" (else: which project)


def save_pending(db: Database, user_id: int, chat_id: int, message_id: int, text: str,
                 lang: str, file_ids: list[str], *, kind: str | None = None,
                 payload: str | None = None, token: str | None = None) -> int:
    return db["pending_intake"].insert({
        "user_id": user_id, "chat_id": chat_id, "message_id": message_id, "text": text,
        "lang": lang, "file_ids": json.dumps(file_ids), "created_at": now_iso(),
        "kind": kind, "payload": payload, "token": token,
    }).last_pk


def update_pending_payload(db: Database, pending_id: int, text: str, payload: str) -> None:
    """A waiting question's message was edited: the updates the tap will store change."""
    db["pending_intake"].update(pending_id, {"text": text, "payload": payload})


def set_pending_question(db: Database, pending_id: int, question_message_id: int) -> None:
    db["pending_intake"].update(pending_id, {"question_message_id": question_message_id})


def get_pending(db: Database, pending_id: int) -> dict | None:
    rows = list(select(db, "select * from pending_intake where id = ?", [pending_id]))
    return rows[0] if rows else None


def pending_for_message(db: Database, chat_id: int, message_id: int) -> dict | None:
    rows = list(select(db, "select * from pending_intake where chat_id = ? and message_id = ? "
                         "order by id desc limit 1", [chat_id, message_id]))
    return rows[0] if rows else None


def resolve_pending(db: Database, pending_id: int) -> bool:
    """Mark a pending update as recorded; False if it already was (a double tap)."""
    cursor = db.execute("update pending_intake set resolved_at = ? where id = ? and resolved_at "
                        "is null", [now_iso(), pending_id])
    return cursor.rowcount == 1


def update_pending_text(db: Database, pending_id: int, text: str) -> None:
    db["pending_intake"].update(pending_id, {"text": text})


def written_languages(db: Database, user_ids: list[int], recent: int = 5) -> dict[int, str]:
    """The language each of `user_ids` wrote most of their last `recent` messages in (a tie:
    the language of the latest); people who never wrote are left out."""
    if not user_ids:
        return {}
    marks = ",".join("?" for _ in user_ids)
    rows = select(db,
        "select author_id, lang, count(*) as n, max(created_at) as latest from ("
        "  select author_id, lang, created_at, row_number() over "
        "    (partition by author_id order by created_at desc, id desc) as nth"
        f"  from updates where author_id in ({marks}) and lang is not null and part = 0"
        f") where nth <= ? group by author_id, lang", [*user_ids, recent])
    best: dict[int, tuple[int, str, str]] = {}
    for row in rows:
        ranked = (row["n"], row["latest"], row["lang"])
        if row["author_id"] not in best or ranked > best[row["author_id"]]:
            best[row["author_id"]] = ranked
    return {user_id: lang for user_id, (_, _, lang) in best.items()}

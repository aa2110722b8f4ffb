"""Reminder and digest rounds and their deliveries: the exactly-once ledger.

A round is one (kind, period): kind `reminder` | `digest`, period the scheduled occurrence as
ISO 8601 with offset (schedules.periods.period_key). Round status:

    planned  opened; its deliveries are not fixed yet (always call plan_deliveries next)
    sending  deliveries fixed (possibly none); being sent
    done     every delivery is sent, failed or blocked
    missed   the occurrence was older than BOT_CATCHUP_HOURS when first seen; nothing sent
    skipped  a holiday; nothing sent

Delivery state, one row per recipient message, written before and after each send:

    pending -> sending   claim_next, in one statement, BEFORE the send (attempts + 1)
    sending -> sent      mark_sent (message_id recorded)
    sending -> pending   mark_failed(retryable=True) while attempts < max_attempts
    sending -> failed    mark_failed(retryable=False), or retryable at max_attempts
    sending -> blocked   mark_blocked (the bot was blocked / removed from the chat)
    sending -> pending   recover_in_flight, at start-up only

A delivery left in `sending` means the process died during its send: Telegram cannot be asked
whether that message arrived, so recover_in_flight makes it pending again and it is sent
again. That message is the only one that can ever repeat.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlite_utils import Database

from storage.db import now_iso, select

log = logging.getLogger(__name__)

KINDS = ("reminder", "digest")
ROUND_STATUSES = ("planned", "sending", "done", "missed", "skipped")
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "blocked")
FINISHED = ("done", "missed", "skipped")
DEFAULT_MAX_ATTEMPTS = 5


def _period(period: str | datetime) -> str:
    if isinstance(period, datetime):
        if period.tzinfo is None:
            raise ValueError("a period must be timezone-aware")
        return period.isoformat(timespec="seconds")
    return period


def _one(db: Database, sql: str, params) -> dict | None:
    rows = list(select(db, sql, params))
    return rows[0] if rows else None


def _delivery(row: dict | None) -> dict | None:
    if row is not None:
        row = dict(row)
        row["payload"] = json.loads(row["payload"])
    return row


# --- rounds ----------------------------------------------------------------------------------

def open_round(
    db: Database, kind: str, period: str | datetime, status: str = "planned"
) -> tuple[int, bool]:
    """The round for (kind, period), created with `status` if new: (round_id, created).

    Idempotent: an existing round is returned unchanged whatever `status` says. Pass
    status="missed" or "skipped" to record a round that will not be sent.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown round kind {kind!r}")
    if status not in ("planned", "missed", "skipped"):
        raise ValueError(f"a round cannot be opened as {status!r}")
    key = _period(period)
    now = now_iso()
    finished_at = now if status in FINISHED else None
    with db.atomic():
        cursor = db.execute(
            "insert or ignore into rounds (kind, period, status, created_at, finished_at) "
            "values (?, ?, ?, ?, ?)",
            [kind, key, status, now, finished_at],
        )
        created = cursor.rowcount == 1
        row = _one(db, "select id from rounds where kind = ? and period = ?", [kind, key])
    return row["id"], created


def get_round(db: Database, round_id: int) -> dict | None:
    return _one(db, "select * from rounds where id = ?", [round_id])


def find_round(db: Database, kind: str, period: str | datetime) -> dict | None:
    return _one(db, "select * from rounds where kind = ? and period = ?", [kind, _period(period)])


def mark_round(db: Database, round_id: int, status: str) -> None:
    if status not in ROUND_STATUSES:
        raise ValueError(f"unknown round status {status!r}")
    finished_at = now_iso() if status in FINISHED else None
    db.execute(
        "update rounds set status = ?, finished_at = ? where id = ?", [status, finished_at, round_id]
    )


def reopen_round(db: Database, round_id: int) -> bool:
    """A `missed` or `skipped` round (it has no deliveries) back to `planned`, for an operator's
    explicit `bot.py remind`. Other rounds are left alone; True if it was reopened."""
    cursor = db.execute(
        "update rounds set status = 'planned', finished_at = null "
        "where id = ? and status in ('missed', 'skipped') "
        "and not exists (select 1 from deliveries where round_id = ?)",
        [round_id, round_id],
    )
    return cursor.rowcount == 1


def expire_round(db: Database, round_id: int, reason: str) -> int:
    """Give up the still pending deliveries of a round that is too old to send (the bot was
    down longer than BOT_CATCHUP_HOURS): they become `failed` with `reason`; a planned round
    becomes `missed`. Returns how many deliveries were given up."""
    with db.atomic():
        db.execute(
            "update rounds set status = 'missed', finished_at = ? where id = ? and status = 'planned'",
            [now_iso(), round_id])
        cursor = db.execute(
            "update deliveries set state = 'failed', error = ?, updated_at = ? "
            "where round_id = ? and state = 'pending'",
            [reason, now_iso(), round_id])
        given_up = cursor.rowcount
    finish_if_complete(db, round_id)
    return given_up


def unfinished_rounds(db: Database) -> list[dict]:
    """Rounds a previous process opened but did not finish (status planned or sending)."""
    return list(select(db,
        "select * from rounds where status in ('planned', 'sending') order by id"))


def plan_deliveries(
    db: Database, round_id: int, items: list[tuple[int, int | None, dict]],
    *, reminded: Iterable[int] = (), files: Iterable[bytes] = (),
) -> int:
    """Fix the round's deliveries, once: inserts `items` and moves the round planned -> sending.

    All in one transaction, together with the projects the round names (`reminded`, see
    record_reminded) and its pictures (`files`, numbered from 0: a payload part refers to one
    by number, see round_file). For a round that is not `planned` (already planned, or
    finished) nothing changes and 0 is returned. Duplicate (chat_id, unit_id) items are
    stored once. Returns the number of deliveries inserted.
    """
    now = now_iso()
    with db.atomic():
        # The guarded write comes first, so the transaction takes the write lock at once.
        cursor = db.execute(
            "update rounds set status = 'sending' where id = ? and status = 'planned'", [round_id]
        )
        if cursor.rowcount != 1:
            return 0
        seen: set[tuple[int, int | None]] = set()
        inserted = 0
        for chat_id, unit_id, payload in items:
            if (chat_id, unit_id) in seen:  # unit_id NULL escapes the unique index
                continue
            seen.add((chat_id, unit_id))
            cursor = db.execute(
                "insert or ignore into deliveries "
                "(round_id, chat_id, unit_id, payload, state, attempts, updated_at) "
                "values (?, ?, ?, ?, 'pending', 0, ?)",
                [round_id, chat_id, unit_id, json.dumps(payload, ensure_ascii=False), now],
            )
            inserted += cursor.rowcount
        for project_id in reminded:
            db.execute(
                "insert or ignore into reminded_projects (round_id, project_id) values (?, ?)",
                [round_id, project_id],
            )
        for idx, data in enumerate(files):
            db.execute("insert into round_files (round_id, idx, data) values (?, ?, ?)",
                       [round_id, idx, data])
    return inserted


def finish_if_complete(db: Database, round_id: int) -> bool:
    """Mark a `sending` round done when none of its deliveries is pending or in flight."""
    cursor = db.execute(
        "update rounds set status = 'done', finished_at = ? where id = ? and status = 'sending' "
        "and not exists (select 1 from deliveries where round_id = ? "
        "and state in ('pending', 'sending'))",
        [now_iso(), round_id, round_id],
    )
    return cursor.rowcount == 1


def round_summary(db: Database, round_id: int) -> dict:
    """{round_id, kind, period, status, total, pending, sending, sent, failed, blocked}."""
    rnd = get_round(db, round_id)
    if rnd is None:
        raise KeyError(f"no round {round_id}")
    summary = {"round_id": round_id, "kind": rnd["kind"], "period": rnd["period"],
               "status": rnd["status"], "total": 0, **dict.fromkeys(DELIVERY_STATES, 0)}
    for row in select(db,
        "select state, count(*) as n from deliveries where round_id = ? group by state",
        [round_id],
    ):
        summary[row["state"]] = row["n"]
        summary["total"] += row["n"]
    return summary


def record_reminded(db: Database, round_id: int, project_ids) -> None:
    """Remember which projects a reminder round named (idempotent)."""
    with db.atomic():
        for project_id in project_ids:
            db.execute(
                "insert or ignore into reminded_projects (round_id, project_id) values (?, ?)",
                [round_id, project_id],
            )


# --- deliveries ------------------------------------------------------------------------------

def get_delivery(db: Database, delivery_id: int) -> dict | None:
    return _delivery(_one(db, "select * from deliveries where id = ?", [delivery_id]))


def list_deliveries(db: Database, round_id: int) -> list[dict]:
    return [_delivery(r) for r in
            select(db, "select * from deliveries where round_id = ? order by id", [round_id])]


def claim_next(db: Database, round_id: int, owner: str | None = None) -> dict | None:
    """Take the round's next pending delivery: mark it `sending`, attempts + 1, then return it.

    One UPDATE ... RETURNING statement, so it is atomic against other tasks, connections and
    processes: a delivery is claimed by one caller only. The payload comes back decoded.
    `owner` (a schedules.lease token) is recorded so recover_in_flight can tell whose it is.
    """
    rows = db.execute(
        "update deliveries set state = 'sending', attempts = attempts + 1, updated_at = ?, "
        "claimed_by = ? "
        "where id = (select id from deliveries where round_id = ? and state = 'pending' "
        "order by id limit 1) and state = 'pending' returning *",
        [now_iso(), owner, round_id],
    )
    columns = [c[0] for c in rows.description]
    found = rows.fetchall()
    return _delivery(dict(zip(columns, found[0], strict=True))) if found else None


def mark_sent(db: Database, delivery_id: int, message_id: int | None) -> None:
    """Record that the message went out (whatever state the row was in: this is the truth)."""
    db.execute(
        "update deliveries set state = 'sent', message_id = ?, error = null, updated_at = ? "
        "where id = ?",
        [message_id, now_iso(), delivery_id],
    )


def mark_part_sent(db: Database, delivery_id: int, parts_sent: int) -> None:
    """One more part of a several-message delivery went out: after a kill, the delivery is
    resumed from part `parts_sent`, so only the part in flight can repeat."""
    db.execute(
        "update deliveries set parts_sent = ?, updated_at = ? where id = ? and parts_sent < ?",
        [parts_sent, now_iso(), delivery_id, parts_sent],
    )


def mark_failed(
    db: Database, delivery_id: int, error: str, retryable: bool,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> str | None:
    """A send that did not go out. Returns the new state: `pending` (to be retried) or `failed`.

    Retryable errors go back to pending while attempts < max_attempts. Only a delivery in
    `sending` changes; otherwise None is returned and nothing is written.
    """
    cursor = db.execute(
        "update deliveries set state = case when ? and attempts < ? then 'pending' "
        "else 'failed' end, error = ?, updated_at = ? where id = ? and state = 'sending' "
        "returning state",
        [1 if retryable else 0, max_attempts, str(error)[:1000], now_iso(), delivery_id],
    )
    found = cursor.fetchall()
    return found[0][0] if found else None


def mark_blocked(db: Database, delivery_id: int, error: str = "") -> bool:
    """The chat refuses the bot (blocked, kicked, deactivated): never retried."""
    cursor = db.execute(
        "update deliveries set state = 'blocked', error = ?, updated_at = ? "
        "where id = ? and state = 'sending'",
        [str(error)[:1000] or None, now_iso(), delivery_id],
    )
    return cursor.rowcount == 1


def claimers(db: Database, round_id: int) -> list[str]:
    """The lease tokens of the processes with a delivery of the round in flight."""
    return [row[0] for row in db.execute(
        "select distinct claimed_by from deliveries where round_id = ? and state = 'sending' "
        "and claimed_by is not null", [round_id]).fetchall()]


def recover_in_flight(db: Database, is_alive: Callable[[str], bool] | None = None) -> int:
    """Deliveries left `sending` by a killed process -> pending.

    Their send may or may not have reached Telegram, and Telegram cannot be asked, so they are
    sent again: these are the only messages that can repeat. Their attempt stays counted.
    Without `is_alive`, every in-flight delivery is recovered: call it only at start-up when
    no other process sends (never while a deliver_round is running: it would resend its
    in-flight message). With `is_alive(owner_token)` (schedules.lease), only deliveries whose
    claimer is dead (or unknown) are recovered, which is safe at any time, from any process.
    Returns how many were recovered.
    """
    now = now_iso()
    if is_alive is None:
        cursor = db.execute(
            "update deliveries set state = 'pending', updated_at = ? where state = 'sending' "
            "returning id, round_id, chat_id",
            [now],
        )
        found = cursor.fetchall()
    else:
        owners = [r[0] for r in db.execute(
            "select distinct claimed_by from deliveries where state = 'sending'").fetchall()]
        found = []
        for owner in owners:
            if owner is not None and is_alive(owner):
                continue
            cursor = db.execute(
                "update deliveries set state = 'pending', updated_at = ? where state = 'sending' "
                "and claimed_by is ? returning id, round_id, chat_id",
                [now, owner],
            )
            found += cursor.fetchall()
    rows = [dict(zip(("id", "round_id", "chat_id"), r, strict=True)) for r in found]
    for row in rows:
        log.warning("delivery %s of round %s to chat %s was in flight at shutdown; it will be "
                    "sent again", row["id"], row["round_id"], row["chat_id"])
    return len(rows)


# --- pictures of a round -----------------------------------------------------------------------

def round_file(db: Database, round_id: int, idx: int) -> tuple[bytes, str | None]:
    """A picture planned with the round: (its bytes, Telegram's file id once it has one)."""
    row = _one(db, "select data, file_id from round_files where round_id = ? and idx = ?",
               [round_id, idx])
    if row is None:
        raise KeyError(f"round {round_id} has no file {idx}")
    return row["data"], row["file_id"]


def set_round_file_id(db: Database, round_id: int, idx: int, file_id: str) -> None:
    """Remember Telegram's file id of an uploaded picture: later sends reuse it."""
    db.execute("update round_files set file_id = ? where round_id = ? and idx = ? "
               "and file_id is null", [file_id, round_id, idx])


# --- schedules ---------------------------------------------------------------------------------

def schedule_since(db: Database, kind: str, signature: str, now: datetime) -> datetime:
    """Since when the schedule `signature` of `kind` is in force: the first time it is seen
    (first start, or a changed schedule or timezone) is recorded as `now` (aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    stamp = now.isoformat(timespec="seconds")
    with db.atomic():
        row = _one(db, "select signature, since from schedule_state where kind = ?", [kind])
        if row is None or row["signature"] != signature:
            db.execute(
                "insert into schedule_state (kind, signature, since) values (?, ?, ?) "
                "on conflict (kind) do update set signature = excluded.signature, "
                "since = excluded.since",
                [kind, signature, stamp])
            if row is not None:
                log.info("%s schedule is now %s (was %s): in force from %s",
                         kind, signature, row["signature"], stamp)
            return datetime.fromisoformat(stamp)
    return datetime.fromisoformat(row["since"])


# --- escalations -------------------------------------------------------------------------------

def recent_reminder_rounds(db: Database, n: int = 2) -> list[dict]:
    """The last `n` reminder rounds that were sent (planned ones: sending or done), newest
    first. Missed and holiday rounds are not reminders and do not break the run."""
    return list(select(db,
        "select * from rounds where kind = 'reminder' and status in ('sending', 'done') "
        "order by period desc, id desc limit ?", [n]))


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def repeatedly_reminded(db: Database) -> list[dict]:
    """Projects named in each of the last two reminder rounds and not updated since the
    first of them was planned: [{project_id, code, name, unit_id, unit_name, last_update_at}]."""
    last_two = recent_reminder_rounds(db, 2)
    if len(last_two) < 2:
        return []
    newer, older = last_two
    since = _moment(older["created_at"])
    rows = select(db,
        "select p.id as project_id, p.code, p.name, p.unit_id, u.name as unit_name, "
        "(select max(created_at) from updates x where x.project_id = p.id) as last_update_at "
        "from reminded_projects a "
        "join reminded_projects b on b.project_id = a.project_id and b.round_id = ? "
        "join projects p on p.id = a.project_id join units u on u.id = p.unit_id "
        "where a.round_id = ? order by u.name, p.code",
        [newer["id"], older["id"]])
    return [r for r in rows
            if (_moment(r["last_update_at"]) or datetime.min.replace(tzinfo=UTC)) < since]


def long_open_problems(db: Database, opened_before: datetime) -> list[dict]:
    """Open problems opened before `opened_before` (aware), oldest first, with the unit that
    must act (the acting unit, else the project's): [{id, text, created_at, project_code,
    project_name, unit_id, unit_name}]."""
    rows = select(db,
        "select q.id, q.text, q.created_at, p.code as project_code, p.name as project_name, "
        "coalesce(q.acting_unit_id, p.unit_id) as unit_id, u.name as unit_name "
        "from problems q join projects p on p.id = q.project_id "
        "left join units u on u.id = coalesce(q.acting_unit_id, p.unit_id) "
        "where q.status = 'open' order by q.created_at, q.id")
    return [r for r in rows if _moment(r["created_at"]) < opened_before]

"""Sending a planned round exactly once, whatever Telegram answers.

deliver_round claims one delivery at a time (storage.rounds.claim_next writes `sending`
before the send) and records the outcome after it. Telegram's answers:

    RetryAfter (429)             wait retry_after seconds, send the same message again;
                                 not counted as an attempt
    ChatMigrated                 the group became a supergroup: send to the new chat id (once)
    Forbidden (403)              blocked: the bot was blocked or removed; never retried
    BadRequest (400)             failed; not retried (the message itself is wrong)
    NetworkError, TimedOut, 5xx  back to pending, exponential backoff, at most max_attempts
                                 attempts, then failed
    any other Exception          failed; not retried

BaseException (a kill, Ctrl-C, task cancellation) is not caught: the message in flight stays
`sending` and storage.rounds.recover_in_flight resends it at the next start. Every failure is
logged with the round, the chat id and the error. Flood limits per chat are left to the
Application's AIORateLimiter; this module only honours 429 answers.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
import weakref
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlite_utils import Database
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from storage import rounds

log = logging.getLogger(__name__)

Send = Callable[[int, dict], Awaitable[int | None]]

# One lock per (database file, round) in this process; the database's claim guards the rest.
_locks: weakref.WeakValueDictionary[tuple[str, int], asyncio.Lock] = (
    weakref.WeakValueDictionary())


def _db_key(db: Database) -> str:
    for _, name, filename in db.execute("pragma database_list").fetchall():
        if name == "main" and filename:
            return filename
    return f"memory:{id(db)}"


def _lock_for(db: Database, round_id: int) -> asyncio.Lock:
    key = (_db_key(db), round_id)
    lock = _locks.get(key)
    if lock is None:
        lock = _locks[key] = asyncio.Lock()
    return lock


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after in seconds (an int or a timedelta, depending on PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return max(0.0, value.total_seconds())
    return max(0.0, float(value))


async def deliver_round(
    db: Database,
    round_id: int,
    send: Send,
    *,
    max_attempts: int = rounds.DEFAULT_MAX_ATTEMPTS,
    backoff: float = 1.0,
    max_backoff: float = 60.0,
) -> dict:
    """Send every pending delivery of a round once; return storage.rounds.round_summary.

    `send(chat_id, payload)` sends one message and returns its message id. The round must
    have been planned (storage.rounds.plan_deliveries); a finished round is left alone. When
    nothing is pending or in flight any more, the round is marked done. Calls for the same
    round are serialised in-process, and a delivery is claimed in the database before it is
    sent, so no two calls (or processes) ever send the same delivery.
    """
    async with _lock_for(db, round_id):
        rnd = rounds.get_round(db, round_id)
        if rnd is None:
            raise KeyError(f"no round {round_id}")
        if rnd["status"] == "planned":
            raise ValueError(f"round {round_id} has no plan yet: call plan_deliveries first")
        where = f"{rnd['kind']} round {round_id} ({rnd['period']})"
        if rnd["status"] == "sending":
            while (delivery := rounds.claim_next(db, round_id)) is not None:
                await _send_one(db, delivery, send, where, max_attempts, backoff, max_backoff)
            rounds.finish_if_complete(db, round_id)
        summary = rounds.round_summary(db, round_id)
    log.info("%s: %s; %d sent, %d failed, %d blocked of %d", where, summary["status"],
             summary["sent"], summary["failed"], summary["blocked"], summary["total"])
    return summary


async def _send_one(
    db: Database, delivery: dict, send: Send, where: str,
    max_attempts: int, backoff: float, max_backoff: float,
) -> None:
    delivery_id, chat_id = delivery["id"], delivery["chat_id"]
    migrated = False
    while True:
        try:
            message_id = await send(chat_id, delivery["payload"])
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            log.warning("%s: chat %s: flood limit, retrying in %.0f s", where, chat_id, wait)
            await asyncio.sleep(wait)
        except ChatMigrated as exc:
            if migrated:
                _fail(db, delivery, where, chat_id, exc)
                return
            log.warning("%s: chat %s became %s; sending there (update its binding)",
                        where, chat_id, exc.new_chat_id)
            chat_id, migrated = exc.new_chat_id, True
        except Forbidden as exc:
            rounds.mark_blocked(db, delivery_id, str(exc))
            log.warning("%s: chat %s blocked the bot, skipped: %s", where, chat_id, exc)
            return
        except BadRequest as exc:  # a NetworkError subclass: must come first
            _fail(db, delivery, where, chat_id, exc)
            return
        except NetworkError as exc:  # includes TimedOut and Telegram's 5xx answers
            state = rounds.mark_failed(db, delivery_id, f"{type(exc).__name__}: {exc}",
                                       retryable=True, max_attempts=max_attempts)
            attempts = delivery["attempts"]
            if state != "pending":
                log.error("%s: chat %s: giving up after %d attempts: %s",
                          where, chat_id, attempts, exc)
                return
            delay = min(max_backoff, backoff * 2 ** (attempts - 1))
            log.warning("%s: chat %s: attempt %d/%d failed (%s), retrying in %.1f s",
                        where, chat_id, attempts, max_attempts, exc, delay)
            await asyncio.sleep(delay)
            return  # back to pending: the caller's next claim takes it again
        except Exception as exc:
            log.exception("%s: chat %s: send failed", where, chat_id)
            _fail(db, delivery, where, chat_id, exc, logged=True)
            return
        else:
            rounds.mark_sent(db, delivery_id, message_id)
            return


def _fail(db: Database, delivery: dict, where: str, chat_id: int, exc: Exception,
          logged: bool = False) -> None:
    rounds.mark_failed(db, delivery["id"], f"{type(exc).__name__}: {exc}", retryable=False)
    if not logged:
        log.error("%s: chat %s: not sent, not retried: %s", where, chat_id, exc)

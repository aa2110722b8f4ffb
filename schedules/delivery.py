"""Sending a planned round exactly once, whatever Telegram answers.

deliver_round claims one delivery at a time (storage.rounds.claim_next writes `sending`
before the send) and records the outcome after it. Telegram's answers:

    RetryAfter (429)             wait retry_after seconds, send the same message again;
                                 not counted as an attempt (the Application's AIORateLimiter
                                 has usually waited it out already)
    ChatMigrated                 the group became a supergroup: send to the new chat id (once)
    Forbidden (403)              blocked: the bot was blocked or removed; never retried
    BadRequest (400)             failed; not retried (the message itself is wrong)
    NetworkError, 5xx            back to pending, exponential backoff, at most max_attempts
                                 attempts, then failed
    read timeout, cut off        unknown outcome (transport.retry.outcome_of): the message may
                                 have arrived, so it is recorded as sent and not resent
    any other Exception          failed; not retried

BaseException (a kill, Ctrl-C, task cancellation) is not caught: the message in flight stays
`sending` and storage.rounds.recover_in_flight resends it at the next start. Every failure is
logged with the round, the chat id and the error. This is the only retry of a round's sends:
`send` must try each message once (transport.intake.single_attempt). Flood limits are left to
the bot's rate limiter (transport.pacing); this module only honours 429 answers.
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
from storage.db import database_file
from storage.people import move_group
from transport.retry import Outcome, outcome_of

log = logging.getLogger(__name__)

Send = Callable[[int, dict], Awaitable[int | None]]

# One lock per (database file, round) in this process; the database's claim guards the rest.
_locks: weakref.WeakValueDictionary[tuple[str, int], asyncio.Lock] = (
    weakref.WeakValueDictionary())


def _db_key(db: Database) -> str:
    return database_file(db) or f"memory:{id(db)}"


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
    concurrency: int = 1,
    owner: str | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> dict:
    """Send every pending delivery of a round once; return storage.rounds.round_summary.

    `send(chat_id, payload)` sends one message and returns its message id. A payload with
    `parts` (a list of payloads) is several messages to one chat, sent in order; each part
    sent is recorded (`parts_sent`), so after a kill only the part in flight can repeat. The
    round must have been planned (storage.rounds.plan_deliveries); a finished round is left
    alone. When nothing is pending or in flight any more, the round is marked done. Calls for
    the same round are serialised in-process, and a delivery is claimed in the database
    (by `owner`, a schedules.lease token) before it is sent, so no two calls (or processes)
    ever send the same delivery. `concurrency` deliveries are sent at a time: each of them
    may be in flight when the process dies. When `keep_going()` turns false (the bot is
    stopping) no new delivery is claimed: the sends in flight finish, the rest stays pending
    for the next start, and nothing repeats.
    """
    async with _lock_for(db, round_id):
        rnd = rounds.get_round(db, round_id)
        if rnd is None:
            raise KeyError(f"no round {round_id}")
        if rnd["status"] == "planned":
            raise ValueError(f"round {round_id} has no plan yet: call plan_deliveries first")
        where = f"{rnd['kind']} round {round_id} ({rnd['period']})"
        if rnd["status"] == "sending":

            async def worker() -> None:
                while keep_going is None or keep_going():
                    delivery = rounds.claim_next(db, round_id, owner)
                    if delivery is None:
                        break
                    await _send_one(db, delivery, send, where, max_attempts, backoff,
                                    max_backoff)

            if concurrency <= 1:
                await worker()
            else:
                await _all_or_nothing([worker() for _ in range(concurrency)])
            rounds.finish_if_complete(db, round_id)
        summary = rounds.round_summary(db, round_id)
    log.info("%s: %s; %d sent, %d failed, %d blocked of %d", where, summary["status"],
             summary["sent"], summary["failed"], summary["blocked"], summary["total"])
    return summary


async def _all_or_nothing(coroutines) -> None:
    """Run the workers together; if one dies (a BaseException), cancel the others, re-raise."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:  # we were cancelled: so are the workers
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()


class _Migrated:
    """The chat a delivery goes to, following at most one ChatMigrated."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id, self.migrated = chat_id, False


async def _send_waiting(send: Send, chat: _Migrated, payload: dict, where: str) -> int | None:
    """One message: 429 answers are waited out (not an attempt), a migration followed once."""
    while True:
        try:
            return await send(chat.chat_id, payload)
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            log.warning("%s: chat %s: flood limit, retrying in %.0f s", where, chat.chat_id, wait)
            await asyncio.sleep(wait)
        except NetworkError as exc:
            if outcome_of(exc) is not Outcome.UNKNOWN:
                raise
            # Usually Telegram sent it and only its answer was late: resending would repeat it.
            log.warning("%s: chat %s: %s (%s: %s); recorded as sent, not resent", where,
                        chat.chat_id, Outcome.UNKNOWN.value, type(exc).__name__, exc)
            return None
        except ChatMigrated as exc:
            if chat.migrated:
                raise
            log.warning("%s: chat %s became %s; sending there (its unit binding follows)",
                        where, chat.chat_id, exc.new_chat_id)
            chat.chat_id, chat.migrated = exc.new_chat_id, True


async def _send_one(
    db: Database, delivery: dict, send: Send, where: str,
    max_attempts: int, backoff: float, max_backoff: float,
) -> None:
    delivery_id = delivery["id"]
    chat = _Migrated(delivery["chat_id"])
    payload = delivery["payload"]
    parts = payload.get("parts") if isinstance(payload, dict) else None
    try:
        if parts is None:
            message_id = await _send_waiting(send, chat, payload, where)
        else:
            message_id = None
            for i in range(delivery.get("parts_sent") or 0, len(parts)):
                message_id = await _send_waiting(send, chat, parts[i], where)
                rounds.mark_part_sent(db, delivery_id, i + 1)
    except ChatMigrated as exc:  # migrated twice
        _fail(db, delivery, where, chat.chat_id, exc)
    except Forbidden as exc:
        rounds.mark_blocked(db, delivery_id, str(exc))
        log.warning("%s: chat %s blocked the bot, skipped: %s", where, chat.chat_id, exc)
    except BadRequest as exc:  # a NetworkError subclass: must come first
        _fail(db, delivery, where, chat.chat_id, exc)
    except NetworkError as exc:  # includes TimedOut and Telegram's 5xx answers
        error = f"{type(exc).__name__}: {exc}"
        attempts = delivery["attempts"]
        if attempts >= max_attempts:
            rounds.mark_failed(db, delivery_id, error, retryable=True, max_attempts=max_attempts)
            log.error("%s: chat %s: giving up after %d attempts: %s",
                      where, chat.chat_id, attempts, exc)
            return
        delay = min(max_backoff, backoff * 2 ** (attempts - 1))
        log.warning("%s: chat %s: attempt %d/%d failed (%s), retrying in %.1f s",
                    where, chat.chat_id, attempts, max_attempts, exc, delay)
        # Still claimed while waiting, so no other worker takes it before the backoff is over.
        await asyncio.sleep(delay)
        rounds.mark_failed(db, delivery_id, error, retryable=True, max_attempts=max_attempts)
    except Exception as exc:
        log.exception("%s: chat %s: send failed", where, chat.chat_id)
        _fail(db, delivery, where, chat.chat_id, exc, logged=True)
    else:
        rounds.mark_sent(db, delivery_id, message_id)
    if chat.migrated:
        move_group(db, delivery["chat_id"], chat.chat_id)


def _fail(db: Database, delivery: dict, where: str, chat_id: int, exc: Exception,
          logged: bool = False) -> None:
    rounds.mark_failed(db, delivery["id"], f"{type(exc).__name__}: {exc}", retryable=False)
    if not logged:
        log.error("%s: chat %s: not sent, not retried: %s", where, chat_id, exc)

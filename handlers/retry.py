"""Bounded retry with backoff for the bot's own Bot API calls: one place, for every handler.

`RetryingBot._do_post` wraps every call but getUpdates (the Updater has its own retry loop),
above the Application's AIORateLimiter, which keeps handling `429 retry_after` itself. What is
retried depends on whether the failed call can have taken effect, because resending a message
that did arrive is a duplicate:

    5xx answer from Telegram            no effect: retried
    connection refused, connect or      the request never left: retried
    pool timeout
    read or write timeout, connection   unknown outcome, the message may have arrived: retried
    lost in the middle of the call      only when repeating it is harmless (`harmless_to_repeat`:
                                        reads, settings, chat actions); a send, edit or answer
                                        is not repeated (at most once, as DESIGN.md promises for
                                        a reminder in flight at a kill), and this is logged
    400, 403, 404, 409, 429 after the   not transient: raised at once
    rate limiter's own retries, ...

At most `RETRY_ATTEMPTS` tries, `RETRY_BACKOFF` seconds doubling up to `RETRY_MAX_BACKOFF`
between them. A call given up is logged (method, chat, attempts, error) and its error raised:
that one handler fails, the bot carries on with every other chat. Only a button tap's answer
and a chat action are given up quietly (`_BEST_EFFORT`, also on a 400 such as "query is too
old"): the tap's work must still be done. `schedules.delivery` sends
inside `retries_disabled()`: it retries durably itself, counting attempts in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from enum import Enum

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

RETRY_ATTEMPTS = 4
RETRY_BACKOFF = 0.5  # seconds before the first retry; doubles after each
RETRY_MAX_BACKOFF = 8.0

# Calls that may be made twice with the same result as once.
_HARMLESS = frozenset({
    "sendChatAction", "setMyCommands", "deleteMyCommands", "setMyDescription",
    "setMyShortDescription", "setMyName", "setChatMenuButton", "setWebhook", "deleteWebhook",
})

# Calls whose failure must not abort the handler that makes them: answering a button tap only
# stops its spinner (Telegram drops an unanswered one by itself), a chat action is a hint.
_BEST_EFFORT = frozenset({"answerCallbackQuery", "sendChatAction"})

_retries_off: ContextVar[bool] = ContextVar("bot_api_retries_off", default=False)


class Outcome(Enum):
    """What a failed Bot API call did, as far as the bot can tell."""

    NO_EFFECT = "no effect"
    UNKNOWN = "unknown outcome"
    FINAL = "not transient"


def outcome_of(error: BaseException) -> Outcome:
    """Classify a Bot API error (see the module docstring)."""
    if isinstance(error, BadRequest) or not isinstance(error, NetworkError):
        return Outcome.FINAL  # Forbidden, RetryAfter, ChatMigrated, InvalidToken ... are not NetworkErrors
    cause = error.__cause__
    if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return Outcome.NO_EFFECT
    if isinstance(error, TimedOut) or isinstance(cause, httpx.HTTPError):
        return Outcome.UNKNOWN
    if cause is None or isinstance(cause, TelegramError):
        # PTB raises a bare NetworkError for an error status it has no class for (5xx), chained
        # to a TelegramError when the body was not JSON (a proxy's 502 page): Telegram answered.
        return Outcome.NO_EFFECT
    return Outcome.UNKNOWN


def harmless_to_repeat(method: str) -> bool:
    return method.startswith("get") or method in _HARMLESS


def should_retry(method: str, error: BaseException) -> bool:
    outcome = outcome_of(error)
    return outcome is Outcome.NO_EFFECT or (
        outcome is Outcome.UNKNOWN and harmless_to_repeat(method))


def backoff_delay(retry: int, backoff: float = RETRY_BACKOFF,
                  max_backoff: float = RETRY_MAX_BACKOFF) -> float:
    """Seconds to wait before retry number `retry` (1, 2, ...)."""
    return min(max_backoff, backoff * 2 ** (retry - 1))


@contextlib.contextmanager
def retries_disabled() -> Iterator[None]:
    """Bot API calls made inside are tried once (for callers that retry on their own)."""
    token = _retries_off.set(True)
    try:
        yield
    finally:
        _retries_off.reset(token)


class RetryingBot(ExtBot):
    """An ExtBot whose calls are retried with backoff when that cannot duplicate anything."""

    async def _do_post(self, endpoint: str, data: dict, **timeouts):
        post = super()._do_post
        if endpoint == "getUpdates" or _retries_off.get():
            return await post(endpoint, data, **timeouts)
        target = f"{endpoint} to chat {data['chat_id']}" if "chat_id" in data else endpoint
        attempt = 1
        while True:
            try:
                return await post(endpoint, data, **timeouts)
            except Exception as error:
                outcome = outcome_of(error)
                if outcome is Outcome.FINAL and endpoint in _BEST_EFFORT:
                    # e.g. "query is too old": a tap replayed after a restart is still recorded
                    log.info("%s: %s; carrying on", target, _describe(error))
                    return True
                if outcome is Outcome.FINAL:
                    raise
                if not should_retry(endpoint, error):
                    log.warning("%s: %s (%s); not repeated, it may have arrived",
                                target, outcome.value, _describe(error))
                elif attempt >= RETRY_ATTEMPTS:
                    log.error("%s: gave up after %d attempts: %s", target, attempt,
                              _describe(error))
                else:
                    delay = backoff_delay(attempt)
                    log.warning("%s: attempt %d/%d failed (%s), retrying in %.1f s", target,
                                attempt, RETRY_ATTEMPTS, _describe(error), delay)
                    await asyncio.sleep(delay)
                    attempt += 1
                    continue
                if endpoint in _BEST_EFFORT:
                    return True  # both answer True; the handler's real work goes on
                raise


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"

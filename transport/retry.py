"""Bounded retry with backoff for the bot's own Bot API calls: one place, for every handler.

`RetryingRequest` wraps the HTTPXRequest every call but getUpdates goes through (getUpdates has
its own request, and the Updater its own retry loop); it sits below the Application's rate
limiter, which keeps handling `429 retry_after` itself. What is retried depends on whether the
failed call can have taken effect, because resending a message that did arrive is a duplicate:

    5xx answer from Telegram            no effect: retried
    connection refused, connect or      the request never left: retried
    pool timeout
    read or write timeout, connection   unknown outcome, the message may have arrived: retried
    lost in the middle of the call      only when repeating it is harmless (`harmless_to_repeat`:
                                        reads, settings, chat actions); a send, edit or answer
                                        is not repeated (at most once, as DESIGN.md promises for
                                        a reminder in flight at a kill), and this is logged
    400, 403, 404, 409, 429, ...        not transient: answered at once

At most `RETRY.attempts` tries, `RETRY.backoff` seconds doubling up to `RETRY.max_backoff`
between them (tenacity runs the retries). A call given up is logged (method, chat, attempts,
error) and its error raised: that one handler fails, the bot carries on with every other chat.
Only a button tap's answer and a chat action are given up quietly (`BestEffortBot`, also on a
400 such as "query is too old"): the tap's work must still be done. `schedules.delivery`
retries durably itself, counting attempts in the database: it sends through a bot without
this request (`transport.intake.single_attempt`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ExtBot
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
)

log = logging.getLogger(__name__)

# Calls that may be made twice with the same result as once.
_HARMLESS = frozenset({
    "sendChatAction", "setMyCommands", "deleteMyCommands", "setMyDescription",
    "setMyShortDescription", "setMyName", "setChatMenuButton", "setWebhook", "deleteWebhook",
})


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


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how far apart a failed call is tried again."""

    attempts: int = 4
    backoff: float = 0.5  # seconds before the first retry; doubles after each
    max_backoff: float = 8.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1, 2, ...)."""
        return min(self.max_backoff, self.backoff * 2 ** (retry - 1))


RETRY = RetryPolicy()
RETRY_ATTEMPTS = RETRY.attempts


def backoff_delay(retry: int) -> float:
    """Seconds to wait before retry number `retry` (1, 2, ...) of the bot's own calls."""
    return RETRY.delay(retry)


Answer = tuple[int, bytes]  # what BaseRequest.do_request returns: HTTP status, body


def _server_error(answer: Answer) -> bool:
    return answer[0] >= 500


def _as_telegram_error(error: BaseException) -> BaseException:
    """What PTB makes of an error its HTTP implementation raised (BaseRequest's own rule)."""
    if isinstance(error, TelegramError):
        return error
    wrapped = NetworkError(f"Unknown error in HTTP implementation: {error!r}")
    wrapped.__cause__ = error
    return wrapped


class RequestAround(BaseRequest):
    """A request layered on `inner` (an HTTPXRequest by default): its connection, timeouts and
    life cycle are the inner request's; a subclass adds what it does around each call."""

    def __init__(self, inner: BaseRequest | None = None) -> None:
        self.inner = inner or HTTPXRequest()

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        return await self.inner.do_request(*args, **kwargs)


class RetryingRequest(RequestAround):
    """The Bot API request of every call but getUpdates: an HTTPXRequest, retried by the rules
    above. The first try goes straight through; tenacity takes over only after a failure."""

    def __init__(self, inner: BaseRequest | None = None, policy: RetryPolicy = RETRY) -> None:
        super().__init__(inner)
        self.policy = policy

    def parse_json_payload(self, payload: bytes) -> dict:
        data = super().parse_json_payload(payload)
        result = data.get("result")
        if isinstance(result, dict):
            # A sent reply comes back with the whole message it quotes; nothing reads it, and
            # parsing it into the Message cost as much as parsing the incoming update.
            result.pop("reply_to_message", None)
        return data

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         **timeouts: Any) -> Answer:
        async def attempt() -> Answer:
            return await self.inner.do_request(url, method, request_data, **timeouts)

        endpoint = url.rsplit("/", 1)[-1]
        try:
            answer = await attempt()
        except Exception as error:
            if not self._retryable(endpoint, request_data, error):
                raise
            failure = _describe(_as_telegram_error(error))
        else:
            if not _server_error(answer):
                return answer
            failure = f"HTTP {answer[0]}"
        return await self._retry(attempt, endpoint, request_data, failure)

    def _retryable(self, endpoint: str, request_data: RequestData | None,
                   error: BaseException) -> bool:
        error = _as_telegram_error(error)
        outcome = outcome_of(error)
        if outcome is Outcome.UNKNOWN and not harmless_to_repeat(endpoint):
            log.warning("%s: %s (%s); not repeated, it may have arrived",
                        _target(endpoint, request_data), outcome.value, _describe(error))
        return should_retry(endpoint, error)

    async def _retry(self, attempt, endpoint: str, request_data: RequestData | None,
                     failure: str) -> Answer:
        """Tries 2 to `attempts` of a call whose first try failed with no harm done."""
        policy, target = self.policy, _target(endpoint, request_data)

        def log_retry(failed: int, failure: str) -> None:
            log.warning("%s: attempt %d/%d failed (%s), retrying in %.1f s", target, failed,
                        policy.attempts, failure, policy.delay(failed))

        def give_up(state: RetryCallState) -> Answer:
            log.error("%s: gave up after %d attempts: %s", target, policy.attempts,
                      _failure(state))
            return state.outcome.result()  # an error status is PTB's to raise; an error, raised

        log_retry(1, failure)
        await asyncio.sleep(policy.delay(1))
        retrying = AsyncRetrying(  # its attempt n is the call's attempt n + 1
            stop=stop_after_attempt(policy.attempts - 1),
            wait=lambda state: policy.delay(state.attempt_number + 1),
            retry=(retry_if_result(_server_error)
                   | retry_if_exception(lambda e: self._retryable(endpoint, request_data, e))),
            before_sleep=lambda state: log_retry(state.attempt_number + 1, _failure(state)),
            retry_error_callback=give_up, reraise=True)
        return await retrying(attempt)


def _failure(state: RetryCallState) -> str:
    if state.outcome.failed:
        return _describe(_as_telegram_error(state.outcome.exception()))
    return f"HTTP {state.outcome.result()[0]}"


def _target(endpoint: str, request_data: RequestData | None) -> str:
    chat_id = request_data.parameters.get("chat_id") if request_data else None
    return f"{endpoint} to chat {chat_id}" if chat_id is not None else endpoint


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


# Calls whose failure must not abort the handler that makes them: answering a button tap only
# stops its spinner (Telegram drops an unanswered one by itself), a chat action is a hint.
class BestEffortBot(ExtBot):
    """An ExtBot whose button-tap answers and chat actions never fail the handler."""

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except TelegramError as error:
            _carry_on("answerCallbackQuery", error)
            return True  # what Telegram answers; the handler's real work goes on

    async def send_chat_action(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().send_chat_action(*args, **kwargs)
        except TelegramError as error:
            _carry_on("sendChatAction", error)
            return True


def _carry_on(endpoint: str, error: TelegramError) -> None:
    if outcome_of(error) is Outcome.FINAL:  # e.g. "query is too old" for a replayed tap
        log.info("%s: %s; carrying on", endpoint, _describe(error))
    # otherwise RetryingRequest has said why already

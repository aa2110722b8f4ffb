"""Sending at Telegram's pace: one rate limiter for everything the bot sends.

python-telegram-bot's AIORateLimiter keeps the whole bot under an overall rate and each group
under 20 messages a minute, but leaves private chats alone, while Telegram answers 429 to more
than about one message a second in one chat. A person who gets a reminder, a digest part and
the answers to two quick messages at once would hit that; `PacedRateLimiter` holds such a burst
back instead, so one chat's 429 does not pause every other chat's sending. The overall rate is
kept a little under Telegram's 30 a second: a round fanned out to hundreds of chats then stays
clear of the limit even when requests reach Telegram a little bunched up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

OVERALL_RATE = 28  # messages a second, all chats together (Telegram's limit: 30)
PRIVATE_BURST = 2  # messages a private chat may get at once,
PRIVATE_PERIOD = 2.0  # then one per PRIVATE_PERIOD / PRIVATE_BURST seconds
KEEP_LIMITERS = 512  # above this many chats, idle limiters are dropped (as PTB does for groups)

# The private chat whose turn the running task has already taken (PacedRateLimiter.turn).
_turn_taken: ContextVar[int | None] = ContextVar("turn_taken", default=None)


def is_paced(endpoint: str, chat_id: object) -> bool:
    """A message into a private chat (a chat action is no message)."""
    return (isinstance(chat_id, int) and chat_id > 0 and endpoint.startswith("send")
            and endpoint != "sendChatAction")


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter that also paces what is sent into each private chat."""

    def __init__(self, *args: Any, overall_max_rate: float = OVERALL_RATE,
                 private_burst: int = PRIVATE_BURST, private_period: float = PRIVATE_PERIOD,
                 **kwargs: Any) -> None:
        super().__init__(*args, overall_max_rate=overall_max_rate, **kwargs)
        self._private_burst, self._private_period = private_burst, private_period
        self._private_limiters: dict[int, AsyncLimiter] = {}

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private_limiters) > KEEP_LIMITERS:
            for key, limiter in list(self._private_limiters.items()):
                if key != chat_id and limiter.has_capacity(self._private_burst):  # idle
                    del self._private_limiters[key]
        limiter = self._private_limiters.get(chat_id)
        if limiter is None:
            limiter = self._private_limiters[chat_id] = AsyncLimiter(self._private_burst,
                                                                     self._private_period)
        return limiter

    def would_wait(self, chat_id: int) -> bool:
        """A message into this private chat would be held back now (its burst is spent)."""
        limiter = self._private_limiters.get(chat_id)
        return limiter is not None and not limiter.has_capacity()

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for this chat's next turn without sending yet (what joins the message meanwhile
        goes with it); the message sent inside is not held back again."""
        if not is_paced("sendMessage", chat_id):
            yield
            return
        await self._private_limiter(chat_id).acquire()  # woken by one timer, no polling
        token = _turn_taken.set(chat_id)
        try:
            yield
        finally:
            _turn_taken.reset(token)

    async def process_request(self, callback, args, kwargs, endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None):
        chat_id = data.get("chat_id")
        if chat_id is not None and _turn_taken.get() == chat_id:  # taken in `turn`: once
            _turn_taken.set(None)
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                 rate_limit_args)
        if not is_paced(endpoint, chat_id):
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                 rate_limit_args)
        async with self._private_limiter(chat_id):
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                 rate_limit_args)

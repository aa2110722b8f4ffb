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

import asyncio
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
        self._last_sent: dict[int, float] = {}  # chat -> when its last message went (loop time)

    @property
    def spacing(self) -> float:
        """Seconds between two messages into a private chat, once its burst is spent."""
        return self._private_period / self._private_burst

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private_limiters) > KEEP_LIMITERS:
            for key, limiter in list(self._private_limiters.items()):
                if key != chat_id and limiter.has_capacity(self._private_burst):  # idle
                    del self._private_limiters[key]
                    self._last_sent.pop(key, None)
        limiter = self._private_limiters.get(chat_id)
        if limiter is None:
            limiter = self._private_limiters[chat_id] = AsyncLimiter(self._private_burst,
                                                                     self._private_period)
        return limiter

    def _since_last(self, chat_id: int) -> float:
        last = self._last_sent.get(chat_id)
        return float("inf") if last is None else asyncio.get_running_loop().time() - last

    def recently_sent(self, chat_id: int) -> bool:
        """A message went into this private chat less than `spacing` seconds ago."""
        return self._since_last(chat_id) < self.spacing

    async def _acquire(self, chat_id: int) -> None:
        await self._private_limiter(chat_id).acquire()
        self._last_sent[chat_id] = asyncio.get_running_loop().time()

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until the chat's last message is `spacing` seconds old and take its turn,
        without sending yet (what joins a message meanwhile goes with it): one message a second
        while the chat is busy, the burst kept for others. The message sent inside is not held
        back again."""
        if not is_paced("sendMessage", chat_id):
            yield
            return
        if (wait := self.spacing - self._since_last(chat_id)) > 0:
            await asyncio.sleep(wait)  # one timer, no polling
        await self._acquire(chat_id)
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
        await self._acquire(chat_id)
        return await super().process_request(callback, args, kwargs, endpoint, data,
                                             rate_limit_args)

"""Sending at Telegram's pace: AIORateLimiter plus a limit per private chat.

python-telegram-bot's AIORateLimiter keeps the whole bot under 30 messages a second and each
group under 20 a minute, but leaves private chats alone, while Telegram answers 429 to more
than about one message a second in one chat. A person who gets a reminder, a digest part and
the answers to two quick messages at once would hit that; `PacedRateLimiter` holds such a burst
back instead, so one chat's 429 does not pause every other chat's sending.
"""

from __future__ import annotations

from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

PRIVATE_BURST = 2  # messages a private chat may get at once,
PRIVATE_PERIOD = 2.0  # then one per PRIVATE_PERIOD / PRIVATE_BURST seconds
KEEP_LIMITERS = 512  # above this many chats, idle limiters are dropped (as PTB does for groups)


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter that also paces what is sent into each private chat."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._private_limiters: dict[int, AsyncLimiter] = {}

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private_limiters) > KEEP_LIMITERS:
            for key, limiter in list(self._private_limiters.items()):
                if key != chat_id and limiter.has_capacity(PRIVATE_BURST):  # idle: full again
                    del self._private_limiters[key]
        return self._private_limiters.setdefault(chat_id, AsyncLimiter(PRIVATE_BURST,
                                                                         PRIVATE_PERIOD))

    async def process_request(self, callback, args, kwargs, endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None):
        chat_id = data.get("chat_id")
        paced = (isinstance(chat_id, int) and chat_id > 0 and endpoint.startswith("send")
                 and endpoint != "sendChatAction")  # a chat action is no message
        if not paced:
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                 rate_limit_args)
        async with self._private_limiter(chat_id):
            return await super().process_request(callback, args, kwargs, endpoint, data,
                                                 rate_limit_args)

"""Sending at Telegram's pace: a burst into one private chat is held back, not refused."""

import asyncio

import pytest
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from tests.conftest import TOKEN
from transport.pacing import PacedRateLimiter


async def burst(api, limiter) -> None:
    """Five messages to one person and one to another, all at once."""
    bot = ExtBot(TOKEN, base_url=api.api_url, rate_limiter=limiter)
    async with bot:
        await asyncio.gather(*(bot.send_message(7, f"m{i}") for i in range(5)),
                             bot.send_message(8, "other"))


async def test_a_burst_into_one_private_chat_is_paced_not_refused(api):
    api.flood_limits = True  # Telegram's: about one message a second in a private chat
    await burst(api, PacedRateLimiter(max_retries=0))  # a 429 would raise RetryAfter
    assert api.flood_429_count == 0
    assert sorted(api.texts_to(7)) == [f"m{i}" for i in range(5)]
    first, *_, last = api.messages_to(7)
    assert last["at"] - first["at"] >= 2.0  # one a second after the first two
    [other] = api.messages_to(8)
    assert other["at"] < last["at"]  # another chat is not held back behind that burst


async def test_without_pacing_telegram_would_refuse_the_burst(api):
    """What the pacing is for: python-telegram-bot's own limiter leaves private chats alone."""
    api.flood_limits = True
    with pytest.raises(RetryAfter):
        await burst(api, AIORateLimiter(max_retries=0))
    assert api.flood_429_count >= 1

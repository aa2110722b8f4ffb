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


async def test_a_turn_waits_for_the_chat_s_pacing_and_its_message_is_not_held_twice(api):
    """What a combined answer does: wait for the chat's turn (more may join meanwhile), then
    send once; the turn covers that one message only, and Telegram's limits still hold."""
    api.flood_limits = True
    limiter = PacedRateLimiter(max_retries=0)
    bot = ExtBot(TOKEN, base_url=api.api_url, rate_limiter=limiter)
    async with bot:
        await asyncio.gather(bot.send_message(7, "a"), bot.send_message(7, "b"))
        assert limiter.would_wait(7) and not limiter.would_wait(8)
        async with limiter.turn(7):
            turn_at = asyncio.get_running_loop().time()
            await bot.send_message(7, "combined")
            sent_at = asyncio.get_running_loop().time()
            await bot.send_message(7, "next")  # a second message pays its own turn
            next_at = asyncio.get_running_loop().time()
    first, *_ = api.messages_to(7)
    assert api.texts_to(7) == ["a", "b", "combined", "next"]
    assert api.messages_to(7)[2]["at"] - first["at"] >= 0.9  # a turn is a paced message
    assert sent_at - turn_at < 0.5 <= next_at - sent_at
    assert api.flood_429_count == 0

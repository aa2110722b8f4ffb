"""A full disk: getUpdates backs off instead of spinning, says so once a minute, loses nothing."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import transport.intake
from tests.conftest import ADMIN

FAILING_FOR = 6.0  # seconds the inbox cannot be written


async def test_a_full_disk_backs_off_and_loses_nothing(running_bot, monkeypatch, caplog):
    bot, api = running_bot, running_bot.api
    await bot.send(ADMIN, "/whoami")
    store = transport.intake.store_received

    def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(transport.intake, "store_received", disk_full)
    caplog.set_level(logging.INFO)
    before = len(api.messages_to(ADMIN))
    polls_before = api.request_count("getUpdates")
    for _ in range(3):
        api.queue_message(ADMIN, "/whoami")
    await asyncio.sleep(FAILING_FOR)
    polls = api.request_count("getUpdates") - polls_before
    monkeypatch.setattr(transport.intake, "store_received", store)  # space again

    answers = await bot.wait_replies(ADMIN, before, replies=3, timeout=40)
    await bot.idle()
    assert len(api.messages_to(ADMIN)) == before + 3  # each answered once, none lost
    assert all(answer["text"] for answer in answers)
    # Waits of 1, 2, 4 s: a handful of calls in 6 s, not thousands.
    assert polls <= 5, f"{polls} getUpdates calls in {FAILING_FOR:g} s"
    failing = [r for r in caplog.records if "database or disk is full" in r.getMessage()
               or (r.exc_info and "disk is full" in str(r.exc_info[1]))]
    assert len(failing) == 1, [r.getMessage() for r in failing]
    assert failing[0].levelno == logging.ERROR and "inbox" in failing[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    assert any("inbox writable again" in r.getMessage() for r in caplog.records)

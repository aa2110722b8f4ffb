"""Webhook mode: every update is in the inbox before the Bot API gets its HTTP 200.

python-telegram-bot's webhook server (tornado, `Updater.start_webhook`) checks the
`X-Telegram-Bot-Api-Secret-Token` header (a wrong or missing one is answered 403 before
anything is read), decodes the update, awaits `update_queue.put(update)` and only then lets
tornado answer 200. So the one seam between "received" and "acknowledged" is that `put`:
`InboxQueue.put` writes the update to the inbox first. If the write fails, `put` raises, the
request is answered 500 and Telegram delivers the update again later.

Why the queue rather than a subclass of PTB's `TelegramHandler`: the handler is created inside
`Updater._start_webhook` and cannot be swapped without copying private code, while the queue is
a documented `ApplicationBuilder.update_queue` option. The queue is used only in webhook mode:
when polling, `DurableBot.get_updates` already stores each batch in one transaction, and a
second write per update would only cost time.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from storage.inbox import store_received


class InboxQueue(asyncio.Queue):
    """An update queue that stores each Update in the inbox before queuing it.

    A duplicate delivery (the same update again) is stored once (the inbox ignores a known
    update: storage/update_keys.py) and skipped when it comes to processing
    (`DurableApplication.process_update`).
    """

    def __init__(self, db: Any) -> None:
        super().__init__()
        self._db = db

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            store_received(self._db, [(item.update_id, item.to_dict())])
        await super().put(item)


def webhook_secret(configured: str | None) -> str:
    """The secret Telegram must send with every update: BOT_WEBHOOK_SECRET, else a new one.

    A generated secret lives as long as the process: `run_webhook` hands it to Telegram with
    setWebhook at every start, so nothing needs to remember it (and it is never written down).
    256 bits, in the characters Telegram allows (A-Z, a-z, 0-9, _ and -).
    """
    return configured or secrets.token_urlsafe(32)


def webhook_path(webhook_url: str) -> str:
    """The path of the public URL, which the local server answers on too.

    A reverse proxy that passes `https://bot.example.org/telegram` on to
    `http://127.0.0.1:8443/telegram` then needs no rewriting; PTB would otherwise listen on `/`.
    """
    return urlsplit(webhook_url).path.strip("/")

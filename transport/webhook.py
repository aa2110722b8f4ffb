"""Webhook mode: every update is in the inbox before the Bot API gets its HTTP 200.

Without the dashboard, python-telegram-bot's webhook server (tornado,
`Updater.start_webhook`) receives the updates; with it (BOT_WEB_PORT), the dashboard's aiohttp
server does, through `webhook_receiver` (python-telegram-bot's "custom webhook" pattern: one
server, not two). Either checks the `X-Telegram-Bot-Api-Secret-Token` header (a wrong or
missing one is answered 403 before anything is read), decodes the update, awaits
`update_queue.put(update)` and only then answers 200. So the one seam between "received" and
"acknowledged" is that `put`: `InboxQueue.put` writes the update to the inbox first. If the
write fails, `put` raises, the request is answered 500 and Telegram delivers the update again
later.

Why the queue rather than a subclass of PTB's `TelegramHandler`: the handler is created inside
`Updater._start_webhook` and cannot be swapped without copying private code, while the queue is
a documented `ApplicationBuilder.update_queue` option. The queue is used only in webhook mode:
when polling, `DurableBot.get_updates` already stores each batch in one transaction, and a
second write per update would only cost time.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update
from telegram.ext import ExtBot

from storage.inbox import store_received

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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


def webhook_receiver(bot: Bot, update_queue: asyncio.Queue, secret: str
                     ) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler of the webhook's POSTs, as python-telegram-bot's own server answers
    them: 403 without the JSON type or the secret, 400 for what is no update, 200 once the
    update is queued (and so stored: InboxQueue); 500 when storing it failed."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if request.content_type != "application/json" or not hmac.compare_digest(given,
                                                                                  expected):
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.read()), bot)
        except Exception:  # what it was is not logged: it may carry people's messages
            log.warning("a webhook request held no update; answered 400")
            return web.Response(status=400)
        if update is not None:
            if isinstance(bot, ExtBot):
                bot.insert_callback_data(update)
            await update_queue.put(update)
        return web.Response(status=200)

    return receive

"""No update is lost: received updates are stored before they are acknowledged to the Bot API.

`DurableBot` writes every update getUpdates fetches to the inbox before returning it; the
Updater acknowledges an update only with its *next* getUpdates call, so an update is always
in the database first. `DurableApplication.process_update` skips updates already processed and
marks each processed one, and `requeue_pending` feeds what a killed process left unprocessed
back into the queue on start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from handlers.retry import RetryingBot
from storage.inbox import inbox_state, mark_processed, pending_updates, store_received

log = logging.getLogger(__name__)


class DurableBot(RetryingBot):  # its Bot API calls are retried: handlers/retry.py
    """An ExtBot whose fetched updates are stored in the inbox before anything else.

    A message it sends comes back without the copy of the message it replies to: Telegram
    returns that whole message again, nothing here reads it, and parsing it cost as much
    as parsing the incoming update (a fifth of the bot's work per status update).
    """

    def __init__(self, *args, db: Any = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._inbox_db = db  # a leading underscore: PTB freezes public attributes

    async def _do_post(self, endpoint: str, data: dict, *args, **kwargs) -> Any:
        result = await super()._do_post(endpoint, data, *args, **kwargs)
        if endpoint == "getUpdates" and result and self._inbox_db is not None:
            # The JSON exactly as the Bot API sent it, stored before get_updates returns;
            # cheaper and more faithful than Update.to_dict() after parsing.
            store_received(self._inbox_db, [(raw["update_id"], raw) for raw in result])
        elif isinstance(result, dict):
            result.pop("reply_to_message", None)
        return result


class DurableApplication(Application):
    """An Application that processes each stored update once and records that it did."""

    async def process_update(self, update: object) -> None:
        db = self.bot_data.get("db")
        if not isinstance(update, Update) or db is None:
            await super().process_update(update)
            return
        state = inbox_state(db, update.update_id)
        if state in ("done", "failed"):
            log.debug("update %s already processed; skipped", update.update_id)
            return
        if state is None:  # webhook or console: store it first
            store_received(db, [(update.update_id, update.to_dict())])
        await super().process_update(update)
        mark_processed(db, update.update_id)


async def requeue_pending(application: Application) -> int:
    """Put updates that were received but never processed back into the queue."""
    db = application.bot_data["db"]
    pending = pending_updates(db)
    for payload in pending:
        await application.update_queue.put(Update.de_json(payload, application.bot))
    if pending:
        log.info("re-processing %d update(s) received before the last stop", len(pending))
    return len(pending)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat are handled in order; different chats are handled concurrently.

    Order matters within a conversation (an edit after its message, a tap after its question);
    across chats it does not, and overlapping their Bot API round trips multiplies throughput.
    """

    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        # chat -> (its lock, how many of its updates hold or wait for it). A lock is dropped
        # only when that count is 0: right after release() the lock looks free while the next
        # waiter has not taken it yet, and a new lock then would let a third update overtake.
        self._chats: dict[object, tuple[asyncio.Lock, int]] = {}

    @staticmethod
    def _chat_key(update: object) -> object:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._chat_key(update)
        lock, users = self._chats.get(key) or (asyncio.Lock(), 0)
        self._chats[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._chats[key]
            if users == 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

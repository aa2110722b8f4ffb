"""No update is lost: received updates are stored before they are acknowledged to the Bot API.

`DurableBot.get_updates` writes every update it fetches to the inbox before returning it; the
Updater acknowledges an update only with its *next* getUpdates call, so an update is always
in the database first. `DurableApplication.process_update` skips updates already processed and
marks each processed one, and `requeue_pending` feeds what a killed process left unprocessed
back into the queue on start.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, ExtBot

from storage.inbox import inbox_state, mark_processed, pending_updates, store_received

log = logging.getLogger(__name__)


class DurableBot(ExtBot):
    """An ExtBot whose fetched updates are stored in the inbox before anything else."""

    def __init__(self, *args, db: Any = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._inbox_db = db  # a leading underscore: PTB freezes public attributes

    async def get_updates(self, *args, **kwargs) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates and self._inbox_db is not None:
            store_received(self._inbox_db, [(u.update_id, u.to_dict()) for u in updates])
        return updates


class DurableApplication(Application):
    """An Application that processes each stored update once and records that it did."""

    async def process_update(self, update: object) -> None:
        db = self.bot_data.get("db")
        if not isinstance(update, Update) or db is None:
            await super().process_update(update)
            return
        if inbox_state(db, update.update_id) in ("done", "failed"):
            log.debug("update %s already processed; skipped", update.update_id)
            return
        if inbox_state(db, update.update_id) is None:  # webhook or console: store it first
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

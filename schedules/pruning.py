"""The inbox's raw updates are kept BOT_INBOX_DAYS days once handled: a daily job forgets
older ones (storage.inbox.prune_inbox never touches an update not yet handled)."""

from __future__ import annotations

import logging
from datetime import timedelta

from storage.inbox import prune_inbox

log = logging.getLogger(__name__)

PRUNE_JOB = "inbox pruning"
PRUNE_EVERY = timedelta(days=1)
FIRST_PRUNE = timedelta(minutes=10)  # after start-up's own work


async def prune_job(context) -> None:
    db, config = context.bot_data["db"], context.bot_data["config"]
    removed = prune_inbox(db, config.inbox_days)  # once a day: a short write on the loop
    if removed:
        log.info("inbox: %d handled update(s) older than %d days forgotten", removed,
                 config.inbox_days)


def install_inbox_pruning(application) -> None:
    application.job_queue.run_repeating(prune_job, interval=PRUNE_EVERY, first=FIRST_PRUNE,
                                        name=PRUNE_JOB,
                                        job_kwargs={"misfire_grace_time": None, "coalesce": True})

"""The write-ahead log is folded back into the database file off the event loop.

SQLite does that by itself on the commit that takes the log past 1,000 pages (a checkpoint:
the pages copied into the database file, and the file synced), inside whichever handler
committed: every chat waited for that fsync (a loop of the bot's two commits per status
update took 108 µs an update with SQLite's own checkpoints, 45 µs without). While the bot runs, its connection leaves the log
alone and a job every `CHECKPOINT_SECONDS` checkpoints it in a worker thread, on a connection
of its own. PASSIVE: it never waits for a reader or a writer, nor makes one wait; what it
cannot copy yet it copies next time.

The job runs on an executor of its own, "routine", whose logger is kept at WARNING:
APScheduler logs two INFO lines for every run of a job, which for this one would be two
lines every 2 s. The job itself logs what it did at DEBUG, and a failure as a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

from storage.db import checkpoint_wal, database_file, leave_checkpoints_to_others

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 2.0
CHECKPOINT_JOB = "wal-checkpoint"
ROUTINE_EXECUTOR = "routine"


def routine_executor(job_queue) -> str:
    """The alias of the job queue's executor for frequent routine jobs, whose runs APScheduler
    does not log at INFO (its logger is apscheduler.executors.<alias>)."""
    from apscheduler.executors.asyncio import AsyncIOExecutor

    logging.getLogger(f"apscheduler.executors.{ROUTINE_EXECUTOR}").setLevel(logging.WARNING)
    with contextlib.suppress(ValueError):  # it was added already
        job_queue.scheduler.add_executor(AsyncIOExecutor(), alias=ROUTINE_EXECUTOR)
    return ROUTINE_EXECUTOR


def install_checkpoints(application) -> str | None:
    """Turn off the bot connection's own checkpoints and checkpoint every `CHECKPOINT_SECONDS`
    in a worker thread instead (bot.py's post_init); the database file, or None in memory.

    When the bot's connection closes at exit, SQLite checkpoints what is left itself.
    """
    db = application.bot_data["db"]
    path = database_file(db)
    if path is None:
        return None

    async def checkpoint_job(context) -> None:
        """Fold the log into the database file, off the event loop."""
        try:
            busy, logged, copied = await asyncio.to_thread(checkpoint_wal, path)
            log.debug("WAL checkpoint: %d of %d frame(s) copied%s", copied, logged,
                      " (busy)" if busy else "")
        except sqlite3.Error as error:  # e.g. the disk is full: SQLite keeps the log, try again
            log.warning("WAL checkpoint failed: %s", error)

    leave_checkpoints_to_others(db)
    application.job_queue.run_repeating(checkpoint_job, interval=CHECKPOINT_SECONDS,
                                        first=CHECKPOINT_SECONDS, name=CHECKPOINT_JOB,
                                        job_kwargs={"max_instances": 1, "coalesce": True,
                                                    "executor": routine_executor(
                                                        application.job_queue)})
    return path

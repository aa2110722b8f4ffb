"""The write-ahead log is checkpointed by a job in a worker thread, never inside a handler."""

import asyncio
import os

from schedules.checkpoint import CHECKPOINT_JOB
from storage.db import checkpoint_wal as checkpoint
from storage.db import database_file
from storage.people import find_unit, grant_role
from tests.conftest import confirmations, seed_ledger


def wal_frames(path: str) -> tuple[int, int]:
    """(frames in the log, frames of it already in the database file), asked from outside."""
    _busy, log, done = checkpoint(path)
    return log, done


async def test_the_bot_leaves_the_log_to_its_job_which_folds_it_in(running_bot):
    db = running_bot.db
    path = database_file(db)
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    [job] = running_bot.application.job_queue.get_jobs_by_name(CHECKPOINT_JOB)
    # Status updates go through as ever ...
    seed_ledger(db, "ledger_zh.csv")
    grant_role(db, 301, "member", find_unit(db, "区投资促进服务中心")["id"])
    for n in range(3):
        running_bot.api.queue_message(301, f"QB-003 进度{n}%，现场推进正常")
    # (answered together, as a burst is)
    assert await running_bot.api.wait_until_async(
        lambda: len([key for key in confirmations(running_bot.api) if key[0] == 301]) == 3 or None)
    # ... and 3,000 pages committed on the bot's connection are all still in the log: SQLite
    # alone would have checkpointed at 1,000 and kept reusing a log of that size.
    page = db.execute("PRAGMA page_size").fetchone()[0]
    db.execute("create table filler (x blob)")
    for _ in range(30):
        with db.atomic():
            db.conn.executemany("insert into filler values (zeroblob(?))", [[page]] * 100)
    assert os.path.getsize(path + "-wal") > 2_500 * page
    await job.run(running_bot.application)  # the job, as the JobQueue runs it
    log, done = wal_frames(path)
    assert log > 3_000 and log == done  # everything copied into the database file
    assert db.execute("select count(*) from updates").fetchone()[0] == 3


def test_checkpoint_of_a_database_in_memory_is_not_installed(tmp_path):
    from storage import open_db

    assert database_file(open_db(":memory:")) is None
    assert database_file(open_db(tmp_path / "x.db")) == str(tmp_path / "x.db")


async def test_a_failing_checkpoint_is_logged_and_the_bot_carries_on(running_bot, monkeypatch,
                                                                    caplog):
    import sqlite3

    import schedules.checkpoint as module

    def broken(path):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(module, "checkpoint_wal", broken)
    [job] = running_bot.application.job_queue.get_jobs_by_name(CHECKPOINT_JOB)
    await job.run(running_bot.application)
    await asyncio.sleep(0)
    assert "WAL checkpoint failed: disk I/O error" in caplog.text
    [reply] = await running_bot.send(1, "/whoami")
    assert reply["text"]


async def test_the_checkpoint_job_runs_without_info_lines(running_bot, caplog):
    import logging
    from datetime import UTC, datetime

    caplog.set_level(logging.DEBUG)
    [job] = running_bot.application.job_queue.get_jobs_by_name(CHECKPOINT_JOB)

    def runs() -> int:
        return sum(r.name == "schedules.checkpoint" and "WAL checkpoint" in r.getMessage()
                   for r in caplog.records)

    for n in range(1, 4):  # three runs, each fired by the scheduler
        job.job.modify(next_run_time=datetime.now(UTC))
        for _ in range(200):
            if runs() >= n:
                break
            await asyncio.sleep(0.02)
    assert runs() >= 3
    loud = [r for r in caplog.records if r.levelno >= logging.INFO
            and (r.name in ("apscheduler.executors.routine", "schedules.checkpoint")
                 or CHECKPOINT_JOB in r.getMessage())]
    assert loud == [], [r.getMessage() for r in loud]

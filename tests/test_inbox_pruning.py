"""The daily job forgets handled updates older than BOT_INBOX_DAYS, never a pending one."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from schedules.pruning import PRUNE_JOB
from storage.inbox import inbox_state, mark_processed, store_received


def received(db, update_id: int, days_ago: float) -> None:
    stamp = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="seconds")
    db.execute("update inbox set received_at = ? where update_id = ?", [stamp, update_id])


async def test_the_daily_job_prunes_handled_updates_and_keeps_pending_ones(running_bot):
    db = running_bot.db
    assert running_bot.application.bot_data["config"].inbox_days == 30
    old_done, old_failed, old_pending, recent_done = 9001, 9002, 9003, 9004
    store_received(db, [(uid, {"update_id": uid}) for uid in
                        (old_done, old_failed, old_pending, recent_done)])
    mark_processed(db, old_done)
    mark_processed(db, old_failed, error="boom")
    mark_processed(db, recent_done)
    for uid in (old_done, old_failed, old_pending):
        received(db, uid, 31)
    received(db, recent_done, 29)

    [job] = running_bot.application.job_queue.get_jobs_by_name(PRUNE_JOB)
    assert job.next_t - datetime.now(UTC) > timedelta(minutes=5)  # not at once at start-up
    job.job.modify(next_run_time=datetime.now(UTC))  # its run, fired by the scheduler
    deadline = time.monotonic() + 10
    while inbox_state(db, old_done) is not None:
        assert time.monotonic() < deadline, "the prune job did not run"
        await asyncio.sleep(0.05)
    assert inbox_state(db, old_failed) is None
    assert inbox_state(db, old_pending) == "pending"  # never handled: kept, however old
    assert inbox_state(db, recent_done) == "done"
    assert timedelta(hours=23) < job.next_t - datetime.now(UTC) <= timedelta(days=1)


def test_inbox_days_from_the_environment():
    import pytest

    from config import ConfigError, load_config

    assert load_config({"BOT_INBOX_DAYS": "7"}).inbox_days == 7
    with pytest.raises(ConfigError, match="BOT_INBOX_DAYS"):
        load_config({"BOT_INBOX_DAYS": "0"})

"""Reminders and digests end to end: the real JobQueue, the local Bot API server, real kills.

Schedules are set a few seconds ahead of now; the bot runs in-process (build_application,
polling, install_jobs as post_init does) or as `python bot.py run` subprocesses.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config import DAY_NAMES
from schedules import install_jobs
from storage import open_db, rounds
from storage.people import bind_group, get_or_create_unit
from storage.updates import updates_of_message
from tests.conftest import ADMIN, LEADER, TOKEN, make_config
from tests.test_reminders import A1, B1, B2, GROUP_A, ROOT, add_project, make_world

NY = ZoneInfo("America/New_York")


def schedule_at(moment: datetime) -> str:
    """A weekly schedule whose next occurrence is `moment` (in its own timezone)."""
    return f"{DAY_NAMES[moment.weekday()]} {moment:%H:%M:%S}"


def ahead(seconds: float, tz=NY) -> datetime:
    return (datetime.now(tz) + timedelta(seconds=seconds)).replace(microsecond=0)


@contextlib.asynccontextmanager
async def bot_running(tmp_path, api, **env):
    """The real Application polling the local server, with the scheduler installed."""
    from bot import build_application

    config = make_config(tmp_path, api, **env)
    db = open_db(config.db_path)
    application = build_application(config, db)
    async with application:
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        install_jobs(application)
        try:
            yield application, db
        finally:
            await application.updater.stop()
            await application.stop()
    db.close()


def sends(api, chat_id=None) -> list[dict]:
    return [r for r in api.sent if r["kind"] == "send"
            and (chat_id is None or r["chat_id"] == chat_id)]


def round_rows(db, kind=None) -> list[dict]:
    rows = list(db.query("select * from rounds order by id"))
    return [r for r in rows if kind is None or r["kind"] == kind]


async def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def sync_wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


# --- on time, once ----------------------------------------------------------------------------

async def test_round_sent_on_time_once_and_group_reply_is_an_update(tmp_path, api):
    db = open_db(tmp_path / "bot.db")
    make_world(db)
    api.flood_limits = True
    reminder_at, digest_at = ahead(3), ahead(5)
    async with bot_running(tmp_path, api, BOT_TIMEZONE="America/New_York",
                           BOT_REMINDER_SCHEDULE=schedule_at(reminder_at),
                           BOT_DIGEST_SCHEDULE=schedule_at(digest_at)) as (app, db):
        await api.wait_for_count_async(3, lambda r: r["chat_id"] in (GROUP_A, B1, B2),
                                       timeout=15)
        first = min(r["at"] for r in sends(api))
        # on time: not before the moment, and within a couple of seconds after it
        lateness = time.time() - (time.monotonic() - first) - reminder_at.timestamp()
        assert -0.5 < lateness < 3, lateness
        # The digest: summary, chart, escalations and the meeting pack's two files, each.
        await api.wait_for_count_async(10, lambda r: r["chat_id"] in (ADMIN, LEADER),
                                       timeout=20)
        await asyncio.sleep(3)  # the jobs' next moments are a week away: nothing is sent twice
        counts = Counter(r["chat_id"] for r in sends(api))
        assert counts == {GROUP_A: 1, B1: 1, B2: 1, ADMIN: 5, LEADER: 5}
        assert api.flood_429_count == 0  # five messages to one leader are paced, not refused
        assert [r["status"] for r in round_rows(db)] == ["done", "done"]
        assert round_rows(db, "reminder")[0]["period"] == reminder_at.isoformat()
        [photo] = [r for r in sends(api, LEADER) if r["method"] == "sendPhoto"]
        assert photo["file_bytes"].startswith(b"\x89PNG")

        # Replying to the reminder in the group is a status update.
        reminder = sends(api, GROUP_A)[0]
        before = len(sends(api, GROUP_A))
        update = api.queue_message(A1, "A-1 进度35%，主体施工中", chat_id=GROUP_A,
                                   chat_type="group", reply_to_message_id=reminder["message_id"])
        await api.wait_for_count_async(before + 1, lambda r: r["chat_id"] == GROUP_A, timeout=10)
        stored = updates_of_message(db, GROUP_A, update["message"]["message_id"])
        assert [u["progress"] for u in stored] == [35]


def next_run(application, kind: str) -> datetime:
    [job] = application.job_queue.get_jobs_by_name(f"{kind} round")
    return job.next_t


async def test_settings_change_applies_without_restart(running_bot):
    make_world(running_bot.db)
    await asyncio.sleep(1.2)  # under the default schedule (mon 09:00) nothing is due
    assert sends(running_bot.api, GROUP_A) == []
    before = next_run(running_bot.application, "reminder")
    at = ahead(3, ZoneInfo("Asia/Shanghai"))
    [answer] = await running_bot.send(ADMIN, f"/settings reminder_schedule {schedule_at(at)}")
    assert "已保存" in answer["text"]
    assert next_run(running_bot.application, "reminder") == at != before  # rescheduled
    await running_bot.api.wait_for_count_async(1, lambda r: r["chat_id"] == GROUP_A, timeout=15)
    assert round_rows(running_bot.db, "reminder")[0]["period"] == at.isoformat()


async def test_timezone_change_reschedules_both_jobs(running_bot):
    app = running_bot.application
    assert next_run(app, "digest").utcoffset() == timedelta(hours=8)  # Asia/Shanghai
    [answer] = await running_bot.send(ADMIN, "/settings timezone America/New_York")
    assert "已保存" in answer["text"]
    # Each job wakes daily at its schedule's time (a round put off by a holiday is sent on a
    # day that is not the schedule's); on other days nothing is due.
    for kind, clock in (("reminder", (9, 0, 0)), ("digest", (10, 0, 0))):
        moment = next_run(app, kind).astimezone(NY)
        assert (moment.hour, moment.minute, moment.second) == clock
        assert moment - datetime.now(NY) <= timedelta(days=1)


# --- catch-up and missed rounds ----------------------------------------------------------------

async def test_round_missed_while_down_is_caught_up_on_start(tmp_path, api):
    db = open_db(tmp_path / "bot.db")
    make_world(db)
    at = ahead(3)
    env = {"BOT_TIMEZONE": "America/New_York", "BOT_REMINDER_SCHEDULE": schedule_at(at),
           "BOT_DIGEST_SCHEDULE": schedule_at(at - timedelta(hours=1))}
    async with bot_running(tmp_path, api, **env):
        await asyncio.sleep(1)  # running before the moment ...
    while datetime.now(NY) < at + timedelta(seconds=1.5):  # ... down at the moment
        await asyncio.sleep(0.1)
    assert sends(api) == [] and round_rows(db) == []
    async with bot_running(tmp_path, api, **env) as (app, db2):
        await api.wait_for_count_async(3, timeout=15)
        await asyncio.sleep(2)
    assert sorted(r["chat_id"] for r in sends(api)) == sorted([GROUP_A, B1, B2])
    assert [(r["kind"], r["status"]) for r in round_rows(db)] == [("reminder", "done")]
    async with bot_running(tmp_path, api, **env):  # started again: no second round
        await asyncio.sleep(2)
    assert len(sends(api)) == 3 and len(round_rows(db)) == 1


async def test_round_on_a_holiday_waits_for_the_next_working_day(tmp_path, api):
    from storage.settings import set_setting

    db = open_db(tmp_path / "bot.db")
    make_world(db)
    at = ahead(2)
    set_setting(db, "holidays", at.date().isoformat(), ADMIN)
    env = {"BOT_TIMEZONE": "America/New_York", "BOT_REMINDER_SCHEDULE": schedule_at(at),
           "BOT_DIGEST_SCHEDULE": schedule_at(at - timedelta(hours=1))}
    async with bot_running(tmp_path, api, **env):
        while datetime.now(NY) < at + timedelta(seconds=1.5):  # the moment came and went
            await asyncio.sleep(0.1)
    assert sends(api) == [] and round_rows(db) == []  # its round is for the next working day


async def test_round_older_than_catchup_is_recorded_missed_not_sent(tmp_path, api):
    db = open_db(tmp_path / "bot.db")
    make_world(db)
    then = (datetime.now(NY) - timedelta(hours=3)).replace(microsecond=0)
    env = {"BOT_TIMEZONE": "America/New_York", "BOT_REMINDER_SCHEDULE": schedule_at(then),
           "BOT_DIGEST_SCHEDULE": schedule_at(then), "BOT_CATCHUP_HOURS": "1"}
    config = make_config(tmp_path, api, **env)
    for kind in rounds.KINDS:  # the bot had been running with this schedule for days
        rounds.schedule_since(db, kind, f"{config.reminder_schedule} America/New_York",
                              datetime.now(NY) - timedelta(days=3))
    async with bot_running(tmp_path, api, **env):
        await wait_until(lambda: len(round_rows(db)) == 2, 10, "two rounds recorded")
        await asyncio.sleep(1.5)
    assert sends(api) == []
    assert {(r["kind"], r["status"], r["period"]) for r in round_rows(db)} == {
        ("reminder", "missed", then.isoformat()), ("digest", "missed", then.isoformat())}


# --- Telegram's errors -------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_5xx_and_blocked_are_survived(tmp_path, api):
    db = open_db(tmp_path / "bot.db")
    make_world(db)
    api.fail_next("sendMessage", 429, count=2, retry_after=1)
    api.fail_next("sendMessage", 502, count=2)
    api.fail_next("sendPhoto", 500, count=1)
    api.block_chat(B2)
    at = ahead(2)
    async with bot_running(tmp_path, api, BOT_TIMEZONE="America/New_York",
                           BOT_REMINDER_SCHEDULE=schedule_at(at),
                           BOT_DIGEST_SCHEDULE=schedule_at(at + timedelta(seconds=1))):
        await wait_until(lambda: [r["status"] for r in round_rows(db)] == ["done", "done"], 40,
                         "both rounds done")
    counts = Counter(r["chat_id"] for r in sends(api))
    assert counts == {GROUP_A: 1, B1: 1, ADMIN: 5, LEADER: 5}
    states = {(d["chat_id"], d["state"]) for r in round_rows(db)
              for d in rounds.list_deliveries(db, r["id"])}
    assert (B2, "blocked") in states
    assert {s for _, s in states} == {"sent", "blocked"}
    assert not api._fail_next  # every injected fault was met


# --- SIGKILL in the middle of a round -----------------------------------------------------------

def seed_many(db, n: int) -> list[int]:
    """n units, each with a bound group and one lagging project: n reminder messages."""
    groups = []
    for i in range(n):
        unit = get_or_create_unit(db, f"Unit {i:03}")
        add_project(db, f"U{i:03}", unit, created_days=40)
        bind_group(db, -10_000 - i, unit, None, ADMIN)
        groups.append(-10_000 - i)
    return groups


def in_force_for_an_hour(tmp_path, api, db, env: dict) -> None:
    """The reminder schedule of `env` was in force an hour ago already, as if the bot had been
    running: its moment, set a moment ahead, is sent on time if the process is up by then and
    caught up as it starts if not — never left for next week by a slow start."""
    config = make_config(tmp_path, api, **env)
    rounds.schedule_since(db, "reminder", f"{config.reminder_schedule} {config.timezone.key}",
                          datetime.now(NY) - timedelta(hours=1))


def test_sigkill_mid_round_then_restart_sends_each_missing_message_once(tmp_path, api,
                                                                          bot_process):
    db = open_db(tmp_path / "bot.db")
    groups = seed_many(db, 150)
    api.delay_next("sendMessage", 0.15, count=1000, apply=True)  # a slow Telegram
    at = ahead(2)
    env = {"BOT_TIMEZONE": "America/New_York", "BOT_REMINDER_SCHEDULE": schedule_at(at),
           "BOT_DIGEST_SCHEDULE": schedule_at(at - timedelta(hours=1)),
           "BOT_LOG_LEVEL": "INFO"}
    in_force_for_an_hour(tmp_path, api, db, env)
    first = bot_process(**env).start()
    sync_wait(lambda: len(sends(api)) >= 40, 30, "40 reminders")
    first.kill()
    before = Counter(r["chat_id"] for r in sends(api))
    in_flight = {d["chat_id"] for d in rounds.list_deliveries(db, round_rows(db)[0]["id"])
                 if d["state"] == "sending"}
    assert 0 < len(before) < len(groups), "the kill came too late to prove anything"
    assert round_rows(db)[0]["status"] == "sending"
    assert len(in_flight) <= 8  # CONCURRENCY

    api.clear_faults()
    second = bot_process(**env).start()
    sync_wait(lambda: round_rows(db)[0]["status"] == "done", 60, "the round to finish")
    time.sleep(1.5)
    second.stop()
    counts = Counter(r["chat_id"] for r in sends(api))
    assert set(counts) == set(groups)
    repeated = {c for c, n in counts.items() if n > 1}
    assert repeated <= in_flight, (repeated, in_flight)
    assert max(counts.values()) <= 2
    assert "in flight" in second.output()
    summary = rounds.round_summary(db, round_rows(db)[0]["id"])
    assert summary["sent"] == len(groups) and summary["total"] == len(groups)


def test_remind_while_the_bot_sends_the_same_round(tmp_path, api, bot_process):
    """`bot.py remind` joins a round the bot is sending: every message once, no repeats."""
    db = open_db(tmp_path / "bot.db")
    groups = seed_many(db, 200)
    api.delay_next("sendMessage", 0.2, count=1000, apply=True)
    at = ahead(2)
    env = {"BOT_TIMEZONE": "America/New_York", "BOT_REMINDER_SCHEDULE": schedule_at(at),
           "BOT_DIGEST_SCHEDULE": schedule_at(at - timedelta(hours=1))}
    in_force_for_an_hour(tmp_path, api, db, env)
    bot = bot_process(**env).start()
    sync_wait(lambda: len(sends(api)) >= 5, 30, "the round to start")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    environ.update(bot.env)
    cli = subprocess.run([sys.executable, str(ROOT / "bot.py"), "remind", "--only", "reminder"],
                         env=environ, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    sync_wait(lambda: round_rows(db)[0]["status"] == "done", 60, "the round to finish")
    time.sleep(1.5)
    bot.stop()
    counts = Counter(r["chat_id"] for r in sends(api))
    assert set(counts) == set(groups) and set(counts.values()) == {1}
    owners = {r[0] for r in db.execute("select distinct claimed_by from deliveries")}
    assert len(owners) == 2, (owners, cli.stdout)  # both processes sent part of it
    assert "reminder round" in cli.stdout
    assert TOKEN not in bot.output()


def test_sigterm_mid_round_finishes_in_flight_and_repeats_nothing(tmp_path, api, bot_process):
    """An orderly stop claims nothing new and lets the sends in flight finish."""
    db = open_db(tmp_path / "bot.db")
    groups = seed_many(db, 100)
    api.delay_next("sendMessage", 0.15, count=1000, apply=True)
    at = ahead(2)
    env = {"BOT_TIMEZONE": "America/New_York", "BOT_REMINDER_SCHEDULE": schedule_at(at),
           "BOT_DIGEST_SCHEDULE": schedule_at(at - timedelta(hours=1))}
    in_force_for_an_hour(tmp_path, api, db, env)
    first = bot_process(**env).start()
    sync_wait(lambda: len(sends(api)) >= 30, 30, "30 reminders")
    first.stop()
    assert first.process.returncode == 0
    states = Counter(d["state"] for d in rounds.list_deliveries(db, round_rows(db)[0]["id"]))
    assert states["sending"] == 0 and 0 < states["pending"] < len(groups)
    assert states["sent"] == len(sends(api))
    api.clear_faults()
    second = bot_process(**env).start()
    sync_wait(lambda: round_rows(db)[0]["status"] == "done", 60, "the round to finish")
    second.stop()
    counts = Counter(r["chat_id"] for r in sends(api))
    assert set(counts) == set(groups) and set(counts.values()) == {1}

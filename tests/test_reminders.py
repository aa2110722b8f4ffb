"""Reminders and digests: who gets what, when a round is due, /settings, `bot.py remind`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config import load_config
from schedules import content
from schedules.periods import latest_occurrence
from schedules.runner import Runner
from storage import rounds
from storage.people import bind_group, get_or_create_unit, grant_role, set_language
from storage.settings import get_settings
from tests.conftest import ADMIN, LEADER, TOKEN

ROOT = Path(__file__).resolve().parents[1]
SH = ZoneInfo("Asia/Shanghai")
GROUP_A = -1001
A1, A2, B1, B2 = 11, 12, 21, 22


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def add_project(db, code, unit_id, *, created_days=0, start_days=None, end_days=None,
                name=None):
    today = date.today()
    return db["projects"].insert({
        "code": code, "name": name or f"Project {code}", "unit_id": unit_id,
        "created_at": ago(created_days),
        "planned_start": (today + timedelta(days=start_days)).isoformat()
        if start_days is not None else None,
        "planned_end": (today + timedelta(days=end_days)).isoformat()
        if end_days is not None else None,
    }).last_pk


def add_update(db, project_id, unit_id, *, days=0, progress=None, message_id=None):
    db["updates"].insert({
        "project_id": project_id, "unit_id": unit_id, "author_id": 1, "chat_id": 1,
        "message_id": message_id or int(datetime.now().timestamp() * 1e6) % 10**12,
        "created_at": ago(days), "raw_text": "update", "progress": progress})


def make_world(db) -> dict:
    """Unit A (bound group, members zh + en): one lagging project, one fine.
    Unit B (no group; members en + zh): one stale project (last update 10 days ago).
    Unit C: all fine. Unit D: lagging, but nobody to tell. A leader (en) and BOT_ADMINS."""
    a = get_or_create_unit(db, "A <Office> & Co")
    b = get_or_create_unit(db, "B Bureau")
    c = get_or_create_unit(db, "C Centre")
    d = get_or_create_unit(db, "D Dept")
    ids = {
        "A1": add_project(db, "A-1", a, created_days=40, start_days=-60, end_days=60),
        "A2": add_project(db, "A-2", a),
        "B1": add_project(db, "B-1", b, created_days=30),
        "C1": add_project(db, "C-1", c, created_days=30),
        "D1": add_project(db, "D-1", d, created_days=30, start_days=-30, end_days=-1),
    }
    add_update(db, ids["B1"], b, days=10, progress=20)
    add_update(db, ids["C1"], c, days=1, progress=50)
    grant_role(db, A1, "member", a)
    grant_role(db, A2, "member", a)
    set_language(db, A2, "en")
    grant_role(db, B1, "member", b)
    set_language(db, B1, "en")
    grant_role(db, B2, "member", b)
    grant_role(db, LEADER, "leader")
    set_language(db, LEADER, "en")
    bind_group(db, GROUP_A, a, "A group", ADMIN)
    return {"units": {"A": a, "B": b, "C": c, "D": d}, "projects": ids}


def config_for(tmp_path, **env):
    values = {"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_DB": str(tmp_path / "bot.db"),
              "BOT_ADMINS": str(ADMIN), "BOT_LANGUAGE": "zh"}
    values.update({k: str(v) for k, v in env.items()})
    return load_config(values)


# --- content ---------------------------------------------------------------------------------

def test_reminder_plan_who_gets_what(fresh_db, tmp_path):
    world = make_world(fresh_db)
    plan = content.reminder_plan(fresh_db, config_for(tmp_path), datetime.now(SH))
    by_chat = {chat: (unit, payload) for chat, unit, payload in plan.items}
    # A: its bound group, once, in the members' majority language (a tie: the bot's, zh).
    assert set(by_chat) == {GROUP_A, B1, B2}
    unit, group = by_chat[GROUP_A]
    assert unit == world["units"]["A"] and group["to"] == "group" and group["lang"] == "zh"
    [text] = [p["text"] for p in group["parts"]]
    assert "A &lt;Office&gt; &amp; Co" in text  # escaped
    assert "A-1" in text and "A-2" not in text  # only what is stale or lagging
    assert "从未更新（建档已40天）" in text and "落后计划" in text
    assert "回复本消息" in text
    # B: no group, so each member privately, in their own language.
    assert by_chat[B1][1]["lang"] == "en" and by_chat[B2][1]["lang"] == "zh"
    en = by_chat[B1][1]["parts"][0]["text"]
    assert "B-1" in en and "no update for 10 days" in en and "Send me the progress" in en
    # C (all fine) gets nothing; D has nobody to tell, which the operator is told.
    assert all(u != world["units"]["C"] for _, u, _ in plan.items)
    assert any("D Dept" in note for note in plan.notes)
    assert sorted(plan.reminded) == sorted([world["projects"]["A1"], world["projects"]["B1"]])


def test_long_reminder_is_paged_within_telegram_limits(fresh_db, tmp_path):
    unit = get_or_create_unit(fresh_db, "Big")
    for i in range(120):
        add_project(fresh_db, f"BIG-{i:03}", unit, created_days=40, name="很长的项目名称" * 6)
    bind_group(fresh_db, -5, unit, "big", ADMIN)
    plan = content.reminder_plan(fresh_db, config_for(tmp_path), datetime.now(SH))
    [(_, _, payload)] = plan.items
    texts = [p["text"] for p in payload["parts"]]
    assert len(texts) > 1 and all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    joined = "\n".join(texts)
    assert all(f"BIG-{i:03}" in joined for i in range(120))
    assert "回复本消息" in texts[-1]


def test_digest_recipients_and_escalations(fresh_db, tmp_path):
    world = make_world(fresh_db)
    db, p = fresh_db, world["projects"]
    # Two reminder rounds named A-1 and B-1; B-1 was updated after the first: not escalated.
    first, _ = rounds.open_round(db, "reminder", "2024-06-03T09:00:00+08:00")
    rounds.plan_deliveries(db, first, [], reminded=[p["A1"], p["B1"]])
    db.execute("update rounds set created_at = ? where id = ?", [ago(7), first])
    add_update(db, p["B1"], world["units"]["B"], days=3, progress=30)
    second, _ = rounds.open_round(db, "reminder", "2024-06-10T09:00:00+08:00")
    rounds.plan_deliveries(db, second, [], reminded=[p["A1"], p["B1"]])
    old = db["problems"].insert({"project_id": p["C1"], "text": "land <permit>",
                                 "status": "open", "created_at": ago(20),
                                 "acting_unit_id": world["units"]["B"]}).last_pk
    db["problems"].insert({"project_id": p["C1"], "text": "recent", "status": "open",
                           "created_at": ago(3)})
    db["problems"].insert({"project_id": p["C1"], "text": "solved", "status": "resolved",
                           "created_at": ago(30)})

    data = content.digest_data(db, config_for(tmp_path), datetime.now(SH))
    assert [r["code"] for r in data.reminded] == ["A-1"]
    assert [q["id"] for q in data.problems] == [old]
    assert [(c, lang) for c, _, lang in data.recipients] == [(ADMIN, "zh"), (LEADER, "en")]
    plan = content.digest_plan(data, render_chart=True)
    # Per language: the wall chart, and the meeting pack's two files (digest_pack is on).
    assert [f[:4] for f in plan.files] == [b"\x89PNG", b"PK\x03\x04", b"PK\x03\x04"] * 2
    by_chat = {chat: payload for chat, _, payload in plan.items}
    en = by_chat[LEADER]["parts"]
    assert en[0]["text"].startswith("📬 <b>Leader digest</b>")
    zh = by_chat[ADMIN]["parts"]
    en_photos = [p["photo"] for p in en if "photo" in p]
    zh_photos = [p["photo"] for p in zh if "photo" in p]
    assert len(en_photos) == len(zh_photos) == 1 and en_photos != zh_photos  # own language
    day = data.today.isoformat()
    assert [p["filename"] for p in en if "document" in p] == [f"schedule-{day}.xlsx",
                                                              f"bulletin-{day}.docx"]
    assert [p["filename"] for p in zh[-2:]] == [f"调度表-{day}.xlsx", f"通报-{day}.docx"]
    en, zh = [p for p in en if "text" in p], [p for p in zh if "text" in p]
    escalations = en[-1]["text"]
    assert "Reminded twice in a row" in escalations and "A-1" in escalations
    assert "A &lt;Office&gt; &amp; Co" in escalations
    assert "land &lt;permit&gt;" in escalations and "unit: B Bureau" in escalations
    assert "open 20 days" in escalations and "recent" not in escalations
    assert zh[0]["text"].startswith("📬 <b>领导周报</b>") and "需要督办" in zh[-1]["text"]


# --- when rounds are due ---------------------------------------------------------------------

def make_runner(db, tmp_path, **env) -> Runner:
    """A runner without China's calendar unless asked: these tests are about moments, and
    their Monday 2024-06-10 in Shanghai is a statutory holiday (端午节)."""
    return Runner(db, config_for(tmp_path, **{"BOT_HOLIDAYS": "none", **env}))


def statuses(db) -> dict[tuple[str, str], str]:
    return {(r["kind"], r["period"]): r["status"] for r in db.query("select * from rounds")}


@pytest.mark.parametrize(("schedule", "tz", "before", "after", "period"), [
    # Monday 00:00 in Shanghai is Sunday 16:00 UTC.
    ("mon 00:00", "Asia/Shanghai", datetime(2024, 6, 9, 15, 59, 59, tzinfo=UTC),
     datetime(2024, 6, 9, 16, 0, 0, tzinfo=UTC), "2024-06-10T00:00:00+08:00"),
    # Sunday just before midnight, seen just after it (Monday): the Sunday round.
    ("sun 23:59:30", "Asia/Shanghai", datetime(2024, 6, 9, 15, 59, 0, tzinfo=UTC),
     datetime(2024, 6, 9, 16, 0, 10, tzinfo=UTC), "2024-06-09T23:59:30+08:00"),
    # West of UTC: Monday 00:00 in New York is Monday 04:00 UTC (EDT).
    ("mon 00:00", "America/New_York", datetime(2024, 6, 10, 3, 59, 59, tzinfo=UTC),
     datetime(2024, 6, 10, 4, 0, 0, tzinfo=UTC), "2024-06-10T00:00:00-04:00"),
    # Sunday 00:00: the local day, not the UTC one (Saturday 16:00 UTC).
    ("sun 00:00", "Asia/Shanghai", datetime(2024, 6, 8, 15, 59, 0, tzinfo=UTC),
     datetime(2024, 6, 8, 16, 0, 0, tzinfo=UTC), "2024-06-09T00:00:00+08:00"),
])
def test_due_at_day_and_midnight_boundaries(fresh_db, tmp_path, schedule, tz, before, after,
                                            period):
    r = make_runner(fresh_db, tmp_path, BOT_REMINDER_SCHEDULE=schedule, BOT_TIMEZONE=tz,
                    BOT_DIGEST_SCHEDULE="wed 12:00")
    r.due(before - timedelta(hours=1))  # the bot is running since an hour before
    assert r.due(before) == [] and statuses(fresh_db) == {}
    [opened] = r.due(after)
    assert rounds.get_round(fresh_db, opened)["period"] == period
    assert r.due(after + timedelta(seconds=5)) == []  # once


def test_holiday_moved_missed_recorded_and_new_schedule_not_sent_at_once(fresh_db, tmp_path):
    from storage.settings import set_setting

    db = fresh_db
    monday = datetime(2024, 6, 10, 9, 0, tzinfo=SH)
    r = make_runner(db, tmp_path, BOT_REMINDER_SCHEDULE="mon 09:00",
                    BOT_DIGEST_SCHEDULE="mon 10:00", BOT_CATCHUP_HOURS=2)
    # A schedule first seen after its moment does not send that moment's round.
    assert r.due(monday + timedelta(minutes=5)) == []
    # The bot is down from 09:05 on; back a week later at 08:59: the 10:00 digest of that
    # first day is recorded as missed (too old to send).
    [missed] = r.due(monday + timedelta(days=7, minutes=-1))
    assert rounds.get_round(db, missed)["status"] == "missed"
    # Down again at 09:00 and 10:00, back at 11:30: the reminder (2.5 h late) is missed,
    # the digest (1.5 h late) is caught up.
    assert len(r.due(monday + timedelta(days=7, hours=2, minutes=30))) == 2
    assert statuses(db) == {("digest", "2024-06-10T10:00:00+08:00"): "missed",
                            ("reminder", "2024-06-17T09:00:00+08:00"): "missed",
                            ("digest", "2024-06-17T10:00:00+08:00"): "planned"}
    # A round on a holiday is sent on the next working day, at the same time.
    set_setting(db, "holidays", "2024-06-24", ADMIN)
    r.due(monday + timedelta(days=14, minutes=1))
    assert ("reminder", "2024-06-24T09:00:00+08:00") not in statuses(db)
    r.due(monday + timedelta(days=15, minutes=1))
    assert statuses(db)[("reminder", "2024-06-25T09:00:00+08:00")] == "planned"
    # A changed schedule applies from its next moment, not one already past.
    set_setting(db, "reminder_schedule", "daily 08:00", ADMIN)
    r.due(monday + timedelta(days=15, hours=1))
    assert ("reminder", "2024-06-25T08:00:00+08:00") not in statuses(db)
    r.due(monday + timedelta(days=15, hours=23))
    assert statuses(db)[("reminder", "2024-06-26T08:00:00+08:00")] == "planned"


def test_grace_on_time_with_no_catchup(fresh_db, tmp_path):
    r = make_runner(fresh_db, tmp_path, BOT_REMINDER_SCHEDULE="mon 09:00", BOT_CATCHUP_HOURS=0)
    monday = datetime(2024, 6, 10, 9, 0, tzinfo=SH)
    r.due(monday - timedelta(minutes=1))
    r.due(monday + timedelta(seconds=3))  # a tick a little late is still on time
    assert statuses(fresh_db)[("reminder", "2024-06-10T09:00:00+08:00")] == "planned"


def test_startup_gives_up_rounds_older_than_catchup(fresh_db, tmp_path):
    db = fresh_db
    old, _ = rounds.open_round(db, "reminder", datetime.now(SH) - timedelta(days=3))
    rounds.plan_deliveries(db, old, [(1, None, {"text": "a"}), (2, None, {"text": "b"})])
    rounds.mark_sent(db, rounds.claim_next(db, old)["id"], 5)
    unplanned, _ = rounds.open_round(db, "digest", datetime.now(SH) - timedelta(days=3))
    recent, _ = rounds.open_round(db, "digest", datetime.now(SH) - timedelta(hours=1))
    make_runner(db, tmp_path).startup()
    assert rounds.get_round(db, old)["status"] == "done"
    assert [d["state"] for d in rounds.list_deliveries(db, old)] == ["sent", "failed"]
    assert rounds.get_round(db, unplanned)["status"] == "missed"
    assert rounds.get_round(db, recent)["status"] == "planned"


# --- pacing ----------------------------------------------------------------------------------

async def test_the_rate_limiter_spaces_sends_overall_and_per_private_chat():
    """Rounds are paced by the bot's own rate limiter (transport.pacing), like every send."""
    import asyncio
    import time

    from transport.pacing import PacedRateLimiter

    # 100 a second overall, evenly spaced; one message every 0.3 s to one private chat
    limiter = PacedRateLimiter(overall_max_rate=1, overall_time_period=0.01,
                               private_burst=1, private_period=0.3)
    stamps: dict[int, list[float]] = {}
    start = time.monotonic()

    async def sent(chat_id):
        stamps.setdefault(chat_id, []).append(time.monotonic() - start)

    async def send(chat_id):
        await limiter.process_request(sent, (chat_id,), {}, "sendMessage",
                                      {"chat_id": chat_id}, None)

    # one private chat gets 3 messages; 20 other chats (groups and people) one each
    await asyncio.gather(*(send(c) for c in [7, 7, 7, *range(-20, -10), *range(100, 110)]))
    seven = stamps[7]
    assert seven[1] - seven[0] >= 0.29 and seven[2] - seven[1] >= 0.29
    everything = sorted(t for ts in stamps.values() for t in ts)
    gaps = [b - a for a, b in zip(everything, everything[1:], strict=False)]
    assert min(gaps) >= 0.0075  # 100 a second: 10 ms apart (a little timer slack)
    # the others were not held up behind chat 7's second and third message
    others = sorted(t for c, ts in stamps.items() if c != 7 for t in ts)
    assert others[-1] < 0.6


# --- several messages to one chat, kills, concurrency, an orderly stop ---------------------------

class Killed(BaseException):
    """Stands for the process dying."""


@pytest.mark.parametrize("arrived_before_kill", [True, False])
async def test_parts_resume_after_a_kill_only_the_part_in_flight_repeats(fresh_db,
                                                                        arrived_before_kill):
    from schedules.delivery import deliver_round

    db = fresh_db
    rid, _ = rounds.open_round(db, "digest", "2024-06-10T10:00:00+08:00")
    parts = [{"text": f"part {i}"} for i in range(3)]
    rounds.plan_deliveries(db, rid, [(7, None, {"parts": parts}), (8, None, {"parts": parts})])
    arrived: list[tuple[int, str]] = []

    async def dying(chat_id, part):
        if (chat_id, part["text"]) == (7, "part 1"):
            if arrived_before_kill:
                arrived.append((chat_id, part["text"]))
            raise Killed
        arrived.append((chat_id, part["text"]))
        return len(arrived)

    with pytest.raises(Killed):
        await deliver_round(db, rid, dying)
    assert rounds.list_deliveries(db, rid)[0]["parts_sent"] == 1
    rounds.recover_in_flight(db)

    async def send(chat_id, part):
        arrived.append((chat_id, part["text"]))
        return len(arrived)

    summary = await deliver_round(db, rid, send)
    assert summary["status"] == "done" and summary["sent"] == 2
    counts = Counter(arrived)
    assert counts[(7, "part 0")] == 1 and counts[(7, "part 2")] == 1
    assert counts[(7, "part 1")] == (2 if arrived_before_kill else 1)
    assert [text for chat, text in arrived if chat == 8] == ["part 0", "part 1", "part 2"]


async def test_concurrent_workers_and_an_orderly_stop(fresh_db):
    import asyncio

    from schedules.delivery import deliver_round

    db = fresh_db
    rid, _ = rounds.open_round(db, "reminder", "2024-06-10T09:00:00+08:00")
    rounds.plan_deliveries(db, rid, [(c, None, {"text": "x"}) for c in range(1, 41)])
    running, peak, arrived = 0, 0, []
    stop = False

    async def send(chat_id, payload):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        arrived.append(chat_id)
        return chat_id

    async def stopper():
        nonlocal stop
        while len(arrived) < 12:
            await asyncio.sleep(0.001)
        stop = True

    _, summary = await asyncio.gather(
        stopper(), deliver_round(db, rid, send, concurrency=4, keep_going=lambda: not stop))
    assert peak == 4
    states = Counter(d["state"] for d in rounds.list_deliveries(db, rid))
    assert states["sending"] == 0 and states["sent"] == len(arrived) and states["pending"] > 0
    assert summary["status"] == "sending"
    summary = await deliver_round(db, rid, send, concurrency=4)
    assert summary["status"] == "done" and sorted(arrived) == list(range(1, 41))


# --- in-flight recovery across processes ------------------------------------------------------

LEASE_SCRIPT = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
from schedules.lease import lease_for
from storage.db import open_db
from storage import rounds
db = open_db(sys.argv[1])
lease = lease_for(db)
rounds.claim_next(db, int(sys.argv[3]), lease.token)
print(lease.token, flush=True)
time.sleep(60)
"""


def test_only_dead_processes_sends_are_recovered(tmp_path):
    from schedules.lease import lease_for
    from storage.db import open_db

    db = open_db(tmp_path / "bot.db")
    rid, _ = rounds.open_round(db, "reminder", "2024-06-10T09:00:00+08:00")
    rounds.plan_deliveries(db, rid, [(c, None, {"text": "x"}) for c in (1, 2, 3)])
    lease = lease_for(db)
    mine = rounds.claim_next(db, rid, lease.token)
    other = subprocess.Popen([sys.executable, "-c", LEASE_SCRIPT, str(tmp_path / "bot.db"),
                              str(ROOT), str(rid)], stdout=subprocess.PIPE, text=True)
    try:
        token = other.stdout.readline().strip()
        assert token and token != lease.token
        # The other process lives: nothing of anybody's is recovered.
        assert rounds.recover_in_flight(db, is_alive=lease.is_alive) == 0
        other.kill()
        other.wait(10)
        # Dead: its in-flight send is recovered; ours (in flight now) is not.
        assert rounds.recover_in_flight(db, is_alive=lease.is_alive) == 1
        states = {d["chat_id"]: d["state"] for d in rounds.list_deliveries(db, rid)}
        assert states == {mine["chat_id"]: "sending", 2: "pending", 3: "pending"}
        assert not (tmp_path / "bot.db.senders" / f"{token}.lock").exists()
    finally:
        other.kill()
        other.stdout.close()


# --- /settings ---------------------------------------------------------------------------------

async def test_settings_show_change_and_refuse(running_bot):
    db = running_bot.db
    [shown] = await running_bot.send(ADMIN, "/settings", language_code="en")
    text = shown["plain_text"]
    for key in ("reminder_schedule", "digest_schedule", "timezone", "stale_days", "lag_points",
                "catchup_hours", "language", "holidays"):
        assert key in text
    assert "reminder_schedule = mon 09:00" in text and "Next reminder: Mon " in text

    [saved] = await running_bot.send(ADMIN, "/settings reminder_schedule Tue,Thu 8:30",
                                      language_code="en")
    assert "Saved reminder_schedule = tue,thu 08:30" in saved["plain_text"]
    assert get_settings(db)["reminder_schedule"] == "tue,thu 08:30"
    [saved] = await running_bot.send(ADMIN, "/settings holidays 2025-10-02, 2025-10-01",
                                      language_code="en")
    assert get_settings(db)["holidays"] == "2025-10-01,2025-10-02"
    [shown] = await running_bot.send(ADMIN, "/settings", language_code="en")
    assert "reminder_schedule = tue,thu 08:30 (set here)" in shown["plain_text"]
    assert "stale_days = 7\n" in shown["plain_text"]

    before = get_settings(db)
    for bad, reason in [("/settings colour blue", "There is no setting colour"),
                        ("/settings stale_days seven", "stale_days must be a whole number"),
                        ("/settings reminder_schedule someday 9:00", "unknown day"),
                        ("/settings reminder_schedule mon 25:00", "no such time of day"),
                        ("/settings timezone Mars/Base", "unknown timezone"),
                        ("/settings holidays 2025-13-01", "YYYY-MM-DD"),
                        ("/settings lag_points", "Give a value for lag_points")]:
        [answer] = await running_bot.send(ADMIN, bad, language_code="en")
        assert answer["plain_text"].startswith("⚠️") and reason in answer["plain_text"], answer["plain_text"]
    assert get_settings(db) == before  # nothing stored

    [reset] = await running_bot.send(ADMIN, "/settings reminder_schedule default",
                                      language_code="en")
    assert "back to its default" in reset["plain_text"] and "mon 09:00" in reset["plain_text"]
    assert "reminder_schedule" not in get_settings(db)

    grant_role(db, LEADER, "leader")
    for who in (LEADER, 4242):
        [refused] = await running_bot.send(who, "/settings stale_days 3", language_code="en")
        assert refused["plain_text"].startswith("⛔") and "\n" not in refused["plain_text"]
    assert "stale_days" not in get_settings(db)
    [zh] = await running_bot.send(ADMIN, "/settings stale_days 3")
    assert "已保存" in zh["plain_text"] and get_settings(db)["stale_days"] == "3"


# --- bot.py remind ---------------------------------------------------------------------------

def run_cli(tmp_path, api_url, *args, **env):
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    environ.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api_url,
                    "BOT_DB": str(tmp_path / "bot.db"), "BOT_ADMINS": str(ADMIN),
                    "BOT_REMINDER_SCHEDULE": "daily 00:00", "BOT_DIGEST_SCHEDULE": "daily 00:00:01"})
    environ.update(env)
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), "remind", *args], env=environ,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_remind_dry_run_then_send_once(tmp_path, api):
    from storage.db import open_db

    db = open_db(tmp_path / "bot.db")
    make_world(db)
    dry = run_cli(tmp_path, api.api_url, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "reminder round" in dry.stdout and "would send 3 message(s)" in dry.stdout
    assert f"group {GROUP_A}" in dry.stdout and "A <Office> & Co" in dry.stdout
    assert "digest round" in dry.stdout and "[picture: the wall chart]" in dry.stdout
    assert "[file: 调度表-" in dry.stdout and "[file: bulletin-" in dry.stdout
    assert api.sent == [] and statuses(db) == {}
    assert db.execute("select count(*) from rank_snapshots").fetchone()[0] == 0  # no writes

    sent = run_cli(tmp_path, api.api_url)
    assert sent.returncode == 0, sent.stderr
    assert "reminder round" in sent.stdout and "3 sent" in sent.stdout
    chats = sorted(r["chat_id"] for r in api.sent if r["kind"] == "send")
    # reminder: group A, B's two members; digest: admin and leader, 5 messages each (the
    # summary, the chart, the escalations and the meeting pack's two files)
    assert chats == sorted([GROUP_A, B1, B2] + [ADMIN] * 5 + [LEADER] * 5)
    photos = [r for r in api.sent if r["method"] == "sendPhoto"]
    assert {r["chat_id"] for r in photos} == {ADMIN, LEADER}
    files = [r["chat_id"] for r in api.sent if r["method"] == "sendDocument"]
    assert sorted(files) == [ADMIN, ADMIN, LEADER, LEADER]

    again = run_cli(tmp_path, api.api_url)
    assert again.returncode == 0 and again.stdout.count("already sent") == 2
    # the processes are gone, and so are their lease files (swept by the next one)
    assert len(list((tmp_path / "bot.db.senders").glob("*.lock"))) <= 1
    dry = run_cli(tmp_path, api.api_url, "--dry-run", "--only", "digest")
    assert "already sent" in dry.stdout and "reminder" not in dry.stdout
    assert len(api.sent) == len(chats)
    assert all(s == "done" for s in statuses(db).values())
    payload = json.loads(db.execute("select payload from deliveries limit 1").fetchone()[0])
    assert payload["parts"]


def test_remind_sends_a_missed_round_when_asked(tmp_path, api, fresh_db):
    make_world(fresh_db)
    tz = ZoneInfo("Asia/Shanghai")
    period = latest_occurrence(load_config({"BOT_REMINDER_SCHEDULE": "daily 00:00"})
                                      .reminder_schedule, tz, datetime.now(tz))
    rounds.open_round(fresh_db, "reminder", period, status="missed")
    out = run_cli(tmp_path, api.api_url, "--only", "reminder")
    assert out.returncode == 0, out.stderr
    assert "was missed; sending it now" in out.stdout
    assert sorted(r["chat_id"] for r in api.sent) == sorted([GROUP_A, B1, B2])
    assert run_cli(tmp_path, api.api_url, "--only", "reminder").stdout.count("already sent") == 1


def test_remind_without_token_or_with_bad_args(tmp_path, api):
    from storage.db import open_db

    open_db(tmp_path / "bot.db").close()  # remind starts no database (a typo would)
    out = run_cli(tmp_path, api.api_url, TELEGRAM_BOT_TOKEN="")
    assert out.returncode == 2 and "TELEGRAM_BOT_TOKEN" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    out = run_cli(tmp_path, api.api_url, "--dry-run", TELEGRAM_BOT_TOKEN="")
    assert out.returncode == 0

"""End to end: the completion forecast from a project's stored progress history, in
/status <code> and in its light ("forecast late", "stalled"), and the one query that reads
the histories of all projects (storage.projects.recent_progress).

The ledger's dates and the scripted histories are relative to today, so the expected
dates are fixed offsets from it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from handlers.ledger import import_bytes
from reports.forecast import forecast_completion
from reports.states import forecast_from_row
from storage import open_db
from storage.people import grant_role
from storage.projects import get_project, project_states
from tests.conftest import ADMIN
from tests.test_e2e_lights import entry, sections
from tests.test_e2e_status import add_update

TZ = ZoneInfo("Asia/Shanghai")
LEADER = 2
UNIT = "区工业和信息化局"


def day(offset: int) -> str:
    return (datetime.now(TZ).date() + timedelta(days=offset)).isoformat()


def seed(db) -> None:
    """F-1: planned 45.1 % today (51 of 113 days), 30 % 28 days ago and 45 % today: on plan,
    but at its pace of 15 / 28 points a day done in 103 days, 41 after its planned end.
    F-2: planned 40 % today, 40 % in its last three updates over 29 days: stalled.
    F-3: one update only: no forecast."""
    rows = ["编号,项目名称,责任单位,阶段,计划开工,计划竣工",
            f"F-1,智能装备产业园,{UNIT},开工,{day(-51)},{day(62)}",
            f"F-2,新材料中试基地,{UNIT},开工,{day(-40)},{day(60)}",
            f"F-3,数据中心二期,{UNIT},开工,{day(-40)},{day(60)}"]
    assert import_bytes(db, ("\n".join(rows) + "\n").encode(), "l.csv", None, "zh").startswith("✅")
    grant_role(db, LEADER, "leader", name="王市长")
    add_update(db, "F-1", 30, days_ago=28)
    add_update(db, "F-1", 45, days_ago=0)
    for days_ago in (30, 15, 1):
        add_update(db, "F-2", 40, days_ago=days_ago)
    add_update(db, "F-3", 40, days_ago=1)


async def status(bot, code: str, lang: str) -> str:
    [reply] = await bot.send(LEADER, f"/status {code}", language_code=lang)
    return reply["text"]


async def test_forecast_in_status_and_forecast_late_at_risk(running_bot):
    seed(running_bot.db)
    en = await status(running_bot, "F-1", "en")
    assert en.startswith("🟠")  # on plan today, at risk by its forecast
    assert f"📈 At this pace: done {day(103)}, 41 days after plan" in en
    assert f"⚠️ Why: at this pace: done {day(103)}, 41 days after plan" in en
    zh = await status(running_bot, "F-1", "zh")
    assert f"按目前进度预计 {day(103)} 完成，比计划晚 41 天" in zh
    _, yellow = sections((await running_bot.send(LEADER, "/lagging", language_code="en"))[0]
                         ["text"], "en")
    assert f"at this pace: done {day(103)}, 41 days after plan" in entry(yellow, "F-1")
    # forecast_late_days is a setting: 41 days late is within 45.
    [saved] = await running_bot.send(ADMIN, "/settings forecast_late_days 45", language_code="en")
    assert "Saved" in saved["text"]
    en = await status(running_bot, "F-1", "en")
    assert en.startswith("🟢") and "Why" not in en
    assert f"📈 At this pace: done {day(103)}, 41 days after plan" in en


async def test_stalled_and_too_short_histories(running_bot):
    seed(running_bot.db)
    en = await status(running_bot, "F-2", "en")
    assert en.startswith("🟠")
    assert (f"⏸ No progress over the last three updates (40% since {day(-30)}): at this pace "
            "it is never done") in en
    assert f"⚠️ Why: progress stuck at 40% since {day(-30)}" in en
    zh = await status(running_bot, "F-2", "zh")
    assert f"最近三次报送进度均为 40%（自 {day(-30)} 起）" in zh
    en = await status(running_bot, "F-3", "en")
    assert en.startswith("🟢")
    assert "📈 Forecast: not enough history yet (two progress figures at least 14 days apart)" in en


# --- the histories query --------------------------------------------------------------------

_DB = None


def shared_db(tmp_path_factory):
    global _DB
    if _DB is None:
        _DB = open_db(tmp_path_factory.mktemp("forecast") / "bot.db")
        rows = "code,name,unit\nH-1,History,Unit H\nH-2,Neighbour,Unit H\n"
        assert import_bytes(_DB, rows.encode(), "l.csv", None, "en").startswith("✅")
    return _DB


# Days back: mostly within the forecast's window, some far older; the time of day (often the
# same minute, as a burst of updates: seconds apart); progress: often the same figure again
# (stalls), sometimes none.
FIGURES = st.lists(st.tuples(st.one_of(st.integers(0, 90), st.integers(0, 400)),
                             st.integers(0, 23),
                             st.one_of(st.none(), st.sampled_from([10, 40]),
                                       st.integers(0, 100)),
                             st.sampled_from([0, 59]), st.integers(0, 59)), max_size=30)


@settings(max_examples=100, deadline=None)
@given(figures=FIGURES, neighbour=FIGURES)
# A stall over 120 days: its three figures are older than the window.
@example(figures=[(120, 9, 40, 0, 0), (60, 9, 40, 0, 0), (0, 9, 40, 0, 0)], neighbour=[])
# Daily figures for eight days and one 100 days ago: the reference is the old one.
@example(figures=[(d, 9, 50 - d, 0, 0) for d in range(8)] + [(100, 9, 10, 0, 0)], neighbour=[])
# A burst in one minute: the day's figure is its last, whatever order they were stored in.
@example(figures=[(20, 9, 30, 0, 0), (0, 9, 50, 0, 5), (0, 9, 45, 0, 1), (0, 9, 40, 0, 9)],
         neighbour=[(0, 9, 99, 0, 7)])
# Two figures stored at one moment before the window: its reference is the one stored last.
@example(figures=[(100, 9, 10, 0, 0), (100, 9, 20, 0, 0), (0, 9, 50, 0, 0)], neighbour=[])
# Two local days within one UTC day (23:00 and 01:00 in Shanghai): the reference is the first.
@example(figures=[(20, 23, 30, 0, 0), (19, 1, 35, 0, 0), (0, 9, 50, 0, 0)], neighbour=[])
def test_the_history_query_gives_the_forecast_of_the_whole_history(tmp_path_factory, figures,
                                                                   neighbour):
    """However a project reported (gaps, several a day, no progress, 400 days), the figures
    the one query reads give the same forecast as all of its updates; another project's
    figures do not mix in."""
    db = shared_db(tmp_path_factory)
    db.execute("delete from updates")
    now = datetime(2026, 6, 1, 12, tzinfo=TZ)
    every, message_ids = [], iter(range(1, 100))
    for code, rows in (("H-1", figures), ("H-2", neighbour)):
        for days_ago, hour, progress, minute, second in rows:
            at = (now - timedelta(days=days_ago)).replace(hour=hour, minute=minute,
                                                          second=second).astimezone(UTC)
            project = get_project(db, code)
            db["updates"].insert({
                "project_id": project["id"], "unit_id": project["unit_id"], "author_id": 1,
                "chat_id": 1, "message_id": next(message_ids), "part": 0,
                "created_at": at.isoformat(timespec="seconds"), "raw_text": "x", "lang": "en",
                "progress": progress})
            if code == "H-1":
                every.append((at.astimezone(TZ), progress))
    [row] = project_states(db, code="H-1")
    assert forecast_from_row(row, now) == forecast_completion(every)

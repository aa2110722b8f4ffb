"""China's calendar for the rounds (config.calendar): statutory holidays and make-up working
days from the chinesecalendar package, `/settings holidays` and `workdays` on top, and a round
falling on a holiday sent on the next working day — through the real bot and local Bot API.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from config import load_config
from config.calendar import WorkCalendar, china_known_until, work_calendar
from schedules.runner import Runner
from storage import open_db, rounds
from storage.settings import set_setting
from tests.conftest import ADMIN, build_in_process, make_config
from tests.test_e2e_reminders import sends
from tests.test_reminders import make_world

SH = ZoneInfo("Asia/Shanghai")
CN = WorkCalendar(china=True)


def test_statutory_holidays_and_make_up_days_come_from_the_package():
    # National Day 2025: 1–8 October off, Saturday 11 October a working day (调休).
    assert all(CN.is_holiday(date(2025, 10, d)) for d in range(1, 9))
    assert CN.next_working_day(date(2025, 10, 1)) == date(2025, 10, 9)
    assert CN.is_working_day(date(2025, 10, 11)) and not CN.is_holiday(date(2025, 10, 11))
    assert CN.is_working_day(date(2025, 9, 28))  # Sunday 28 September: worked
    # A plain weekend is no holiday (a round scheduled on it is meant for it) and no working
    # day; Spring Festival 2026 is.
    assert not CN.is_holiday(date(2025, 10, 18)) and not CN.is_working_day(date(2025, 10, 18))
    assert CN.is_holiday(date(2026, 2, 17))
    # Past the package's data: ordinary days.
    after = date(china_known_until().year + 1, 10, 1)
    assert not CN.is_holiday(after) and CN.is_working_day(after) == (after.weekday() < 5)


def test_settings_add_days_off_and_working_days_on_top():
    mine = WorkCalendar(china=True, holidays=frozenset({date(2025, 10, 9)}),
                        workdays=frozenset({date(2025, 10, 3)}))
    assert mine.is_holiday(date(2025, 10, 9)) and not mine.is_holiday(date(2025, 10, 3))
    assert mine.next_working_day(date(2025, 10, 1)) == date(2025, 10, 3)
    assert mine.next_working_day(date(2025, 10, 8)) == date(2025, 10, 10)


@pytest.mark.parametrize(("env", "china"), [
    ({}, True),  # Asia/Shanghai by default
    ({"BOT_TIMEZONE": "Asia/Urumqi"}, True),
    ({"BOT_TIMEZONE": "Europe/Berlin"}, False),
    ({"BOT_TIMEZONE": "Asia/Hong_Kong"}, False),
    ({"BOT_TIMEZONE": "Europe/Berlin", "BOT_HOLIDAYS": "cn"}, True),
    ({"BOT_HOLIDAYS": "none"}, False),
])
def test_which_zones_use_it(env, china):
    assert work_calendar(load_config(env)).china is china


async def round_days(tmp_path, api, *settings: tuple[str, str], **more_env
                     ) -> tuple[list[str], int]:
    """Run a `wed 09:00` reminder schedule in Shanghai from 30 September 2025 to 10 October,
    a tick at 09:00:05 each day, through the real bot: (the periods of the rounds sent, how
    many messages they sent)."""
    env = {"BOT_TIMEZONE": "Asia/Shanghai", "BOT_REMINDER_SCHEDULE": "wed 09:00",
           "BOT_DIGEST_SCHEDULE": "wed 10:00", **more_env}
    config = make_config(tmp_path, api, **env)
    db = open_db(config.db_path)
    make_world(db)
    for key, value in settings:
        set_setting(db, key, value, ADMIN)
    application = build_in_process(config, db, api)
    periods = []
    async with application:
        runner = Runner(db, config, application.bot)
        runner.due(datetime(2025, 9, 30, 9, tzinfo=SH), kinds=("reminder",))  # running since
        for day in range(1, 11):
            for round_id in runner.due(datetime(2025, 10, day, 9, 0, 5, tzinfo=SH),
                                       kinds=("reminder",)):
                summary = await runner.run_round(round_id)
                assert summary["status"] == "done" and summary["sent"] > 0
                periods.append(rounds.get_round(db, round_id)["period"])
    db.close()
    return periods, len(sends(api))


async def test_a_round_on_1_october_is_sent_on_the_next_working_day(tmp_path, api):
    # 1 and 8 October 2025 (Wednesdays) are National Day holidays: their round goes out once,
    # on Thursday 9 October, the first working day, at the schedule's time.
    periods, messages = await round_days(tmp_path, api)
    assert periods == ["2025-10-09T09:00:00+08:00"]
    assert messages == 3  # unit A's group, unit B's two members


async def test_holidays_and_workdays_settings_move_it(tmp_path, api):
    # The admin works on 1 October: sent that day; and takes 9 October off: the round of 8
    # October goes out on Friday 10 October.
    periods, _ = await round_days(tmp_path, api, ("workdays", "2025-10-01"),
                                  ("holidays", "2025-10-09"))
    assert periods == ["2025-10-01T09:00:00+08:00", "2025-10-10T09:00:00+08:00"]


async def test_without_chinas_calendar_the_round_keeps_its_day(tmp_path, api):
    periods, _ = await round_days(tmp_path, api, BOT_HOLIDAYS="none")
    assert periods == ["2025-10-01T09:00:00+08:00", "2025-10-08T09:00:00+08:00"]


def test_settings_shows_when_a_holiday_round_is_sent(tmp_path, api):
    from handlers.settings import next_rounds

    config = make_config(tmp_path, api, BOT_REMINDER_SCHEDULE="wed 09:00",
                         BOT_DIGEST_SCHEDULE="fri 10:00")
    shown = next_rounds(config, "en", datetime(2025, 9, 30, 12, tzinfo=SH))
    assert "Wed 2025-10-01 09:00 Asia/Shanghai (a holiday: sent on 2025-10-09)" in shown
    assert "Fri 2025-10-03 10:00 Asia/Shanghai (a holiday: sent on 2025-10-09)" in shown
    zh = next_rounds(config, "zh", datetime(2025, 10, 9, 12, tzinfo=SH))
    assert "2025-10-10（周五）10:00" in zh and "顺延" not in zh

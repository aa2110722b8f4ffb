"""schedules.periods: when a round is due, at the boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config import Schedule, parse_schedule
from schedules.periods import (
    due_round,
    latest_occurrence,
    next_occurrence,
    period_key,
    trigger_for,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def at(tz, *args):
    return datetime(*args, tzinfo=tz)


def test_sunday_last_second_rolls_to_monday_midnight():
    s = parse_schedule("mon 00:00")
    now = at(SH, 2024, 6, 9, 23, 59, 59)  # a Sunday
    assert latest_occurrence(s, SH, now) == at(SH, 2024, 6, 3, 0, 0)
    assert next_occurrence(s, SH, now) == at(SH, 2024, 6, 10, 0, 0)
    monday = at(SH, 2024, 6, 10, 0, 0)
    assert latest_occurrence(s, SH, monday) == monday  # "at or before"
    assert next_occurrence(s, SH, monday) == at(SH, 2024, 6, 17, 0, 0)
    assert period_key(latest_occurrence(s, SH, monday)) == "2024-06-10T00:00:00+08:00"


def test_now_in_another_zone_is_compared_as_an_instant():
    s = parse_schedule("mon 09:00")
    now = datetime(2024, 6, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    occ = latest_occurrence(s, SH, now)
    assert period_key(occ) == "2024-06-10T09:00:00+08:00"
    assert latest_occurrence(s, SH, now - timedelta(seconds=1)) == at(SH, 2024, 6, 3, 9, 0)


def test_daily_and_mon_thu():
    daily = parse_schedule("daily 18:00")
    assert latest_occurrence(daily, SH, at(SH, 2024, 6, 12, 17, 59)) == at(SH, 2024, 6, 11, 18)
    assert next_occurrence(daily, SH, at(SH, 2024, 6, 12, 17, 59)) == at(SH, 2024, 6, 12, 18)
    mt = parse_schedule("mon,thu 09:00")
    wed = at(SH, 2024, 6, 12, 12, 0)
    assert latest_occurrence(mt, SH, wed) == at(SH, 2024, 6, 10, 9)
    assert next_occurrence(mt, SH, wed) == at(SH, 2024, 6, 13, 9)
    thu = at(SH, 2024, 6, 13, 9, 0)
    assert latest_occurrence(mt, SH, thu) == thu
    assert next_occurrence(mt, SH, thu) == at(SH, 2024, 6, 17, 9)


def test_seconds_in_the_time():
    s = parse_schedule("mon 09:00:30")
    assert latest_occurrence(s, SH, at(SH, 2024, 6, 10, 9, 0, 29)) == at(SH, 2024, 6, 3, 9, 0, 30)
    hit = latest_occurrence(s, SH, at(SH, 2024, 6, 10, 9, 0, 30))
    assert hit == at(SH, 2024, 6, 10, 9, 0, 30)
    assert period_key(hit) == "2024-06-10T09:00:30+08:00"
    assert latest_occurrence(s, SH, at(SH, 2024, 6, 10, 9, 0, 30, 999)) == hit


def test_berlin_spring_forward_missing_wall_time():
    s = parse_schedule("daily 02:30")  # 2024-03-31 02:00 CET -> 03:00 CEST: 02:30 never happens
    occ = next_occurrence(s, BERLIN, at(BERLIN, 2024, 3, 31, 1, 0))
    assert period_key(occ) == "2024-03-31T03:30:00+02:00"
    assert occ.astimezone(UTC) == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    before = datetime(2024, 3, 31, 1, 29, 59, tzinfo=UTC)
    assert period_key(latest_occurrence(s, BERLIN, before)) == "2024-03-30T02:30:00+01:00"
    assert latest_occurrence(s, BERLIN, before + timedelta(seconds=1)) == occ


def test_berlin_spring_forward_day_is_23_hours():
    s = parse_schedule("daily 09:00")
    now = at(BERLIN, 2024, 3, 31, 8, 59)  # CEST; yesterday's 09:00 CET was 22h59m ago
    occ = latest_occurrence(s, BERLIN, now)
    assert period_key(occ) == "2024-03-30T09:00:00+01:00"
    assert due_round(s, BERLIN, now, 23, set()) == (occ, "send")  # wall clock says 23h59m
    assert due_round(s, BERLIN, now, 22, set()) == (occ, "missed")
    assert period_key(latest_occurrence(s, BERLIN, at(BERLIN, 2024, 3, 31, 9, 0))) == (
        "2024-03-31T09:00:00+02:00")


def test_berlin_fall_back_ambiguous_time_is_the_first():
    s = parse_schedule("sun 02:30")  # 2024-10-27 02:30 happens twice
    occ = latest_occurrence(s, BERLIN, datetime(2024, 10, 27, 3, 0, tzinfo=UTC))
    assert period_key(occ) == "2024-10-27T02:30:00+02:00"


def test_the_job_trigger_fires_an_ambiguous_time_once_and_moves_on():
    trigger = trigger_for(parse_schedule("sun 02:30"), BERLIN)
    first = trigger.get_next_fire_time(None, datetime(2024, 10, 26, tzinfo=UTC))
    assert period_key(first) == "2024-10-27T02:30:00+02:00"
    # as APScheduler asks once the job ran, also from well after the repeated hour
    for now in (first + timedelta(seconds=1), datetime(2024, 10, 27, 5, 0, tzinfo=UTC)):
        assert period_key(trigger.get_next_fire_time(first, now)) == "2024-11-03T02:30:00+01:00"
    gap = trigger_for(parse_schedule("sun 02:30"), BERLIN).get_next_fire_time(
        None, datetime(2024, 3, 30, tzinfo=UTC))
    assert period_key(gap) == "2024-03-31T03:30:00+02:00"  # the spring-forward gap


def test_catchup_exactly_at_the_limit_and_holidays_moved():
    s = parse_schedule("mon 09:00")
    occ = at(SH, 2024, 6, 10, 9, 0)
    assert due_round(s, SH, occ, 24, set()) == (occ, "send")
    assert due_round(s, SH, occ + timedelta(hours=24), 24, set()) == (occ, "send")
    limit = occ + timedelta(hours=24, seconds=1)
    assert due_round(s, SH, limit, 24, set()) == (occ, "missed")
    assert due_round(s, SH, occ + timedelta(seconds=1), 0, set()) == (occ, "missed")
    # On a holiday the round waits for the next working day, at the same time.
    last_week = at(SH, 2024, 6, 3, 9, 0)
    assert due_round(s, SH, occ, 24, {date(2024, 6, 10)}) == (last_week, "missed")
    moved = at(SH, 2024, 6, 11, 9, 0)
    assert due_round(s, SH, moved, 24, {date(2024, 6, 10)}) == (moved, "send")
    assert due_round(s, SH, occ, 24, {date(2024, 6, 11)}) == (occ, "send")


def test_no_days_and_naive_now():
    empty = Schedule((), parse_schedule("mon 09:00").at)
    now = at(SH, 2024, 6, 10, 9)
    assert latest_occurrence(empty, SH, now) is None
    assert next_occurrence(empty, SH, now) is None
    assert due_round(empty, SH, now, 24, set()) is None
    with pytest.raises(ValueError):
        latest_occurrence(parse_schedule("mon 09:00"), SH, datetime(2024, 6, 10, 9))


@given(
    days=st.sets(st.integers(0, 6), min_size=1),
    hh=st.integers(0, 23), mm=st.integers(0, 59), ss=st.integers(0, 59),
    instant=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]),
)
def test_latest_and_next_bracket_now(days, hh, mm, ss, instant, zone):
    tz = ZoneInfo(zone)
    s = parse_schedule(f"{','.join(['mon','tue','wed','thu','fri','sat','sun'][d] for d in days)} "
                       f"{hh:02}:{mm:02}:{ss:02}")
    now = instant.replace(tzinfo=UTC)
    prev, nxt = latest_occurrence(s, tz, now), next_occurrence(s, tz, now)
    assert prev.astimezone(UTC) <= now < nxt.astimezone(UTC)
    assert now - prev <= timedelta(days=7, hours=1)
    assert prev.weekday() in s.days and nxt.weekday() in s.days
    # nothing scheduled strictly between them
    assert next_occurrence(s, tz, prev) == nxt
    assert latest_occurrence(s, tz, nxt - timedelta(microseconds=1)) == prev

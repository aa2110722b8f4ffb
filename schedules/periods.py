"""When a reminder or digest round is due: pure functions over a Schedule and a timezone.

A schedule's moments are wall-clock times in the configured timezone. Comparisons are made
in UTC (aware datetimes sharing one tzinfo compare by wall clock, which is wrong across a
DST change). A wall-clock time that does not exist (the spring-forward gap) is taken with
the offset in force before the gap, so `02:30` on Europe/Berlin's spring-forward day is
03:30 CEST; an ambiguous one (fall-back) is its first occurrence. Period keys are the
occurrence as ISO 8601 with the offset actually in force, e.g. `2024-03-31T03:30:00+02:00`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from config import Schedule

LOOKBACK = timedelta(days=8)
Action = Literal["send", "missed", "holiday"]


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def occurrence_on(schedule: Schedule, tz: ZoneInfo, day: date) -> datetime:
    """The scheduled moment on local date `day` (whether or not `day` is a scheduled day)."""
    wall = datetime.combine(day, schedule.at, tzinfo=tz)
    # Round-trip through UTC so a non-existent wall time gets the offset actually in force.
    return wall.astimezone(UTC).astimezone(tz)


def _candidates(schedule: Schedule, tz: ZoneInfo, now: datetime, step: int):
    today = now.astimezone(tz).date()
    for n in range(LOOKBACK.days + 2):
        day = today + timedelta(days=n * step)
        if day.weekday() in schedule.days:
            yield occurrence_on(schedule, tz, day)


def latest_occurrence(schedule: Schedule, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The most recent scheduled moment at or before `now`, if within the last 8 days."""
    _require_aware(now)
    now_utc = now.astimezone(UTC)
    for occ in _candidates(schedule, tz, now, -1):
        occ_utc = occ.astimezone(UTC)
        if occ_utc <= now_utc:
            return occ if now_utc - occ_utc <= LOOKBACK else None
    return None


def next_occurrence(schedule: Schedule, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The first scheduled moment strictly after `now` (None only for a schedule with no days)."""
    _require_aware(now)
    now_utc = now.astimezone(UTC)
    for occ in _candidates(schedule, tz, now, 1):
        if occ.astimezone(UTC) > now_utc:
            return occ
    return None


def period_key(period: datetime) -> str:
    """The string stored in rounds.period: ISO 8601 with offset, to the second."""
    _require_aware(period)
    return period.isoformat(timespec="seconds")


def due_round(
    schedule: Schedule,
    tz: ZoneInfo,
    now: datetime,
    catchup_hours: int,
    holidays: set[date] | frozenset[date] = frozenset(),
) -> tuple[datetime, Action] | None:
    """The latest period and what to do about it, or None if nothing occurred in 8 days.

    "holiday" when the occurrence's local date is a holiday (checked first), "send" when it
    is at most `catchup_hours` old (the limit itself included), else "missed". Whether the
    round was already handled is for the caller to check (storage.rounds.open_round).
    """
    occ = latest_occurrence(schedule, tz, now)
    if occ is None:
        return None
    if occ.date() in holidays:
        return occ, "holiday"
    age = now.astimezone(UTC) - occ.astimezone(UTC)
    if age <= timedelta(hours=catchup_hours):
        return occ, "send"
    return occ, "missed"

"""When a reminder or digest round is due: a schedule's moments come from APScheduler's
CronTrigger, in the configured timezone.

Comparisons are made in UTC (aware datetimes sharing one tzinfo compare by wall clock, which
is wrong across a DST change). A wall-clock time that does not exist (the spring-forward gap) is the instant CronTrigger
gives, 02:30 read with the offset before the gap, so `02:30` on Europe/Berlin's
spring-forward day is 03:30 CEST; an ambiguous one (fall-back), which CronTrigger fires
twice, counts once: its first occurrence. Period keys are the occurrence as ISO 8601 with the
offset actually in force, e.g. `2024-03-31T03:30:00+02:00`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from config import Schedule

LOOKBACK = timedelta(days=8)
Action = Literal["send", "missed", "holiday"]


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


class ScheduleTrigger(CronTrigger):
    """A CronTrigger that steps from instant to instant: CronTrigger 3.x fires an ambiguous
    wall time (fall-back) twice and, given its second run, returns it again; here it fires
    once, and every moment carries the offset actually in force."""

    def get_next_fire_time(self, previous_fire_time, now):
        start = now.astimezone(UTC)
        if previous_fire_time is not None:
            start = min(start, previous_fire_time.astimezone(UTC) + timedelta(microseconds=1))
        while True:
            fire = super().get_next_fire_time(None, start)
            if fire is None:
                return None
            moment = fire.astimezone(UTC).astimezone(self.timezone)
            if moment.fold == 0 or moment.replace(fold=0).utcoffset() == moment.utcoffset():
                return moment
            start = moment.astimezone(UTC) + timedelta(seconds=1)  # the repeated hour's run


def trigger_for(schedule: Schedule, tz: ZoneInfo) -> ScheduleTrigger | None:
    """The trigger firing at the schedule's moments (None for a schedule with no days)."""
    if not schedule.days:
        return None
    return ScheduleTrigger(timezone=tz, **schedule.cron_fields())


def _moments(trigger: ScheduleTrigger, start: datetime) -> Iterator[datetime]:
    """The trigger's moments from `start` on (inclusive)."""
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None:
        yield fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))


def latest_occurrence(schedule: Schedule, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The most recent scheduled moment at or before `now`, if within the last 8 days."""
    _require_aware(now)
    trigger = trigger_for(schedule, tz)
    if trigger is None:
        return None
    latest, now_utc = None, now.astimezone(UTC)
    for moment in _moments(trigger, now_utc - LOOKBACK):
        if moment.astimezone(UTC) > now_utc:
            break
        latest = moment
    return latest


def next_occurrence(schedule: Schedule, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The first scheduled moment strictly after `now` (None only for a schedule with no days)."""
    _require_aware(now)
    trigger = trigger_for(schedule, tz)
    if trigger is None:
        return None
    now_utc = now.astimezone(UTC)
    return next(m for m in _moments(trigger, now_utc + timedelta(microseconds=1))
                if m.astimezone(UTC) > now_utc)


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
    if now.astimezone(UTC) - occ.astimezone(UTC) <= timedelta(hours=catchup_hours):
        return occ, "send"
    return occ, "missed"

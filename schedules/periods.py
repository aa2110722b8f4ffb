"""When a reminder or digest round is due: a schedule's moments come from APScheduler's
CronTrigger, in the configured timezone.

Comparisons are made in UTC (aware datetimes sharing one tzinfo compare by wall clock, which
is wrong across a DST change). A wall-clock time that does not exist (the spring-forward gap) is the instant CronTrigger
gives, 02:30 read with the offset before the gap, so `02:30` on Europe/Berlin's
spring-forward day is 03:30 CEST; an ambiguous one (fall-back), which CronTrigger fires
twice, counts once: its first occurrence. Period keys are the occurrence as ISO 8601 with the
offset actually in force, e.g. `2024-03-31T03:30:00+02:00`.

Holidays (config.calendar): an occurrence on a holiday is sent on the next working day at the
same time of day, and that moment is its period. Several occurrences moved to one moment (a
daily round through a week of holidays) are one round, and so is an occurrence moved onto
another one's moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from config import Schedule
from config.calendar import WorkCalendar

LOOKBACK = timedelta(days=8)
Action = Literal["send", "missed"]


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


def wake_trigger_for(schedule: Schedule, tz: ZoneInfo) -> ScheduleTrigger | None:
    """The trigger of a schedule's job: every day at the schedule's time, so that a round
    moved past a holiday is sent on its day (on other days nothing is due)."""
    if not schedule.days:
        return None
    return ScheduleTrigger(timezone=tz, **{**schedule.cron_fields(), "day_of_week": "*"})


def send_moment(occurrence: datetime, calendar: WorkCalendar) -> datetime:
    """When the round of `occurrence` is sent: then, or on the next working day after a
    holiday at the same time of day."""
    if not calendar.is_holiday(occurrence.date()):
        return occurrence
    day = calendar.next_working_day(occurrence.date())
    tz = occurrence.tzinfo
    wall = datetime.combine(day, occurrence.time())
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)  # the offset of that day


def _calendar(holidays: WorkCalendar | set[date] | frozenset[date]) -> WorkCalendar:
    return holidays if isinstance(holidays, WorkCalendar) else WorkCalendar(
        holidays=frozenset(holidays))


def current_period(schedule: Schedule, tz: ZoneInfo, now: datetime,
                   holidays: WorkCalendar | set[date] | frozenset[date] = frozenset()
                   ) -> datetime | None:
    """The latest round's moment at or before `now` (occurrences of the last 8 days, each
    moved past a holiday), or None."""
    _require_aware(now)
    trigger = trigger_for(schedule, tz)
    if trigger is None:
        return None
    calendar, now_utc = _calendar(holidays), now.astimezone(UTC)
    latest = None
    for occurrence in _moments(trigger, now_utc - LOOKBACK):
        if occurrence.astimezone(UTC) > now_utc:
            break
        moment = send_moment(occurrence, calendar)
        if moment.astimezone(UTC) <= now_utc and (
                latest is None or moment.astimezone(UTC) > latest.astimezone(UTC)):
            latest = moment
    return latest


def next_round(schedule: Schedule, tz: ZoneInfo, now: datetime,
               holidays: WorkCalendar | set[date] | frozenset[date] = frozenset()
               ) -> tuple[datetime, datetime] | None:
    """(the next occurrence after `now`, the moment its round is sent), or None."""
    occurrence = next_occurrence(schedule, tz, now)
    if occurrence is None:
        return None
    return occurrence, send_moment(occurrence, _calendar(holidays))


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
    holidays: WorkCalendar | set[date] | frozenset[date] = frozenset(),
) -> tuple[datetime, Action] | None:
    """The latest round's moment (`current_period`) and what to do about it, or None if
    nothing is due from the last 8 days' occurrences.

    "send" when it is at most `catchup_hours` old (the limit itself included), else
    "missed". An occurrence on a holiday is due on the next working day (`send_moment`).
    Whether the round was already handled is for the caller to check
    (storage.rounds.open_round).
    """
    period = current_period(schedule, tz, now, holidays)
    if period is None:
        return None
    if now.astimezone(UTC) - period.astimezone(UTC) <= timedelta(hours=catchup_hours):
        return period, "send"
    return period, "missed"

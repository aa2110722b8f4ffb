"""Which days are working days, for the rounds: China's statutory calendar, with the days
set in /settings on top.

In a mainland China timezone (or with BOT_HOLIDAYS=cn) the statutory holidays and the
make-up working days (调休) come from the `chinesecalendar` package, which is updated each
year when the State Council publishes the next year's arrangement. Days past its data are
ordinary days (Monday to Friday work). `holidays` (/settings) adds days off, `workdays` adds
working days; both win over the package.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

# Mainland China's IANA zones (Hong Kong, Macau and Taipei keep their own holidays).
CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin",
                         "Asia/Urumqi", "Asia/Kashgar", "PRC"})
SEARCH_DAYS = 60  # the longest run of days off looked through for the next working day


def _statutory(day: date) -> tuple[bool, bool] | None:
    """(a statutory holiday, a working day) by China's calendar; None past its data."""
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return off and name is not None, not off


@functools.lru_cache(maxsize=1)
def china_known_until() -> date:
    """The last day China's calendar (the installed chinesecalendar) has data for."""
    year = date.today().year - 1
    while _statutory(date(year + 1, 1, 1)) is not None and year < date.today().year + 20:
        year += 1
    return date(year, 12, 31)


@dataclass(frozen=True)
class WorkCalendar:
    china: bool = False  # China's statutory holidays and make-up working days apply
    holidays: frozenset[date] = frozenset()  # days off set in /settings
    workdays: frozenset[date] = frozenset()  # working days set in /settings

    def is_holiday(self, day: date) -> bool:
        """A day off that is not a weekend: a round falling on it is sent on the next working
        day (a round scheduled on a weekend is meant to be sent then)."""
        if day in self.workdays:
            return False
        if day in self.holidays:
            return True
        known = _statutory(day) if self.china else None
        return bool(known and known[0])

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        known = _statutory(day) if self.china else None
        return known[1] if known is not None else day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """The first working day after `day` (after SEARCH_DAYS days off, the day after that)."""
        for n in range(1, SEARCH_DAYS + 1):
            if self.is_working_day(day + timedelta(days=n)):
                return day + timedelta(days=n)
        return day + timedelta(days=SEARCH_DAYS + 1)


def uses_china_calendar(holiday_calendar: str, timezone_name: str) -> bool:
    """BOT_HOLIDAYS `cn`, or `auto` in a mainland China timezone."""
    return holiday_calendar == "cn" or (holiday_calendar == "auto"
                                        and timezone_name in CHINA_ZONES)


def work_calendar(config) -> WorkCalendar:
    """The working days a configuration (config.Config, /settings applied) calls for."""
    return WorkCalendar(uses_china_calendar(config.holiday_calendar, config.timezone.key),
                        config.holidays, config.workdays)

"""When a project will be done at its recent pace: a forecast from its own progress history.

Pure logic on plain values. The method (also in docs/method.md):

1. The history is a list of ``(moment, progress)``; figures without a progress are ignored,
   and several figures on one day count as the day's last one (an edit corrects the day).
2. ``latest`` is the newest figure. The reference figure is the **oldest figure dated within
   ``WINDOW_DAYS`` (56) days before ``latest`` and at least ``MIN_SPAN_DAYS`` (14) days before
   it**; when no figure falls in that band, the newest figure older than 56 days is used.
   No figure at least 14 days before ``latest``: not enough history, the forecast is None.
3. ``pace = (latest progress − reference progress) / days between them`` (points a day).
4. ``end = latest day + ceil((100 − latest progress) / pace)`` days; when the pace is zero
   or negative there is no completion date (``end`` is None).
5. **Stalled**: the last three figures (on three different days, the first at least 14 days
   before the last) are equal and below 100. The recent pace is then zero: ``pace`` is 0
   and ``end`` is None, whatever older figures say.

Example: 30 % on 1 March, 45 % on 29 March → pace 15 / 28 = 0.536 points a day; 55 points
remain → ceil(102.7) = 103 days → done on 10 July.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WINDOW_DAYS = 56
MIN_SPAN_DAYS = 14
STALL_UPDATES = 3


@dataclass(frozen=True, slots=True)
class Forecast:
    """A completion forecast; see the module docstring for the method."""

    end: date | None  # estimated completion day; None when the pace is not positive
    pace: float  # percentage points a day, over since → latest
    since: date  # the reference figure's day
    latest: date  # the newest figure's day
    progress: float  # the newest figure, percent
    stalled: bool = False  # the last three figures are equal (and below 100)

    def days_late(self, planned_end: date | None) -> int | None:
        """Days the forecast end falls after `planned_end` (negative: early); None if unknown."""
        if self.end is None or planned_end is None:
            return None
        return (self.end - planned_end).days


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _order(moment: date | datetime) -> tuple[date, float]:
    """Oldest first: by day, then by time within the day (a date alone counts first)."""
    return _day(moment), moment.timestamp() if isinstance(moment, datetime) else float("-inf")


def daily_figures(history: Iterable[tuple[date | datetime, float | None]]) -> list[tuple[date, float]]:
    """One figure a day (the day's last one), oldest first; figures without progress dropped."""
    figures = [(m, p) for m, p in history if p is not None]
    try:
        figures.sort(key=lambda pair: pair[0])  # all dates, or all (aware) datetimes
    except TypeError:  # dates and datetimes mixed
        figures.sort(key=lambda pair: _order(pair[0]))
    by_day: dict[date, float] = {}
    for moment, progress in figures:
        by_day[_day(moment)] = float(progress)
    return sorted(by_day.items())


def _reference(figures: list[tuple[date, float]]) -> tuple[date, float] | None:
    latest_day = figures[-1][0]
    older = [f for f in figures if (latest_day - f[0]).days >= MIN_SPAN_DAYS]
    if not older:
        return None
    in_window = [f for f in older if (latest_day - f[0]).days <= WINDOW_DAYS]
    return in_window[0] if in_window else older[-1]


def _is_stalled(figures: list[tuple[date, float]]) -> bool:
    last = figures[-STALL_UPDATES:]
    return (
        len(last) == STALL_UPDATES
        and (last[-1][0] - last[0][0]).days >= MIN_SPAN_DAYS
        and len({value for _, value in last}) == 1
        and last[-1][1] < 100
    )


def forecast_completion(
    history: Iterable[tuple[date | datetime, float | None]],
) -> Forecast | None:
    """The completion forecast from a project's progress history, or None (not enough of it).

    `history` holds ``(moment, progress)`` pairs in any order; moments are dates or datetimes
    (a datetime counts on its own calendar day, so pass local times).
    """
    figures = daily_figures(history)
    if not figures:
        return None
    reference = _reference(figures)
    if reference is None:
        return None
    latest_day, progress = figures[-1]
    if _is_stalled(figures):
        since = figures[-STALL_UPDATES][0]
        return Forecast(None, 0.0, since, latest_day, progress, stalled=True)
    since, start_progress = reference
    pace = (progress - start_progress) / (latest_day - since).days
    if progress >= 100:
        end = latest_day
    elif pace > 0:
        end = latest_day + timedelta(days=math.ceil(round((100 - progress) / pace, 9)))
    else:
        end = None
    return Forecast(end, round(pace, 4), since, latest_day, progress)

"""From stored rows (storage.projects.project_states) to the reports' ProjectState, and standing."""

from __future__ import annotations

import functools
import json
import math
import sys
from bisect import bisect_left
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as dt_time
from operator import itemgetter

from reports.forecast import Forecast, forecast_completion
from reports.investment import CUMULATIVE, YEAR, Investment, investment_to_date
from reports.standing import Item, Milestone, ProjectState, Thresholds, compute_standing


@functools.lru_cache(maxsize=4096)
def _date(value: str | None) -> date | None:
    """A stored date as a date; one object a day, shared: 20,000 projects' plans name a few
    hundred days."""
    return date.fromisoformat(value[:10]) if value else None


@functools.lru_cache(maxsize=1024)
def _entered(value: str) -> datetime:
    """When a project entered the ledger: a few import times, one object each."""
    return moment(value)


def moment(value: str | None) -> datetime | None:
    """A stored ISO 8601 time as an aware datetime (UTC when it has no offset); None for none."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


UTC_TEXT = len("2026-01-01T00:00:00+00:00")  # how the bot stores moments (storage.db.now_iso)


@functools.lru_cache(maxsize=8)
def _year_bounds(today: date, tz: tzinfo) -> tuple[str, str]:
    """1 January of `today`'s year and tomorrow, at midnight in `tz`, as stored UTC text."""
    return tuple(datetime.combine(day, dt_time(), tzinfo=tz).astimezone(UTC).isoformat()
                 for day in (date(today.year, 1, 1), today + timedelta(days=1)))


def _last(figures: list, kind: str, end: int) -> list | None:
    """The last of `figures[:end]` of `kind`."""
    return next((f for f in reversed(figures[:end]) if f[2] == kind), None)


def investment_from_row(row: dict, now: datetime) -> Investment | None:
    """Cumulative and this year's investment from the row's ``invested_history`` (JSON text or
    a list of [iso moment, 万元, kind], in time order); each figure counts on its day in
    `now`'s timezone.

    Only the figures `investment_to_date` can use are read: the latest of each kind, and the
    last cumulative one before 1 January, found by bisection on the moments as stored (UTC
    text of one length compares as time) — reading each of a project's weekly figures was
    most of the cost of a full /status."""
    history = row.get("invested_history")
    if history is None:
        return None
    figures = json.loads(history) if isinstance(history, str) else history
    tz = now.tzinfo
    if not all(len(f[0]) == UTC_TEXT and f[0].endswith("+00:00") for f in figures):
        figures = sorted(([moment(s).astimezone(UTC).isoformat(), a, k] for s, a, k in figures),
                         key=itemgetter(0))  # written some other way: made comparable first
    jan1, tomorrow = _year_bounds(now.date(), tz)
    end = bisect_left(figures, tomorrow, key=itemgetter(0))  # later ones: not yet reported
    this_year = bisect_left(figures, jan1, 0, end, key=itemgetter(0))
    picked = {id(f): f for f in (_last(figures, CUMULATIVE, end), _last(figures, YEAR, end),
                                 _last(figures, CUMULATIVE, this_year)) if f is not None}
    kept = sorted(picked.values(), key=itemgetter(0))
    return investment_to_date(
        ((moment(stamp).astimezone(tz).date(), amount, kind) for stamp, amount, kind in kept),
        now.date(), started_on=_date(row.get("planned_start")))


def shared_text(text: str | None) -> str | None:
    """One copy of a text many projects repeat (a unit's name, a leader, a stage), or that
    the ledger index keeps too (a code, a name: services.intake): each row from SQLite brings
    its own, and 20,000 projects keep theirs."""
    return None if text is None else sys.intern(text)


class Shared:
    """One object for equal values of the projects read together: 20,000 projects have a few
    dozen progress figures, a few thousand planned percentages and reasons (the investment
    figures are mostly each project's own: not looked up)."""

    def __init__(self) -> None:
        self.kept: dict[tuple, object] = {}

    def one(self, value):
        """The first object seen equal to `value` and written the same: of its type (an int
        is no float), its numbers of the same sign (-0.0 is no 0.0, in a reason's numbers
        too). A tuple's items are to be shared first: a tuple is found by its items' ids."""
        if value is None:
            return None
        if value.__class__ is float:
            key = (float, value, math.copysign(1.0, value))
        elif value.__class__ is tuple:
            key = (tuple, *map(id, value))
        else:
            key = (value.__class__, value, *_signs(value))
        return self.kept.setdefault(key, value)


def _signs(value: object) -> tuple[float, ...]:
    """The signs of a slotted object's floats (a Reason's)."""
    return tuple(math.copysign(1.0, number) for number in
                 map(value.__getattribute__, getattr(value, "__slots__", ()))
                 if number.__class__ is float)


def state_from_row(row: dict, now: datetime | None = None,
                   shared: Shared | None = None) -> ProjectState:
    """One project row (with its derived fields) as the reports see it; with `now` (aware),
    its investment history gives the cumulative and this year's figures; with `shared`, its
    progress figures are shared with the other projects read with it."""
    invested = investment_from_row(row, now) if now is not None else None
    number = (shared or Shared()).one
    return ProjectState(
        code=shared_text(row["code"]),
        name=shared_text(row["name"]),
        unit=shared_text(row["unit_name"]),
        leader=shared_text(row.get("leader")),
        stage=shared_text(row.get("current_stage", row.get("stage"))),
        planned_start=_date(row.get("planned_start")),
        planned_end=_date(row.get("planned_end")),
        total_investment=row.get("total_investment"),
        annual_plan=row.get("annual_plan"),
        progress=number(row.get("progress")),
        invested=row.get("invested") if invested is None else invested.cumulative,
        last_update_at=moment(row.get("last_update_at")),
        created_at=_entered(row["created_at"]),
        milestones=tuple(
            Milestone(_date(m["due"]), number(m["progress"]), shared_text(m.get("title")))
            for m in row.get("milestones", ())
        ),
        open_problems=row.get("open_problems") or 0,
        latest_update=row.get("latest_update"),
        aliases=tuple(row.get("aliases") or ()),
        **({} if invested is None else {
            "invested_derived": invested.cumulative_derived,
            "invested_year": invested.this_year,
            "invested_year_derived": invested.derived}),
    )


def forecast_from_row(row: dict, now: datetime) -> Forecast | None:
    """The forecast from the row's optional ``progress_history``: [(iso moment, progress)].

    Moments are read in `now`'s timezone, so that each figure counts on its local day.
    """
    history = [
        (moment(stamp).astimezone(now.tzinfo), progress)
        for stamp, progress in row.get("progress_history") or ()
    ]
    return forecast_completion(history) if history else None


def items_from_rows(rows: Iterable[dict], now: datetime, thresholds: Thresholds) -> list[Item]:
    """Each project with its standing at `now` (aware, in the bot's timezone).

    A row may carry ``progress_history`` (see `forecast_from_row`); its forecast then feeds
    the standing (reasons forecast_late and stalled).
    """
    items = []
    shared = Shared()
    for row in rows:  # one at a time: a row and its history can go once read
        state = state_from_row(row, now, shared)
        items.append((state, compute_standing(state, now.date(), now, thresholds,
                                              forecast_from_row(row, now), shared.one)))
    return items

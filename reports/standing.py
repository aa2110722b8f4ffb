"""The standing of a project: planned progress, how far behind, stale, the verdict and why.

Pure logic on plain values (no database, no Telegram), as DESIGN.md "Standing of a project"
and docs/method.md:

* **planned progress today** (percent, 0–100, ``None`` when it cannot be known):
  - with milestones (nodes): a piecewise-linear line through the milestones (sorted by due
    date), starting at ``planned_start`` with 0 % when it is given and earlier than the first
    milestone, and ending at ``planned_end`` with 100 % when it is given and later than the
    last milestone. Before the first point the plan is 0 % (when the first point is
    ``planned_start``) or — with no start date — 0 % until the first milestone falls due
    (a milestone counts from its due day on). After the last point the plan stays at the
    last point's value;
  - without milestones: the straight line from ``planned_start`` (0 %) to ``planned_end``
    (100 %); ``None`` when either date is missing;
* **behind** = planned − actual, in percentage points (an unknown actual progress counts as
  0); ``None`` when the plan is unknown;
* **stale** = no update for *more than* ``stale_days`` whole calendar days, counted in the
  timezone of ``now``; a project never updated counts from its creation. A project that is
  done is never stale (nobody needs to report on it any more);
* **done**: progress 100, or stage ``completed`` with no progress stated (a completed stage
  does not override a stated progress below 100).

A project that is not done is judged by rules; each rule that fires gives a `Reason` (a
stable machine ``code`` plus the numbers to render it) and a severity; the verdict is the
worst severity, **on track** when no rule fires. ``Thresholds.light_rule`` names the rule
for plan against actual:

============== ========== ======================================================================
code           severity   fires when
============== ========== ======================================================================
behind         lagging    rule "points": behind ≥ ``lag_points``
behind         at risk    rule "points": behind ≥ ``lag_points`` / 2
ratio          lagging    rule "ratio": planned > 0 and actual < ``red_ratio`` × planned
ratio          at risk    rule "ratio": planned > 0 and actual < ``yellow_ratio`` × planned
past_end       lagging    today is after ``planned_end``
node_missed    lagging    a milestone's due day has passed and actual < its progress (the
                          latest such milestone is named)
not_started    lagging    stage negotiating or signed, or progress unknown or 0, more than
                          ``start_grace_days`` days after ``planned_start`` (any light rule)
stale          lagging    no update for more than 2 × ``stale_days``
stale          at risk    no update for more than ``stale_days``
forecast_late  at risk    the forecast completion is more than ``forecast_late_days`` after
                          ``planned_end`` (see reports.forecast)
stalled        at risk    the forecast says the last three figures are equal
============== ========== ======================================================================

``Standing.reasons`` lists the codes, worst first (then in the table's order);
``Standing.why`` holds the `Reason` values with their numbers. A done project has none.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from reports.forecast import Forecast

STAGES = ("negotiating", "signed", "started", "completed")
STANDINGS = ("lagging", "at_risk", "on_track", "done")  # worst first
LIGHT_RULES = ("points", "ratio")
REASONS = (
    "behind", "ratio", "past_end", "node_missed", "not_started", "stale", "forecast_late", "stalled"
)  # the order reasons are listed in, within one severity

LAGGING = "lagging"
AT_RISK = "at_risk"
ON_TRACK = "on_track"
DONE = "done"

NOT_STARTED_STAGES = ("negotiating", "signed")


@dataclass(frozen=True, slots=True)
class Milestone:
    due: date
    progress: float  # percent planned to be reached on `due`
    title: str | None = None  # what the node is, e.g. "主体结构封顶"


@dataclass(frozen=True, slots=True)
class ProjectState:
    """What the reports need to know about one project (from the ledger and its updates)."""

    code: str
    name: str
    unit: str
    leader: str | None
    stage: str | None  # negotiating | signed | started | completed
    planned_start: date | None
    planned_end: date | None
    total_investment: float | None  # 万元
    annual_plan: float | None  # 万元
    progress: float | None  # latest known, percent
    invested: float | None  # latest known investment completed so far, 万元
    last_update_at: datetime | None  # aware; None = never updated
    created_at: datetime  # aware
    milestones: tuple[Milestone, ...] = ()
    open_problems: int = 0
    latest_update: str | None = None  # the last update's text
    aliases: tuple[str, ...] = ()
    # `invested` is the cumulative figure; this year's is apart (reports.investment); either
    # may be derived from the other kind of figure rather than reported as such
    invested_derived: bool = False
    invested_year: float | None = None  # 万元 since 1 January
    invested_year_derived: bool = False


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The settings the verdict depends on (see the module docstring)."""

    stale_days: int = 7
    lag_points: int = 10
    light_rule: str = "points"  # "points" | "ratio"
    red_ratio: float = 0.6
    yellow_ratio: float = 0.8
    start_grace_days: int = 90
    forecast_late_days: int = 30


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a project is lagging or at risk: a stable `code` and the numbers to render it.

    Fields used per code (the others are None):
    behind: points; ratio: ratio (actual / planned) and points (behind);
    past_end: on (planned end), days (past it); node_missed: on (due), title, target (the
    node's progress), points (shortfall = target − actual); not_started: on (planned start),
    days (since it); stale: days (without update); forecast_late: on (forecast end), days
    (after the planned end); stalled: on (first of the equal figures), target (the figure).
    """

    code: str
    points: float | None = None
    ratio: float | None = None
    days: int | None = None
    on: date | None = None
    title: str | None = None
    target: float | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    planned: float | None  # planned progress today, percent (None: no plan known)
    behind: float | None  # planned − actual, percentage points (None: no plan known)
    stale_days: int  # whole days since the last update (or creation, if never updated)
    is_stale: bool
    standing: str  # on_track | at_risk | lagging | done
    past_end: bool = False  # today is after planned_end and the project is not done
    why: tuple[Reason, ...] = ()  # worst first; empty when on track or done
    forecast: Forecast | None = field(default=None, compare=False)

    @property
    def is_done(self) -> bool:
        return self.standing == DONE

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reason codes, worst first (see the module docstring's table)."""
        return tuple(r.code for r in self.why)

    def reason(self, code: str) -> Reason | None:
        return next((r for r in self.why if r.code == code), None)


Item = tuple[ProjectState, Standing]
Finding = tuple[str, Reason]  # (severity, reason)


def _days(a: date, b: date) -> int:
    return (b - a).days


def _interpolate(points: list[tuple[date, float]], today: date) -> float:
    """Piecewise-linear value at `today`; flat after the last point, see module docstring."""
    if today < points[0][0]:
        return 0.0
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if d0 <= today < d1:
            return v0 + (v1 - v0) * _days(d0, today) / _days(d0, d1)
    return points[-1][1]


def planned_progress(p: ProjectState, today: date) -> float | None:
    """The progress the plan expects on `today`, in percent (0–100), or None if unknown."""
    if p.milestones:
        by_day: dict[date, float] = {}
        for m in sorted(p.milestones, key=lambda m: m.due):
            by_day[m.due] = float(m.progress)  # two on the same day: the later one in the list
        points = sorted(by_day.items())
        if p.planned_start is not None and p.planned_start < points[0][0]:
            points.insert(0, (p.planned_start, 0.0))
        if p.planned_end is not None and p.planned_end > points[-1][0] and points[-1][1] < 100.0:
            points.append((p.planned_end, 100.0))
        value = _interpolate(points, today)
    elif p.planned_start is not None and p.planned_end is not None:
        if p.planned_end <= p.planned_start:
            value = 100.0 if today >= p.planned_end else 0.0
        elif today <= p.planned_start:
            value = 0.0
        elif today >= p.planned_end:
            value = 100.0
        else:
            value = 100.0 * _days(p.planned_start, today) / _days(p.planned_start, p.planned_end)
    else:
        return None
    return round(min(100.0, max(0.0, value)), 2)


def days_since(then: datetime, now: datetime) -> int:
    """Whole calendar days from `then` to `now`, counted in `now`'s timezone (never negative)."""
    if now.tzinfo is not None and then.tzinfo is not None:
        then = then.astimezone(now.tzinfo)
    return max(0, (now.date() - then.date()).days)


def is_done(p: ProjectState) -> bool:
    """Progress 100, or stage completed with no progress stated (or 100)."""
    if p.progress is not None:
        return p.progress >= 100
    return p.stage == "completed"


def _plan_finding(
    planned: float | None, actual: float, behind: float | None, th: Thresholds
) -> Finding | None:
    """Plan against actual by the named light rule."""
    if planned is None or behind is None:
        return None
    if th.light_rule == "ratio":
        if planned <= 0:
            return None
        reason = Reason("ratio", points=behind, ratio=round(actual / planned, 4))
        if actual < round(th.red_ratio * planned, 6):
            return LAGGING, reason
        if actual < round(th.yellow_ratio * planned, 6):
            return AT_RISK, reason
        return None
    if th.light_rule != "points":
        raise ValueError(f"unknown light rule {th.light_rule!r}")
    if behind >= th.lag_points:
        return LAGGING, Reason("behind", points=behind)
    if behind >= th.lag_points / 2:
        return AT_RISK, Reason("behind", points=behind)
    return None


def _past_end_finding(p: ProjectState, today: date) -> Finding | None:
    if p.planned_end is None or today <= p.planned_end:
        return None
    return LAGGING, Reason("past_end", on=p.planned_end, days=_days(p.planned_end, today))


def _node_finding(p: ProjectState, actual: float, today: date) -> Finding | None:
    """The latest milestone whose day has passed with its progress not reached."""
    missed = [m for m in p.milestones if m.due < today and actual < m.progress]
    if not missed:
        return None
    node = max(missed, key=lambda m: m.due)
    shortfall = round(node.progress - actual, 2)
    return LAGGING, Reason(
        "node_missed", on=node.due, title=node.title, target=float(node.progress), points=shortfall
    )


def _start_finding(p: ProjectState, today: date, th: Thresholds) -> Finding | None:
    if p.planned_start is None or _days(p.planned_start, today) <= th.start_grace_days:
        return None
    not_started = p.stage in NOT_STARTED_STAGES or not p.progress  # None or 0: no progress
    if not not_started:
        return None
    return LAGGING, Reason("not_started", on=p.planned_start, days=_days(p.planned_start, today))


def _stale_finding(since: int, th: Thresholds) -> Finding | None:
    if since > 2 * th.stale_days:
        return LAGGING, Reason("stale", days=since)
    if since > th.stale_days:
        return AT_RISK, Reason("stale", days=since)
    return None


def _forecast_finding(p: ProjectState, forecast: Forecast | None, th: Thresholds) -> Finding | None:
    if forecast is None:
        return None
    if forecast.stalled:
        return AT_RISK, Reason("stalled", on=forecast.since, target=forecast.progress)
    late = forecast.days_late(p.planned_end)
    if late is not None and late > th.forecast_late_days:
        return AT_RISK, Reason("forecast_late", on=forecast.end, days=late)
    return None


def compute_standing(
    p: ProjectState,
    today: date,
    now: datetime,
    th: Thresholds = Thresholds(),
    forecast: Forecast | None = None,
    share: Callable[[Any], Any] = lambda value: value,
) -> Standing:
    """The standing of `p` on `today` (the local date for the plan) at `now` (aware).

    `forecast` is the project's completion forecast (reports.forecast.forecast_completion of
    its progress history), or None when unknown; it can only add the reasons forecast_late
    and stalled. `share` gives the object to keep for each number and reason (the one kept
    for equal values of other projects: reports.states.Shared).
    """
    planned = planned_progress(p, today)
    actual = float(p.progress) if p.progress is not None else 0.0
    behind = None if planned is None else round(planned - actual, 2)
    since = days_since(p.last_update_at or p.created_at, now)
    done = is_done(p)
    stale = not done and since > th.stale_days
    past_end = not done and p.planned_end is not None and today > p.planned_end
    findings: list[Finding] = []
    if not done:
        candidates = (
            _plan_finding(planned, actual, behind, th),
            _past_end_finding(p, today),
            _node_finding(p, actual, today),
            _start_finding(p, today, th),
            _stale_finding(since, th),
            _forecast_finding(p, forecast, th),
        )
        findings = sorted(
            (f for f in candidates if f is not None),
            key=lambda f: (STANDINGS.index(f[0]), REASONS.index(f[1].code)),
        )
    if done:
        verdict = DONE
    elif findings:
        verdict = findings[0][0]
    else:
        verdict = ON_TRACK
    return Standing(
        planned=share(planned),
        behind=share(behind),
        stale_days=since,
        is_stale=stale,
        standing=verdict,
        past_end=past_end,
        why=share(tuple(share(reason) for _, reason in findings)),
        forecast=forecast,
    )


def assess(
    projects: Iterable[ProjectState],
    today: date,
    now: datetime,
    th: Thresholds = Thresholds(),
    forecasts: Mapping[str, Forecast | None] | None = None,
) -> list[Item]:
    """Each project paired with its standing; `forecasts` maps a project code to its forecast."""
    forecasts = forecasts or {}
    return [(p, compute_standing(p, today, now, th, forecasts.get(p.code))) for p in projects]


def severity_key(item: Item) -> tuple:
    """Sort key, worst first: lagging, at risk, on track, done; then most behind, most stale."""
    p, s = item
    return (
        STANDINGS.index(s.standing),
        -max(s.behind or 0.0, 0.0),
        -s.stale_days,
        p.unit,
        p.code,
    )


def worst_first(items: Iterable[Item]) -> list[Item]:
    return sorted(items, key=severity_key)


class WorstFirst:
    """`items` kept in `worst_first` order as they change: a changed project's old item is
    taken out and its new one put in by bisection (severity_key ends with the unique code, so
    the order equals a full sort, and an item's key finds it). The keys are computed during
    each bisection, not kept: 20,000 of them took 2 MB."""

    def __init__(self, items: Iterable[Item] = ()) -> None:
        self.items: list[Item] = worst_first(items)

    def _at(self, item: Item) -> int:
        """Where `item` is, or would be put."""
        return bisect.bisect_left(self.items, severity_key(item), key=severity_key)

    def remove(self, item: Item) -> int | None:
        """Take `item` out (a project changed or removed: its old item); where it was (None:
        it was not in)."""
        at = self._at(item)
        if at == len(self.items) or self.items[at] is not item:
            return None
        del self.items[at]
        return at

    def add(self, item: Item) -> int:
        """Put `item` in its place (a project changed or added: its new item; its code is
        no other item's); where it is put."""
        at = self._at(item)
        self.items.insert(at, item)
        return at

    def position(self, item: Item) -> int:
        """Where `item` (one of the items in) is."""
        return self._at(item)

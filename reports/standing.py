"""The standing of a project: planned progress, how far behind, stale, and the verdict.

Pure logic on plain values (no database, no Telegram), exactly as DESIGN.md
"Standing of a project":

* **planned progress today** (percent, 0–100, ``None`` when it cannot be known):
  - with milestones: a piecewise-linear line through the milestones (sorted by due date),
    starting at ``planned_start`` with 0 % when it is given and earlier than the first
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
* **done**: progress 100 or stage ``completed``;
  **lagging**: behind ≥ ``lag_points``, or past ``planned_end`` (the day after it) and not
  done, or stale for more than 2 × ``stale_days``;
  **at risk**: behind ≥ ``lag_points`` / 2, or stale; **on track** otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

STAGES = ("negotiating", "signed", "started", "completed")
STANDINGS = ("lagging", "at_risk", "on_track", "done")  # worst first

LAGGING = "lagging"
AT_RISK = "at_risk"
ON_TRACK = "on_track"
DONE = "done"


@dataclass(frozen=True)
class Milestone:
    due: date
    progress: float  # percent planned to be reached on `due`


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Thresholds:
    stale_days: int = 7
    lag_points: int = 10


@dataclass(frozen=True)
class Standing:
    planned: float | None  # planned progress today, percent (None: no plan known)
    behind: float | None  # planned − actual, percentage points (None: no plan known)
    stale_days: int  # whole days since the last update (or creation, if never updated)
    is_stale: bool
    standing: str  # on_track | at_risk | lagging | done
    past_end: bool = False  # today is after planned_end and the project is not done

    @property
    def is_done(self) -> bool:
        return self.standing == DONE


Item = tuple[ProjectState, Standing]


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
    return (p.progress is not None and p.progress >= 100) or p.stage == "completed"


def compute_standing(
    p: ProjectState, today: date, now: datetime, th: Thresholds = Thresholds()
) -> Standing:
    """The standing of `p` on `today` (the local date for the plan) at `now` (aware)."""
    planned = planned_progress(p, today)
    actual = float(p.progress) if p.progress is not None else 0.0
    behind = None if planned is None else round(planned - actual, 2)
    since = days_since(p.last_update_at or p.created_at, now)
    done = is_done(p)
    stale = not done and since > th.stale_days
    past_end = not done and p.planned_end is not None and today > p.planned_end
    if done:
        verdict = DONE
    elif (behind is not None and behind >= th.lag_points) or past_end or since > 2 * th.stale_days:
        verdict = LAGGING
    elif (behind is not None and behind >= th.lag_points / 2) or stale:
        verdict = AT_RISK
    else:
        verdict = ON_TRACK
    return Standing(
        planned=planned,
        behind=behind,
        stale_days=since,
        is_stale=stale,
        standing=verdict,
        past_end=past_end,
    )


def assess(
    projects: Iterable[ProjectState], today: date, now: datetime, th: Thresholds = Thresholds()
) -> list[Item]:
    """Each project paired with its standing."""
    return [(p, compute_standing(p, today, now, th)) for p in projects]


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
